"""fp32 ONNX graph -> fp16 graph with the same float32 inputs and outputs.

The conversion itself is onnxconverter-common's `float16.convert_float_to_float16` (weights and
activations to float16, its default block list of ops kept in float32 behind Casts). Two gaps of
that converter (1.16) matter for our graphs and are repaired here:

- the chunked matching's ONNX Loop collects chunks in tensor sequences; the converter turns the
  tensors inside the Loop body to float16 but leaves `SequenceEmpty(dtype=float)` and the
  sequence types of the body's inputs/outputs as float, which ONNX Runtime then refuses to load;
- `keep_io_types=True` casts only inputs and outputs that a converted node touches; an output
  produced by a Cast around a blocked op (e.g. Resize) comes out float16, which would change the
  node's contract, so a final Cast back to float32 is added there.

The node's contract is unchanged: a precision 'fp16' model directory takes and returns float32.
"""
import warnings

import onnx
from onnx import TensorProto, helper


def to_float16(model):
    """onnx.ModelProto (float32) -> a new float16 ModelProto whose graph inputs/outputs keep the
    original dtypes. Raises ImportError naming the missing package if onnxconverter-common is
    not installed."""
    try:  # onnxconverter-common is optional (the train extra), needed by fp16 exports only
        from onnxconverter_common import float16
    except ImportError as error:
        raise ImportError("an fp16 export needs onnxconverter-common "
                          "(pip install 'excolor[train]')") from error
    original_outputs = _io_types(model.graph.output)
    with warnings.catch_warnings():
        # It warns for each constant it raises to fp16's smallest normal-ish value (1e-7), i.e.
        # the graphs' 1e-12 normalization epsilons: expected, and one line per graph is noise.
        warnings.filterwarnings("ignore", message="the float32 number", category=UserWarning)
        converted = float16.convert_float_to_float16(model, keep_io_types=True)
    _float16_sequences(converted.graph)
    _float32_outputs(converted.graph, original_outputs)
    onnx.checker.check_model(converted)
    for kind in ("input", "output"):
        before, after = (_io_types(getattr(m.graph, kind)) for m in (model, converted))
        if before != after:  # a converter change we do not know about: refuse, never guess
            raise RuntimeError(f"fp16 conversion changed the graph's {kind} types: {before} -> {after}")
    return converted


def _io_types(values):
    return {v.name: v.type.tensor_type.elem_type for v in values}


def _float16_sequences(graph):
    """Make every float tensor sequence (and SequenceEmpty) float16, in subgraphs too."""
    for node in graph.node:
        for attribute in node.attribute:
            if node.op_type == "SequenceEmpty" and attribute.name == "dtype" \
                    and attribute.i == TensorProto.FLOAT:
                attribute.i = TensorProto.FLOAT16
            if attribute.type == onnx.AttributeProto.GRAPH:
                _float16_sequences(attribute.g)
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        if value.type.WhichOneof("value") == "sequence_type":
            element = value.type.sequence_type.elem_type.tensor_type
            if element.elem_type == TensorProto.FLOAT:
                element.elem_type = TensorProto.FLOAT16


def _float32_outputs(graph, original_outputs):
    """Cast back to float32 each graph output the converter left float16."""
    for output in graph.output:
        tensor = output.type.tensor_type
        if not (tensor.elem_type == TensorProto.FLOAT16
                and original_outputs.get(output.name) == TensorProto.FLOAT):
            continue
        inner = f"{output.name}_float16"
        for node in graph.node:
            node.output[:] = [inner if name == output.name else name for name in node.output]
            node.input[:] = [inner if name == output.name else name for name in node.input]
        graph.node.append(helper.make_node("Cast", [inner], [output.name], to=TensorProto.FLOAT,
                                           name=f"{output.name}_to_float32"))
        tensor.elem_type = TensorProto.FLOAT
