"""Write a model directory (three ONNX graphs + manifest.json) for any ExemplarColorizer.

The directory is built in a temporary sibling folder and renamed into place at the end, so a
failed export leaves nothing half-made, and an existing directory is replaced only with force.
"""
import logging
import os
import shutil
import tempfile
from pathlib import Path

import onnx
import onnxruntime

from excolor import __version__
from excolor.errors import OutputError
from excolor.files import file_sha256
from excolor.engine.models import (COLOUR_CONVENTION, GRAPH_NAMES, GraphSpec, Manifest, TensorSpec,
                              load_model_dir, write_manifest)

from .network_graphs import OPSET, PRECISIONS, export_mode, export_stage, matching_mode
from .parity import measure_parity, parity_cases
from .precision import to_float16

FRAME_AXES = ("height", "width")
LOG = logging.getLogger("excolor.export")


def input_contract(model):
    """What a caller must feed the graphs, for the ONNX metadata (JSON-able dict)."""
    rule = model.size_rule
    return {
        "architecture": model.architecture,
        "layout": "NCHW float32, batch 1",
        "colour_space": COLOUR_CONVENTION["space"],
        "lab": "L centred (L - 50, range -50..50), ab raw (about -110..110)",
        "size_rule": {"multiple_h": rule.multiple_h, "multiple_w": rule.multiple_w,
                      "min_side": rule.min_side, "max_side": rule.max_side},
        "temperature": model.temperature,
        "opset": OPSET,
    }


def _axis_names(model):
    names = {"reference_lab": ("reference_height", "reference_width")}
    for tensor in ("frame_l", "warped_ab", "confidence", "previous_lab", "ab"):
        names[tensor] = FRAME_AXES
    names.update(getattr(model, "onnx_axis_names", {}))
    return names


def _write_graphs(model, folder, case, provenance, precision):
    """Export the three stages into `folder` at `precision`; returns {graph: GraphSpec}."""
    specs = model.stage_specs()
    stages = model.stages()
    reference = stages["reference"](case["reference_lab"])
    warped_ab, confidence = stages["correspondence"](case["frame_l"], *reference)
    samples = {
        "reference": (case["reference_lab"],),
        "correspondence": (case["frame_l"],) + tuple(reference),
        "colorization": (case["frame_l"], warped_ab, confidence, case["previous_lab"]),
    }
    contract = input_contract(model)
    graphs = {}
    for name in GRAPH_NAMES:
        file = f"{name}.onnx"
        metadata = {
            "excolor.graph": name,
            "excolor.input_contract": contract,
            "excolor.inputs": list(specs[name].inputs),
            "excolor.render.targets": list(specs[name].outputs),
            "excolor.checkpoint_sha256": provenance.get("checkpoint_sha256", "unknown"),
            "excolor.precision": precision,
        }
        LOG.info("exporting the %s graph", name)
        inputs, outputs = export_stage(stages[name], specs[name], samples[name], folder / file,
                                       metadata, _axis_names(model))
        if precision == "fp16":  # same float32 inputs/outputs, so the specs above still hold
            onnx.save(to_float16(onnx.load(str(folder / file))), str(folder / file))
        graphs[name] = GraphSpec(
            file, file_sha256(folder / file),
            tuple(TensorSpec(t["name"], t["dtype"], tuple(t["shape"])) for t in inputs),
            tuple(TensorSpec(t["name"], t["dtype"], tuple(t["shape"])) for t in outputs),
        )
    return graphs


def _sessions(folder):
    options = onnxruntime.SessionOptions()
    return {name: onnxruntime.InferenceSession(str(folder / f"{name}.onnx"), options,
                                               providers=["CPUExecutionProvider"])
            for name in GRAPH_NAMES}


def export_model_dir(model, model_dir, *, parity_images, provenance, force=False,
                     parity_long_side=None, matching="chunked", precision="fp32"):
    """Export `model` (an ExemplarColorizer) to `model_dir`; returns the loaded ModelDir.

    parity_images: two or more (H,W,3) sRGB images in [0,1] (real photographs); consecutive
    pairs serve as reference and frame, each sized by the model's size rule at its own aspect
    with long side `parity_long_side` (default: the rule's default). The first pair also drives
    the tracing. provenance: JSON-able dict stored in the manifest (its `checkpoint_sha256`, if
    any, is also stamped into each graph). Raises OutputError if `model_dir` exists and not force.
    matching: 'chunked' (default: bounded memory, an ONNX Loop over frame positions) or 'dense'
    (the whole similarity matrix at once), see excolor.model.matching; parity is measured
    against the model's own PyTorch matching either way.
    precision: 'fp32' or 'fp16' (weights and activations in float16, inputs and outputs still
    float32: see excolor.export.precision); parity is then fp16 ONNX against fp32 PyTorch.
    One precision per directory: an fp16 model is another directory.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    model_dir = Path(model_dir)
    if model_dir.exists() and not force:
        raise OutputError(f"{model_dir}: already exists; pass --force (force=True) to replace it")
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    long_side = parity_long_side or model.size_rule.default_long_side
    cases = parity_cases(model.size_rule, parity_images, long_side)
    staging = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.", dir=model_dir.parent))
    try:
        with export_mode(model):
            with matching_mode(model, matching):
                graphs = _write_graphs(model, staging, cases[0], provenance, precision)
            LOG.info("measuring ONNX Runtime against PyTorch on %d image pairs", len(cases))
            parity = measure_parity(model, _sessions(staging), cases)
        record = dict(provenance)
        record.setdefault("excolor_version", __version__)
        record["matching"] = matching
        record["parity_inputs"] = (f"{len(cases)} reference/frame pairs of real photographs, "
                                   f"long side {long_side}, stage by stage")
        manifest = Manifest(
            architecture=model.architecture, size_rule=model.size_rule,
            temperature=model.temperature, saturation=float(getattr(model, "saturation", 1.0)),
            opset=OPSET, precision=precision, graphs=graphs, parity=parity, provenance=record,
        )
        write_manifest(staging, manifest)
        load_model_dir(staging)  # what the node will do: refuse now rather than later
        replace_dir(staging, model_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return load_model_dir(model_dir)


def replace_dir(staging, model_dir):
    """Move `staging` to `model_dir`, replacing an existing one only after the new one is whole."""
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a model directory is for every user
    if not model_dir.exists():
        os.replace(staging, model_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.old.", dir=model_dir.parent))
    os.rmdir(old)
    os.replace(model_dir, old)
    os.replace(staging, model_dir)
    shutil.rmtree(old, ignore_errors=True)
