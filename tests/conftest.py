"""Shared pytest fixtures.

`lite_model_dir`: one REAL model directory for the whole session — the lite architecture,
seeded and exported to ONNX by excolor.export (tests/support/node.py), network long side 64 so
every step is fast on 2 CPU cores. Tests that run the `excolor` command pass it as --model.
"""
import pytest


@pytest.fixture(scope="session")
def lite_model_dir(tmp_path_factory):
    from tests.support.node import export_test_model

    return export_test_model(tmp_path_factory.mktemp("session_models") / "lite64")
