"""The engine tests' shared material: the shared test model (a real exported lite model),
carphone's frames (real gray-able footage) and a real colour photo as the reference. A module
that needs another model (the official architecture's) defines its own `model_dir`."""
import pytest

from tests.support.node import carphone_frames, colour_photo, shared_test_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return shared_test_model(tmp_path_factory)


@pytest.fixture(scope="module")
def frames():
    return carphone_frames()


@pytest.fixture(scope="module")
def reference():
    return colour_photo("coffee")
