"""An fp16 model directory: `excolor export --precision fp16` of the shipped default model's
checkpoint, run by the node on real footage beside the shipped fp32 directory.

ONNX Runtime's CPU provider runs float16 graphs too (it computes ops it has no float16 kernel
for in float32 between casts), so every value is still rounded to float16 between ops: the
error measured here is the storage error a GPU sees, not a GPU's arithmetic.
"""
import numpy as np
import onnx
import pytest
from excolor.engine.models import GRAPH_NAMES, find_model, load_model_dir
from excolor.engine.node import ColorizeNode, FusionSettings, Keyframe, Shot
from excolor.model.lite import DEFAULT_CHECKPOINT, load_checkpoint

from tests.support.node import carphone_frames
from tests.support.official import run_cli

FRAMES = 8


@pytest.fixture(scope="module")
def fp16_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fp16") / "default-fp16"
    result = run_cli("export", DEFAULT_CHECKPOINT, folder, "--precision", "fp16")
    assert result.returncode == 0, result.stderr
    assert "fp16" in result.stdout
    return load_model_dir(folder)


def test_the_shipped_checkpoint_is_the_shipped_model():
    model = load_checkpoint(DEFAULT_CHECKPOINT)
    shipped = find_model(None).manifest.provenance
    assert model.train_info["copied_from"]["checkpoint_sha256"] == shipped["checkpoint_sha256"]
    assert model.config.default_long_side == find_model(None).manifest.size_rule.default_long_side


def test_fp16_graphs_hold_float16_weights_behind_float32_inputs_and_outputs(fp16_dir):
    manifest = fp16_dir.manifest
    assert manifest.precision == "fp16"
    for name in GRAPH_NAMES:
        graph = onnx.load(str(fp16_dir.graph_path(name)))
        kinds = {i.data_type for i in graph.graph.initializer if len(i.dims) > 1}
        assert kinds == {onnx.TensorProto.FLOAT16}, name  # every weight tensor
        for value in list(graph.graph.input) + list(graph.graph.output):
            assert value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT, (name, value.name)
        assert {p.key: p.value for p in graph.metadata_props}["excolor.precision"] == "fp16"
        spec = manifest.graphs[name]
        assert all(t.dtype == "float32" for t in spec.inputs + spec.outputs)
    # fp16 against PyTorch fp32 on the export's photographs, in ab units (range about +-110).
    assert 0 < manifest.parity["correspondence"]["warped_ab"] < 1.0
    assert manifest.parity["colorization"]["ab"] < 1.0
    assert manifest.parity["correspondence"]["confidence"] < 1e-2


def test_fp16_model_renders_real_footage_like_the_fp32_model(fp16_dir):
    frames = carphone_frames(FRAMES)
    outputs = {}
    with pytest.warns(UserWarning, match="fp16 model on the CPU"):
        ColorizeNode(fp16_dir.path, device="cpu")
    for label, model in (("fp32", None), ("fp16", fp16_dir.path)):
        # A never-pinned reference, so that every frame shows the network's output, and one fusion
        # rule for both (an exported fp16 directory has no learned fusion graph).
        node = ColorizeNode(model, device="cpu", fusion=FusionSettings(rule="hand-set"))
        node.source = lambda n: frames[n]
        node.shots = [Shot(0, FRAMES - 1, [Keyframe(frames[0], "none")])]
        outputs[label] = np.stack([node.render(n) for n in range(FRAMES)])
    difference = np.abs(outputs["fp16"] - outputs["fp32"])
    assert np.isfinite(outputs["fp16"]).all()
    # Measured 2026-11-25 (ORT CPU): max 5.7e-4, mean 1.2e-5 (sRGB 0..1), under 1/6 of an 8-bit step.
    assert difference.max() < 2 / 255 and difference.mean() < 2e-4, (difference.max(), difference.mean())


@pytest.mark.slow
def test_official_graphs_convert_to_fp16_and_stay_close_on_the_fixture(tmp_path_factory):
    # The official architecture's graphs (stand-in weights, softmax matching in an ONNX Loop)
    # through the same conversion as `import-official --precision fp16`, on the fixture's inputs.
    import onnxruntime
    from excolor.export.precision import to_float16

    from tests.support.official import expected, frame_l, imported_model_dir, previous_lab

    model_dir = load_model_dir(imported_model_dir(tmp_path_factory))
    data = expected()
    sessions = {}
    for precision in ("fp32", "fp16"):
        for name in GRAPH_NAMES:
            graph = onnx.load(str(model_dir.graph_path(name)))
            if precision == "fp16":
                graph = to_float16(graph)
            sessions[precision, name] = onnxruntime.InferenceSession(
                graph.SerializeToString(), providers=["CPUExecutionProvider"])
    size = "64x128"
    outputs = {}
    for precision in ("fp32", "fp16"):
        reference = sessions[precision, "reference"]
        names = [o.name for o in reference.get_outputs()]
        code = dict(zip(names, reference.run(None, {"reference_lab": data[f"{size}_reference_lab"]})))
        outputs[precision] = sessions[precision, "correspondence"].run(
            None, dict(code, frame_l=frame_l(data, size, "t1")))
    # Each graph fed the same float32 inputs, as the export's parity check does: the stand-in
    # network amplifies rounding (its fp32 ONNX-vs-PyTorch ab error is ~0.01 mean already), so
    # compounding two graphs' fp16 errors would measure the weights, not the conversion.
    warped, confidence = outputs["fp32"]
    feeds = {"frame_l": frame_l(data, size, "t1"), "warped_ab": warped, "confidence": confidence,
             "previous_lab": previous_lab(data, size, "t1")}
    for precision in ("fp32", "fp16"):
        outputs[precision] = tuple(outputs[precision]) + tuple(
            sessions[precision, "colorization"].run(None, feeds))
    for fp16 in outputs["fp16"]:
        assert fp16.dtype == np.float32 and np.isfinite(fp16).all()
    errors = [np.abs(a - b) for a, b in zip(outputs["fp16"], outputs["fp32"])]
    # Measured 2026-11-25 (ORT CPU): warped ab mean 0.09, confidence max 1.1e-3, ab mean ~1.
    assert errors[0].mean() < 0.5
    assert errors[1].max() < 5e-3
    assert errors[2].mean() < 2.5, errors[2].mean()
