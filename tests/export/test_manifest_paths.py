"""A model directory's manifest names what it was made from by name and hash, never by a path of
the machine that wrote it: `excolor export` of a checkpoint trained for a step on a real data
root, started from another checkpoint, and the shipped default model."""
import json
import os
import re

import pytest
import torch
from excolor.engine.models import find_model, load_model_dir
from excolor.files import file_sha256
from excolor.model.data import PseudoVideoConfig, PseudoVideoDataset, data_record
from excolor.model.lite import LiteColorizer, LiteConfig, save_checkpoint
from excolor.model.training import TrainConfig, Trainer

from tests.support.batch import excolor
from tests.support.data_root import make_root

SIZE = (64, 128)
# A narrow lite network and one training step: the real trainer and export, seconds on 2 cores.
SMALL = LiteConfig(encoder_widths=(8, 16, 16), feature_channels=16, match_channels=8,
                   colorizer_widths=(8, 16, 16), head_channels=8, motion_radius=1, motion_channels=8)
# A path written into text: a slash at the start of a string or after a space, quote or '='.
EMBEDDED_PATH = re.compile(r"(?:^|[\s`'\"(=:])/[\w.-]+/")


def machine_paths(value):
    """The strings of a JSON value that hold an absolute path."""
    if isinstance(value, dict):
        return [s for item in value.values() for s in machine_paths(item)]
    if isinstance(value, list):
        return [s for item in value for s in machine_paths(item)]
    if isinstance(value, str) and (os.path.isabs(value) or EMBEDDED_PATH.search(value)):
        return [value]
    return []


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(work folder, model dir): a one-step training from a seeded checkpoint, exported by the
    command from its absolute path."""
    work = tmp_path_factory.mktemp("provenance")
    root = make_root(work / "data")
    config = PseudoVideoConfig(frames=2, items_per_picture=4, sources=("images",), val_fraction=0.3)
    dataset = PseudoVideoDataset(root, "train", SIZE, seed=0, config=config)
    torch.manual_seed(0)
    start = save_checkpoint(LiteColorizer(SMALL), work / "runs" / "start.pt", steps=0)
    trainer = Trainer(TrainConfig(steps=1, batch_size=1, size=SIZE, checkpoint_every=1, seed=0), dataset,
                      work / "runs" / "tuned", model_config=SMALL, data_record=data_record(root), init_from=start)
    trainer.run()
    result = excolor("export", work / "runs" / "tuned" / "last.pt", work / "model", "--parity-long-side", 64,
                     cwd=work)
    assert result.returncode == 0, result.stderr
    return work, load_model_dir(work / "model")


def test_an_export_names_its_checkpoint_data_and_start_by_name_and_hash(exported):
    work, model = exported
    manifest = json.loads((model.path / "manifest.json").read_text())
    assert machine_paths(manifest) == []
    assert str(work) not in (model.path / "manifest.json").read_text()
    provenance = model.manifest.provenance
    assert provenance["checkpoint"] == "last.pt"
    assert provenance["checkpoint_sha256"] == file_sha256(work / "runs" / "tuned" / "last.pt")
    training = provenance["training"]
    assert training["steps"] == 1
    assert training["data"]["root"] == "data" and len(training["data"]["content_sha256"]) == 64
    assert training["initialised_from"]["checkpoint"] == "start.pt"
    assert training["initialised_from"]["checkpoint_sha256"] == file_sha256(work / "runs" / "start.pt")


def test_the_reader_finds_paths_in_values_and_in_text():
    assert machine_paths({"a": ["/srv/runs/last.pt", "given: /home/me/model", "runs/last.pt", "1/4 size"]}) == [
        "/srv/runs/last.pt", "given: /home/me/model"]


def test_the_shipped_default_names_no_machine_path():
    model = find_model(None)
    assert machine_paths(json.loads((model.path / "manifest.json").read_text())) == []
