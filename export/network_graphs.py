"""One stage -> one ONNX graph (opset 17, dynamic H/W, input contract in the metadata)."""
import contextlib
import json

import onnx
import torch

from excolor.model.matching import matcher

OPSET = 17
# fp16 graphs are the fp32 export converted (export/precision.py), float32 at their inputs/outputs.
PRECISIONS = ("fp32", "fp16")
_ONNX_DTYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.FLOAT16: "float16",
                onnx.TensorProto.INT64: "int64"}


@contextlib.contextmanager
def export_mode(model):
    """Eval mode and no autograd for tracing; restores each module's training flag afterwards.

    Architectures with ONNX-unsafe layers can check `torch.onnx.is_in_onnx_export()`; the official
    and lite models are ONNX-safe as written (argmax/gather, row-gather padding).
    """
    flags = {module: module.training for module in model.modules()}
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        for module, flag in flags.items():
            module.train(flag)


@contextlib.contextmanager
def matching_mode(model, matching):
    """Trace with the matching version `matching` ('dense' or 'chunked', excolor.model.matching)
    in the correspondence stage, restoring the model's own afterwards. 'chunked' writes an ONNX
    Loop whose memory grows linearly with the frame's positions (not with their square), so
    large frames fit in memory; its results equal the dense ones to float rounding, which the
    export's parity check then measures."""
    chosen = matcher(matching)
    stage = model.correspondence
    if not hasattr(stage, "match"):
        raise ValueError(f"{type(stage).__name__} has no swappable `match`; export with matching='dense'")
    previous = stage.match
    stage.match = chosen
    try:
        yield model
    finally:
        stage.match = previous


def dynamic_axes_for(names, sample_tensors, axis_names):
    """{name: {2: height symbol, 3: width symbol}} for every 4-D tensor (batch fixed at 1).

    `axis_names` maps a tensor name to its (height, width) symbols, so that tensors of one size
    share symbols; a name it lacks gets "<name>_height", "<name>_width".
    """
    axes = {}
    for name, tensor in zip(names, sample_tensors):
        if tensor.dim() == 4:
            height, width = axis_names.get(name, (f"{name}_height", f"{name}_width"))
            axes[name] = {2: height, 3: width}
    return axes


def export_stage(stage, spec, sample_inputs, path, metadata, axis_names):
    """Trace `stage` on `sample_inputs` into `path` and stamp `metadata` (str -> str) into it.

    spec: StageSpec (input and output names in call order). Returns the written onnx.ModelProto's
    (inputs, outputs) as lists of dicts {name, dtype, shape} with symbolic dims as strings.
    """
    sample_outputs = stage(*sample_inputs)
    if torch.is_tensor(sample_outputs):
        sample_outputs = (sample_outputs,)
    axes = dynamic_axes_for(spec.inputs, sample_inputs, axis_names)
    axes.update(dynamic_axes_for(spec.outputs, sample_outputs, axis_names))
    torch.onnx.export(
        stage, tuple(sample_inputs), str(path), dynamo=False, opset_version=OPSET,
        input_names=list(spec.inputs), output_names=list(spec.outputs), dynamic_axes=axes,
        do_constant_folding=True,
    )
    graph = onnx.load(str(path))
    # Only the named axes are dynamic; a dim the tracer derived (batch, channels after a Resize)
    # would otherwise carry a made-up symbol, so write the sample's size there.
    samples = dict(zip(spec.inputs, sample_inputs))
    samples.update(zip(spec.outputs, sample_outputs))
    for value in list(graph.graph.input) + list(graph.graph.output):
        dynamic = axes.get(value.name, {})
        for index, dim in enumerate(value.type.tensor_type.shape.dim):
            if index not in dynamic and value.name in samples:
                dim.dim_value = int(samples[value.name].shape[index])
    del graph.metadata_props[:]
    for key, value in sorted(metadata.items()):
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value if isinstance(value, str) else json.dumps(value)
    onnx.save(graph, str(path))
    return [_describe(v) for v in graph.graph.input], [_describe(v) for v in graph.graph.output]


def _describe(value_info):
    tensor_type = value_info.type.tensor_type
    dims = [d.dim_param if d.dim_param else int(d.dim_value) for d in tensor_type.shape.dim]
    dtype = _ONNX_DTYPES.get(tensor_type.elem_type, str(tensor_type.elem_type))
    return {"name": value_info.name, "dtype": dtype, "shape": dims}
