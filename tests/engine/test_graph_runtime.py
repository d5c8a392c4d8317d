"""The node's ONNX Runtime layer: IO binding path, the provider log line, graph-vs-manifest checks."""
import json
import logging
import shutil

import numpy as np
import pytest
from excolor.colour.resample import resize_hwc
from excolor.engine.graph_runtime import GraphRuntime
from excolor.engine.models import Manifest, load_model_dir, write_manifest
from excolor.engine.references import centred_lab
from excolor.errors import ModelError
from excolor.ort.providers import choose_device

from tests.support.node import carphone_frames, colour_photo


def test_device_choice():
    """On this machine's CPU-only onnxruntime; the CUDA cases are tests/ort/test_providers.py."""
    import onnxruntime

    assert choose_device("auto", onnxruntime) == "cpu"
    assert choose_device("cpu", onnxruntime) == "cpu"
    with pytest.raises(ValueError, match="device must be one of"):
        choose_device("tpu", onnxruntime)


def test_io_binding_path_gives_the_plain_path_results(model_dir):
    """The path CUDA takes (OrtValues, IO binding, on-device concat), exercised on the CPU."""
    plain = GraphRuntime(load_model_dir(model_dir), "cpu", io_binding=False)
    bound = GraphRuntime(load_model_dir(model_dir), "cpu", io_binding=True)
    reference = centred_lab(resize_hwc(colour_photo("coffee"), 48, 64))
    frames = [centred_lab(resize_hwc(f, 56, 64))[:, :1] for f in carphone_frames(3)]
    codes = plain.encode_reference(reference), bound.encode_reference(reference)
    previous = [np.zeros((1, 3, 56, 64), np.float32), bound.to_device(np.zeros((1, 3, 56, 64)))]
    for frame_l in frames:
        ab_p, conf_p, previous[0] = plain.step(frame_l, codes[0], previous[0])
        ab_b, conf_b, previous[1] = bound.step(frame_l, codes[1], previous[1])
        assert not isinstance(previous[1], np.ndarray)  # the state stays an OrtValue
        np.testing.assert_allclose(ab_b, ab_p, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(conf_b, conf_p, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(previous[1].numpy(), previous[0], rtol=1e-5, atol=1e-4)
    assert ab_p.shape == (1, 2, 56, 64) and conf_p.shape == (1, 1, 56, 64)


def test_one_log_line_names_the_provider(model_dir, caplog):
    with caplog.at_level(logging.INFO, logger="excolor"):
        GraphRuntime(load_model_dir(model_dir), "cpu")
    lines = [r.getMessage() for r in caplog.records if "ONNX Runtime on" in r.getMessage()]
    assert len(lines) == 1 and "CPU" in lines[0] and "CPUExecutionProvider" in lines[0]


def test_graph_that_differs_from_its_manifest_is_refused(model_dir, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(model_dir, changed)
    data = json.loads((changed / "manifest.json").read_text())
    data["graphs"]["colorization"]["inputs"][3]["dtype"] = "float16"
    write_manifest(changed, Manifest.from_json(data))
    with pytest.raises(ModelError, match="previous_lab' is tensor\\(float\\) rank 4, the manifest says float16"):
        GraphRuntime(load_model_dir(changed), "cpu")
