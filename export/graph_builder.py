"""Building ONNX graphs with onnx.helper: `GraphBuilder` (nodes and constants under one name
prefix) and `onnx_model` (a ModelProto at the opset every shipped graph uses). For development:
the runtime loads the graphs as files and needs no `onnx` package."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

# Opset 17 with its IR version 8: readable by every onnxruntime >= 1.14.
OPSET = 17
IR_VERSION = 8


class GraphBuilder:
    """Nodes and constants of a graph being built, their names under one prefix (so that graphs
    built apart can be joined into one)."""

    def __init__(self, prefix=""):
        self.prefix = prefix
        self.nodes = []
        self.constants = []

    def const(self, value, dtype=np.float32, name=None):
        """An initializer holding `value` (named `name`, else numbered); returns its name."""
        name = name or f"{self.prefix}const_{len(self.constants)}"
        self.constants.append(numpy_helper.from_array(np.array(value, dtype=dtype), name))
        return name

    def constant_node(self, name, value, dtype):
        """A Constant node in the graph whose output `name` holds `value`; returns `name`."""
        tensor = numpy_helper.from_array(np.array(value, dtype=dtype), name)
        self.nodes.append(helper.make_node("Constant", [], [name], name=f"{self.prefix}const_{name}",
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
        self.nodes.append(helper.make_node(op_type, list(inputs), names,
                                           name=f"{self.prefix}{op_type}_{index}", **attrs))
        return names[0] if len(names) == 1 else names

    def output(self, name, value):
        """Expose `value` as the graph output `name` (an Identity node)."""
        self.nodes.append(helper.make_node("Identity", [value], [name], name=f"{self.prefix}out_{name}"))

    def tensor(self, name, shape):
        """A float32 graph input or output; symbolic dims are strings."""
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)

    def graph(self, name, inputs, outputs):
        """The GraphProto of everything built so far."""
        return helper.make_graph(self.nodes, name, inputs, outputs, initializer=self.constants)


def onnx_model(graph):
    """A ModelProto around a GraphProto at OPSET and IR_VERSION."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="excolor")
    model.ir_version = IR_VERSION
    return model
