"""`excolor import-official` writes a model directory whose graphs, on ONNX Runtime CPU,
reproduce the authors' code on the compat fixture (stage by stage, both sizes), and whose
manifest describes them fully. One import per test session (official_support)."""
import json
import os

import numpy as np
import onnx
import onnxruntime
import pytest
from excolor.engine.models import GRAPH_NAMES, load_model_dir
from excolor.errors import ModelError
from excolor.files import file_sha256

from tests.support.official import (
    AB_TOL,
    CONFIDENCE_TOL,
    SIZES,
    WARPED_AB_TOL,
    assert_argmax_close,
    assert_close,
    expected,
    frame_l,
    imported_model_dir,
    previous_lab,
    run_cli,
    stand_in_weights,
)

pytestmark = pytest.mark.slow
STEPS = ("t1", "t2")


@pytest.fixture(scope="module")
def data():
    return expected()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return load_model_dir(imported_model_dir(tmp_path_factory))


def session(path):
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def sessions(model_dir):
    return {name: session(model_dir.graph_path(name)) for name in GRAPH_NAMES}


@pytest.fixture(scope="module")
def encoded(sessions, data):
    """Per size, the reference graph's outputs by name."""
    graph = sessions["reference"]
    names = [o.name for o in graph.get_outputs()]
    return {size: dict(zip(names, graph.run(None, {"reference_lab": data[f"{size}_reference_lab"]})))
            for size in SIZES}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("step", STEPS)
def test_onnx_correspondence(sessions, encoded, data, size, step):
    warped_ab, confidence = sessions["correspondence"].run(
        ["warped_ab", "confidence"], dict(encoded[size], frame_l=frame_l(data, size, step)))
    assert warped_ab.shape == (1, 2) + data[f"{size}_frame1_lab"].shape[2:]
    assert_close(warped_ab, data[f"{size}_{step}_warped_lab"][:, 1:], WARPED_AB_TOL,
                 f"ONNX {size} {step} warped ab")
    assert_close(confidence, data[f"{size}_{step}_confidence"], CONFIDENCE_TOL,
                 f"ONNX {size} {step} confidence")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("step", STEPS)
def test_onnx_colorization(sessions, data, size, step):
    feeds = {"frame_l": frame_l(data, size, step),
             "warped_ab": np.ascontiguousarray(data[f"{size}_{step}_warped_lab"][:, 1:]),
             "confidence": data[f"{size}_{step}_confidence"],
             "previous_lab": previous_lab(data, size, step)}
    (ab,) = sessions["colorization"].run(["ab"], feeds)
    assert_close(ab, data[f"{size}_{step}_ab"], AB_TOL, f"ONNX {size} {step} ab")


@pytest.fixture(scope="module")
def argmax_graph(tmp_path_factory, data):
    """The correspondence stage at the default temperature (argmax), exported on its own."""
    import torch
    from excolor.export.network_graphs import export_mode, export_stage
    from excolor.model.official.checkpoint import load_official

    model, record = load_official(stand_in_weights(tmp_path_factory))
    assert model.temperature is None
    path = tmp_path_factory.mktemp("argmax") / "correspondence.onnx"
    spec = model.stage_specs()["correspondence"]
    with export_mode(model):
        reference = model.reference_encoder(torch.from_numpy(data["64x128_reference_lab"]))
        sample = (torch.from_numpy(frame_l(data, "64x128", "t1")),) + tuple(reference)
        export_stage(model.correspondence, spec, sample, path,
                     {"excolor.checkpoint_sha256": record["checkpoint_sha256"]},
                     model.onnx_axis_names)
    return session(path)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("step", STEPS)
def test_onnx_argmax_matches_the_authors_inference(argmax_graph, encoded, data, size, step):
    (warped_ab,) = argmax_graph.run(["warped_ab"], dict(encoded[size], frame_l=frame_l(data, size, step)))
    assert_argmax_close(warped_ab, data[f"{size}_{step}_warped_lab_argmax"][:, 1:],
                        f"ONNX {size} {step} argmax warped ab")


