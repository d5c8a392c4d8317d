"""The node's small helper graphs, loaded from the files shipped in `excolor/graphs`, and the one
way the node runs an ONNX Runtime session.

Three parts of the node run helper graphs beside the network: the guided chroma upsampler
(`excolor.colour.upsample`), the full-resolution colour graphs (`excolor.colour.work_graphs`) and the one-node
Concat that keeps the previous-frame Lab on the GPU (`excolor.engine.graph_runtime`). The graphs are defined
in `excolor.export.helper_graphs` and written as files at development time, so running excolor
needs no `onnx` package. `run_session` runs a session either on numpy feeds or through IO
binding, where values stay on the device between graphs. `onnxruntime_build` says which ONNX
Runtime distribution is installed (`excolor info`).

onnxruntime is imported where a session is made (`import_onnxruntime`), as in
`excolor.engine.graph_runtime`: importing excolor stays fast for hosts such as Blender.
"""
from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy as np

from ..errors import ModelError, ProviderUnavailableError

GRAPHS_DIR = Path(__file__).resolve().parent / "graph_files"
# The shipped upsampler radii (a pooling window is fixed in a graph): 1..MAX_RADIUS.
MAX_RADIUS = 8
UPSAMPLED_AB = "ab_full"  # the upsampler's output
# The luma weights (3, 1) and their sum () in the finish and recombine graphs, initializers that
# the converter's own replace.
LUMA_WEIGHTS = "luma_weights"
LUMA_WEIGHT_SUM = "luma_weight_sum"
# The distributions that install the `onnxruntime` module (one at a time: they overwrite each other).
ONNXRUNTIME_DISTRIBUTIONS = ("onnxruntime", "onnxruntime-gpu", "onnxruntime-directml", "onnxruntime-openvino")
INSTALL_HINT = "pip install 'excolor[cpu]' (or 'excolor[gpu]' for CUDA)"


def upsampler_graph_name(radius):
    return f"upsampler_r{radius}"


def finish_graph_name(display_referred, radius):
    return f"finish_r{radius}_{'display_referred' if display_referred else 'unbounded'}"


def recombine_graph_name(display_referred):
    return f"recombine_{'display_referred' if display_referred else 'unbounded'}"


def import_onnxruntime():
    """The onnxruntime module, or ProviderUnavailableError saying how to install one."""
    try:
        import onnxruntime  # deferred: see the module doc
    except ImportError as error:
        raise ProviderUnavailableError(f"no ONNX Runtime is installed ({error}): {INSTALL_HINT}") from error
    return onnxruntime


def onnxruntime_build():
    """{'distributions': [(name, version)] that installed the module, 'providers': [...]} or,
    when none is installed, {'distributions': [], 'providers': []}."""
    found = []
    for name in ONNXRUNTIME_DISTRIBUTIONS:
        try:
            found.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            continue
    try:
        providers = list(import_onnxruntime().get_available_providers())
    except ProviderUnavailableError:
        providers = []
    return {"distributions": found, "providers": providers}


def onnxruntime_summary(build=None):
    """`onnxruntime_build()` in words, for one line of `excolor info`."""
    build = build or onnxruntime_build()
    if not build["distributions"]:
        return f"no ONNX Runtime installed: {INSTALL_HINT}"
    names = " + ".join(f"{name} {version}" for name, version in build["distributions"])
    if len(build["distributions"]) > 1:
        names += " (they share the onnxruntime module: the last installed won; uninstall all, reinstall one)"
    return f"{names}; providers {', '.join(build['providers']) or 'none'}"


def graph_session(name, providers, session_options=None):
    """An ONNX Runtime session of the shipped graph `name` (e.g. 'lightness')."""
    ort = import_onnxruntime()
    path = GRAPHS_DIR / f"{name}.onnx"
    if not path.is_file():
        raise ModelError(f"{path}: excolor's helper graph is missing; reinstall excolor")
    return ort.InferenceSession(str(path), sess_options=session_options, providers=list(providers))


class SessionsByRadius:
    """Sessions of a shipped graph per box radius (`name(radius)` -> graph name), each made on
    first use and kept."""

    def __init__(self, name, providers, session_options=None):
        self._name = name
        self._providers = list(providers)
        self._options = session_options
        self._sessions = {}

    def get(self, radius):
        if radius not in self._sessions:
            self._sessions[radius] = graph_session(self._name(radius), self._providers, self._options)
        return self._sessions[radius]


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
