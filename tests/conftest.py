"""Shared pytest fixtures.

`lite_model_dir`: one REAL model directory for the whole session — the lite architecture,
seeded and exported to ONNX by excolor.export (tests/support/node.py), network long side 64 so
every step is fast on 2 CPU cores. Tests that run the `excolor` command pass it as --model.

`plate`: the input of the `excolor colorize` command tests: four real frames (1001-1004) as an
8-bit PNG sequence, in/plate.####.png, and a colour reference, key.png.
"""
import pytest


@pytest.fixture(scope="session")
def lite_model_dir(tmp_path_factory):
    from tests.support.node import export_test_model

    return export_test_model(tmp_path_factory.mktemp("session_models") / "lite64")


@pytest.fixture()
def plate(tmp_path):
    """(INPUT pattern, reference path)."""
    from tests.support.batch import carphone_frames, write_reference, write_sequence

    frames = carphone_frames(count=4)
    pattern = write_sequence(tmp_path / "in" / "plate.####.png", frames, first=1001)
    reference = write_reference(tmp_path / "key.png", frames[0])
    return pattern, reference