def test_onnx_reference_of_another_size(sessions, encoded, data):
    warped_ab, confidence = sessions["correspondence"].run(
        None, dict(encoded["64x128"], frame_l=frame_l(data, "216x384", "t1")))
    assert warped_ab.shape == (1, 2, 216, 384) and confidence.shape == (1, 1, 216, 384)
    assert np.isfinite(warped_ab).all() and (np.abs(confidence) <= 1.0 + 1e-5).all()


def test_manifest_describes_the_graphs(model_dir, tmp_path_factory):
    manifest = model_dir.manifest
    assert manifest.architecture == "official" and manifest.temperature == 0.01
    assert manifest.opset == 17 and manifest.precision == "fp32" and manifest.saturation == 1.25
    rule = manifest.size_rule
    assert (rule.multiple_h, rule.multiple_w, rule.min_side) == (8, 16, 32)
    reference = manifest.graphs["reference"]
    assert reference.input_names() == ("reference_lab",)
    assert reference.output_names() == ("reference_features", "reference_ab")
    correspondence = manifest.graphs["correspondence"]
    assert correspondence.input_names() == ("frame_l", "reference_features", "reference_ab")
    shapes = {t.name: t.shape for t in correspondence.inputs + correspondence.outputs}
    assert shapes["frame_l"] == (1, 1, "height", "width")
    assert shapes["warped_ab"] == (1, 2, "height", "width")
    assert shapes["reference_features"] == (1, 256, "reference_height/4", "reference_width/4")
    for name, graph in manifest.graphs.items():
        assert graph.sha256 == file_sha256(model_dir.path / graph.file)
        assert all(t.dtype == "float32" for t in graph.inputs + graph.outputs)
    # Parity was measured on photographs for every output, and is small.
    assert set(manifest.parity) == set(GRAPH_NAMES)
    assert set(manifest.parity["correspondence"]) == {"warped_ab", "confidence"}
    assert manifest.parity["correspondence"]["confidence"] < 1e-4
    assert manifest.parity["colorization"]["ab"] < 1.0
    provenance = manifest.provenance
    assert set(provenance["files"]) == {"vgg19_conv", "nonlocal_net", "colornet"}
    weights = stand_in_weights(tmp_path_factory)
    # Each file by its path inside the imported folder, and its hash: no path of this machine.
    assert provenance["imported_from"] == weights.name
    for stem, entry in provenance["files"].items():
        assert entry["path"] == f"{stem}.pth" and entry["sha256"] == file_sha256(weights / entry["path"])
    graph = onnx.load(str(model_dir.graph_path("correspondence")), load_external_data=False)
    meta = {p.key: p.value for p in graph.metadata_props}
    assert meta["excolor.checkpoint_sha256"] == provenance["checkpoint_sha256"]
    contract = json.loads(meta["excolor.input_contract"])
    assert contract["architecture"] == "official" and contract["opset"] == 17
    assert {o.domain or "ai.onnx": o.version for o in graph.opset_import}["ai.onnx"] == 17


def test_load_refuses_a_graph_that_does_not_match_its_hash(model_dir, tmp_path):
    # Links to the real graphs, one manifest hash changed: the loader must name the graph.
    for name in GRAPH_NAMES:
        os.symlink(model_dir.graph_path(name), tmp_path / f"{name}.onnx")
    manifest = json.loads((model_dir.path / "manifest.json").read_text())
    manifest["graphs"]["colorization"]["sha256"] = "0" * 64
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="colorization.onnx: sha256"):
        load_model_dir(tmp_path)


def test_info_describes_the_model_in_words(model_dir):
    result = run_cli("info", model_dir.path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "architecture official" in text
    assert "height a multiple of 8, width a multiple of 16" in text
    assert "softmax, temperature 0.01" in text
    for name in GRAPH_NAMES:
        assert f"{name}.onnx" in text
    assert "colorization.ab" in text and "checkpoint_sha256" in text
    assert " MB " in text
