"""Fixtures shared by the benchmark studies' tests: the seeded test model and fusion clips
recorded from it (two keyed, two unkeyed), as `excolor train-fusion` records them."""
import pytest
from excolor.model.fusion.clips import ClipSettings, record_clips

from tests.support.data_root import make_root
from tests.support.node import shared_test_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return shared_test_model(tmp_path_factory)


@pytest.fixture(scope="module")
def clips_dir(tmp_path_factory, model_dir):
    folder = tmp_path_factory.mktemp("clips")
    record_clips(make_root(tmp_path_factory.mktemp("data")), folder, model_dir,
                 ClipSettings(clips=4, frames=8, size=(64, 96)))
    return folder
