"""`excolor export` turns a lite checkpoint into a model directory that ONNX Runtime runs like
PyTorch; `excolor info` describes it; bad input and existing outputs are refused."""
import json

import numpy as np
import onnxruntime
import pytest
import torch
from excolor.engine.models import GRAPH_NAMES, load_model_dir
from excolor.export.parity import image_to_lab
from excolor.files import file_sha256
from excolor.model.lite import LiteColorizer, LiteConfig, save_checkpoint
from skimage import data, transform

from tests.support.official import run_cli

LONG_SIDE = 64
MODEL_ERROR = 4
OUTPUT_ERROR = 5


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(1)
    model = LiteColorizer(LiteConfig(default_long_side=LONG_SIDE)).eval()
    path = tmp_path_factory.mktemp("lite") / "lite.pt"
    save_checkpoint(model, path, steps=0, note="random initialisation, for export tests")
    return path


@pytest.fixture(scope="module")
def exported(checkpoint, tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("lite_export") / "lite64"
    result = run_cli("export", checkpoint, model_dir, "--parity-long-side", LONG_SIDE)
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
    return load_model_dir(model_dir)


def test_manifest_of_an_exported_lite_model(exported, checkpoint):
    manifest = exported.manifest
    assert manifest.architecture == "lite" and manifest.opset == 17
    assert manifest.temperature == pytest.approx(0.01)
    assert manifest.size_rule.default_long_side == LONG_SIDE
    assert set(manifest.parity) == set(GRAPH_NAMES)
    assert manifest.parity["colorization"]["ab"] < 1e-2
    assert manifest.provenance["training"]["note"].startswith("random initialisation")
    assert manifest.provenance["checkpoint"] == checkpoint.name  # a name: a path is one machine's
    assert manifest.provenance["checkpoint_sha256"] == file_sha256(checkpoint)


def test_graphs_reproduce_pytorch_on_a_photo_they_were_not_checked_on(exported, checkpoint):
    from excolor.model.lite import load_checkpoint

    model = load_checkpoint(checkpoint)
    rule = exported.manifest.size_rule
    rocket = transform.resize(data.rocket(), (96, 64)).astype(np.float32)
    camera = np.repeat(data.camera()[..., None], 3, axis=2).astype(np.float32) / 255.0
    reference = image_to_lab(rocket, rule.fit(96, 64))
    frame = image_to_lab(camera, rule.fit(*camera.shape[:2]))
    sessions = {name: onnxruntime.InferenceSession(str(exported.graph_path(name)),
                                                   providers=["CPUExecutionProvider"])
                for name in GRAPH_NAMES}
    with torch.no_grad():
        encoded = model.reference_encoder(reference)
        names = [o.name for o in sessions["reference"].get_outputs()]
        onnx_encoded = dict(zip(names, sessions["reference"].run(None, {"reference_lab": reference.numpy()})))
        for name, tensor in zip(names, encoded):
            assert np.abs(onnx_encoded[name] - tensor.numpy()).max() < 1e-4, name
        frame_l = frame[:, :1].contiguous()
        warped_ab, confidence = model.correspondence(frame_l, *encoded)
        feeds = dict(onnx_encoded, frame_l=frame_l.numpy())
        wanted = {i.name for i in sessions["correspondence"].get_inputs()}
        onnx_warped, onnx_confidence = sessions["correspondence"].run(
            ["warped_ab", "confidence"], {k: v for k, v in feeds.items() if k in wanted})
        assert np.abs(onnx_warped - warped_ab.numpy()).max() < 1e-2
        assert np.abs(onnx_confidence - confidence.numpy()).max() < 1e-4
        previous = torch.zeros_like(frame)
        ab = model.colorization(frame_l, warped_ab, confidence, previous)
        (onnx_ab,) = sessions["colorization"].run(["ab"], {
            "frame_l": frame_l.numpy(), "warped_ab": warped_ab.numpy(),
            "confidence": confidence.numpy(), "previous_lab": previous.numpy()})
        assert np.abs(onnx_ab - ab.numpy()).max() < 1e-2


def test_info_on_the_exported_model(exported):
    result = run_cli("info", exported.path)
    assert result.returncode == 0, result.stderr
    assert "architecture lite" in result.stdout and "parity" in result.stdout


def test_existing_dir_is_kept_without_force_and_replaced_with_it(checkpoint, tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    result = run_cli("export", checkpoint, target, "--parity-long-side", LONG_SIDE)
    assert result.returncode == OUTPUT_ERROR and "--force" in result.stderr
    assert (target / "keep.txt").read_text() == "mine"
    result = run_cli("export", checkpoint, target, "--parity-long-side", LONG_SIDE, "--force")
    assert result.returncode == 0, result.stderr
    assert not (target / "keep.txt").exists()
    assert json.loads((target / "manifest.json").read_text())["architecture"] == "lite"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no staging folder left behind


def test_truncated_checkpoint_is_named(checkpoint, tmp_path):
    bad = tmp_path / "cut.pt"
    bad.write_bytes(checkpoint.read_bytes()[:1000])
    result = run_cli("export", bad, tmp_path / "model")
    assert result.returncode == MODEL_ERROR and str(bad) in result.stderr, result.stderr
    assert not (tmp_path / "model").exists()
