"""Adding a trained FusionNet to a model directory as its `fusion` graph.

The network's three graphs and their manifest entries are copied unchanged; the fusion graph
(excolor.engine.fusion_graph's contract) is traced with dynamic height and width, measured against
PyTorch on a recorded candidate clip, and listed in the manifest with its parity and its
training record under provenance["fusion"].
"""
import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime
import torch

from excolor.errors import OutputError
from excolor.files import file_sha256
from excolor.engine.fusion_graph import FUSION_GRAPH, FUSION_INPUTS, FUSION_OUTPUTS
from excolor.model.fusion.network import FusionNet, FusionNetConfig
from excolor.model.fusion.training import load_clip, run_clips
from excolor.model.interface import StageSpec
from excolor.engine.models import GraphSpec, TensorSpec, load_model_dir, write_manifest

from .network_graphs import export_stage
from .model_dir import replace_dir

AXES = ("height", "width")


def fusion_net_from_checkpoint(checkpoint):
    """A FusionNet in eval mode from a training checkpoint dict (excolor.model.fusion.training)."""
    net = FusionNet(FusionNetConfig(**checkpoint["config"]["net"]))
    net.load_state_dict(checkpoint["model"])
    return net.eval()


def _parity_inputs(net, clip):
    """The fusion inputs of a recorded clip's last frame (every candidate there), as the graph
    takes them."""
    captured = {}

    def capture(*inputs):
        captured.update(zip(FUSION_INPUTS, (x[:1].clone() for x in inputs)))
        return net(*inputs)

    with torch.no_grad():
        run_clips(capture, [clip])
    return captured


def add_fusion(base_dir, checkpoint, model_dir, *, parity_clip, training_record, force=False):
    """Write `model_dir`: `base_dir`'s model with the checkpoint's FusionNet as its fusion graph.

    parity_clip: a recorded clip (.npz) whose inputs measure ONNX Runtime against PyTorch;
    training_record: JSON-able facts of the training (budget, data, hardware) for provenance.
    Returns the loaded ModelDir.
    """
    base = load_model_dir(base_dir)
    model_dir = Path(model_dir)
    if model_dir.exists() and not force:
        raise OutputError(f"{model_dir}: already exists; pass --force to replace it")
    net = fusion_net_from_checkpoint(checkpoint)
    inputs = _parity_inputs(net, load_clip(parity_clip))
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.", dir=model_dir.parent))
    try:
        for name, spec in base.manifest.graphs.items():
            if name != FUSION_GRAPH:
                shutil.copyfile(base.graph_path(name), staging / spec.file)
        path = staging / f"{FUSION_GRAPH}.onnx"
        sample = [inputs[name] for name in FUSION_INPUTS]
        axis_names = {name: AXES for name in FUSION_INPUTS + FUSION_OUTPUTS if name != "present"}
        described = export_stage(net, StageSpec(FUSION_INPUTS, FUSION_OUTPUTS), sample, path,
                                 {"excolor_graph": FUSION_GRAPH}, axis_names)
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        produced = session.run(list(FUSION_OUTPUTS), {n: inputs[n].numpy() for n in FUSION_INPUTS})
        with torch.no_grad():
            expected = net(*sample)
        parity = {name: float(np.abs(got - want.numpy()).max())
                  for name, got, want in zip(FUSION_OUTPUTS, produced, expected)}
        spec = GraphSpec(path.name, file_sha256(path),
                         tuple(TensorSpec(t["name"], t["dtype"], tuple(t["shape"])) for t in described[0]),
                         tuple(TensorSpec(t["name"], t["dtype"], tuple(t["shape"])) for t in described[1]))
        manifest = base.manifest
        provenance = dict(manifest.provenance, fusion=json.loads(json.dumps(training_record)))
        manifest = dataclasses.replace(manifest, graphs={**manifest.graphs, FUSION_GRAPH: spec},
                                       parity={**manifest.parity, FUSION_GRAPH: parity}, provenance=provenance)
        write_manifest(staging, manifest)
        load_model_dir(staging)
        replace_dir(staging, model_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return load_model_dir(model_dir)
