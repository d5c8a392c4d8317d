"""Small ONNX graphs built at run time, and the one way the node runs an ONNX Runtime session.

Three parts of the node build graphs with onnx.helper: the guided chroma upsampler
(`excolor.upsample`), the full-resolution colour graphs (`excolor.colour_graphs`) and the one-node
Concat that keeps the previous-frame Lab on the GPU (`excolor.runtime`). They share
`GraphBuilder`, `onnx_model` and `graph_session` here. `run_session` runs a session either on
numpy feeds or through IO binding, where values stay on the device between graphs.

onnx takes most of a second to import and is needed only while a graph is built, so it is
imported there; onnxruntime is imported where a session is made, as in `excolor.runtime`.
"""
from __future__ import annotations

import numpy as np

# Opset 17 with its IR version 8: readable by every onnxruntime >= 1.14.
OPSET = 17
IR_VERSION = 8


class GraphBuilder:
    """Nodes and constants of a graph being built, their names under one prefix (so that graphs
    built apart can be joined into one)."""

    def __init__(self, prefix=""):
        # Deferred: see the module doc.
        from onnx import TensorProto, helper, numpy_helper

        self._helper, self._numpy_helper, self._float = helper, numpy_helper, TensorProto.FLOAT
        self.prefix = prefix
        self.nodes = []
        self.constants = []

    def const(self, value, dtype=np.float32):
        """An initializer holding `value`; returns its name."""
        name = f"{self.prefix}const_{len(self.constants)}"
        self.constants.append(self._numpy_helper.from_array(np.array(value, dtype=dtype), name))
        return name

    def constant_node(self, name, value, dtype):
        """A Constant node in the graph whose output `name` holds `value`; returns `name`."""
        tensor = self._numpy_helper.from_array(np.array(value, dtype=dtype), name)
        self.nodes.append(self._helper.make_node("Constant", [], [name], name=f"{self.prefix}const_{name}",
                                                 value=tensor))
        return name

    def op(self, op_type, *inputs, outputs=1, **attrs):
        """Append a node. outputs: how many (named after the node) or their names. Returns the
        output's name, or the list of names when there are several."""
        index = len(self.nodes)
        if isinstance(outputs, int):
            names = [f"{self.prefix}{op_type.lower()}_{index}_{i}" for i in range(outputs)]
        else:
            names = list(outputs)
        self.nodes.append(self._helper.make_node(op_type, list(inputs), names,
                                                 name=f"{self.prefix}{op_type}_{index}", **attrs))
        return names[0] if len(names) == 1 else names

    def output(self, name, value):
        """Expose `value` as the graph output `name` (an Identity node)."""
        self.nodes.append(self._helper.make_node("Identity", [value], [name],
                                                 name=f"{self.prefix}out_{name}"))

    def tensor(self, name, shape):
        """A float32 graph input or output; symbolic dims are strings."""
        return self._helper.make_tensor_value_info(name, self._float, shape)

    def graph(self, name, inputs, outputs):
        """The GraphProto of everything built so far."""
        return self._helper.make_graph(self.nodes, name, inputs, outputs, initializer=self.constants)


def onnx_model(graph):
    """A ModelProto around a GraphProto at OPSET and IR_VERSION."""
    from onnx import helper  # deferred: see the module doc

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="excolor")
    model.ir_version = IR_VERSION
    return model


def graph_session(model, providers, session_options=None, check=False):
    """An ONNX Runtime session of a built ModelProto (`check`: run onnx's full checker first)."""
    import onnxruntime as ort  # deferred: see the module doc

    if check:
        import onnx  # deferred: see the module doc

        onnx.checker.check_model(model, full_check=True)
    return ort.InferenceSession(model.SerializeToString(), sess_options=session_options,
                                providers=list(providers))


def run_session(session, feeds, outputs, device=None, keep=()):
    """Run a session; returns its `outputs` in order.

    device None: a plain run on numpy feeds, numpy results. Otherwise through IO binding on
    `device`: OrtValue feeds are bound where they are, numpy feeds copied in; outputs named in
    `keep` stay on the device as OrtValues, the others come back as numpy.
    """
    if device is None:
        return session.run(list(outputs), feeds)
    binding = session.io_binding()
    for name, value in feeds.items():
        if isinstance(value, np.ndarray):
            binding.bind_cpu_input(name, np.ascontiguousarray(value))
        else:
            binding.bind_ortvalue_input(name, value)
    for name in outputs:
        binding.bind_output(name, device if name in keep else "cpu")
    session.run_with_iobinding(binding)
    values = binding.get_outputs()
    return [value if name in keep else value.numpy() for name, value in zip(outputs, values)]
