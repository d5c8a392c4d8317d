"""How a node runs, apart from what it computes: `NodeTuning`, and the colour work and motion
estimator it picks.

A host sets what a node computes (model, device, working space, shots); tuning picks how the
work runs on the machine at hand: IO binding, threads, where the full-resolution colour work
runs, and which motion estimator runs where. The node takes it as
`ColorizeNode(..., tuning=NodeTuning(...))`.
"""
from __future__ import annotations

import dataclasses
import os

from ..colour.work import ColourWork, HostColourWork
from ..colour.work_graphs import GraphColourWork
from .motion_graph import GraphMotion
from .optical_flow import DisMotion, MotionEstimator

# NodeTuning.motion's words: OpenCV's DIS on the host (the default), or the motion graph on the
# node's device (experimental: its speed and quality on CUDA are still to be measured).
MOTIONS = ("dis", "graph")


@dataclasses.dataclass(frozen=True)
class NodeTuning:
    """How a node runs (docs/node-api.md); None picks per device.

    io_binding: run the network through IO binding, its state kept on the device (None: on CUDA
    only; True forces that path on the CPU too). threads: intra-op threads of each ONNX Runtime
    session (the correspondence graph's runs on one: its sums would depend on the count) and the
    row-band threads of the host's colour work (None: one per core); the pixels are the same at
    any count. colour_graphs: the full-resolution colour work as ONNX graphs
    on the node's device (None: on CUDA where the working space allows it) rather than in numpy
    on the host's cores; the two agree to float32 rounding. motion: the motion estimator, one
    of MOTIONS: "dis" (OpenCV's DIS on the host's cores, its flows and carries run `threads`
    at a time, same bytes at any count) or "graph" (experimental: the motion graph on the node's
    device, excolor.engine.motion_graph); unlike the others this changes the pixels.
    """

    io_binding: bool | None = None
    threads: int | None = None
    colour_graphs: bool | None = None
    motion: str = "dis"

    def __post_init__(self):
        if self.motion not in MOTIONS:
            raise ValueError(f"motion must be one of {', '.join(map(repr, MOTIONS))}, got {self.motion!r}")


def colour_work_for(tuning, converter, runtime, upsampler, timer) -> ColourWork:
    """The node's full-resolution colour work (an `excolor.colour.work.ColourWork`), chosen once:
    graphs on the runtime's device, or numpy on the host.

    converter: the node's ColourConverter; runtime: its GraphRuntime (device, providers, session
    options); upsampler: its GuidedChromaUpsampler (the host path upsamples with it); timer: its
    StageTimer.
    """
    colour_graphs = tuning.colour_graphs
    if colour_graphs is None:
        # Measured on the CPU, these graphs are ~3x slower than numpy in row bands
        # (benchmarks/results/speed_findings.md): they are for a GPU, where the host's
        # cores would otherwise bound the frame rate.
        colour_graphs = runtime.device == "cuda" and converter.works_in_model_space
    if colour_graphs:
        return GraphColourWork(converter, runtime.providers, runtime.session_options,
                               io_binding=runtime.io_bound, device=runtime.device, timer=timer)
    return HostColourWork(converter, upsampler, threads=tuning.threads, timer=timer)


def motion_for(tuning, runtime) -> MotionEstimator:
    """The node's motion estimator, chosen once by `tuning.motion`: DIS on the host with up to
    `tuning.threads` threads (None: one per core), or the motion graph in a session on the
    runtime's device (its providers and session options)."""
    if tuning.motion == "graph":
        return GraphMotion(runtime.providers, runtime.session_options)
    return DisMotion(workers=tuning.threads or os.cpu_count() or 1)
