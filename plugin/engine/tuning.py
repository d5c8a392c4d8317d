"""How a node runs, apart from what it computes: `NodeTuning`, and the colour work it picks.

A host sets what a node computes (model, device, working space, shots); tuning picks how the
work runs on the machine at hand: IO binding, threads, and where the full-resolution colour work
runs. The node takes it as `ColorizeNode(..., tuning=NodeTuning(...))`.
"""
from __future__ import annotations

import dataclasses

from ..colour.work import ColourWork, HostColourWork
from ..colour.work_graphs import GraphColourWork


@dataclasses.dataclass(frozen=True)
class NodeTuning:
    """How a node runs (docs/node-api.md); None picks per device.

    io_binding: run the network through IO binding, its state kept on the device (None: on CUDA
    only; True forces that path on the CPU too). threads: intra-op threads of each ONNX Runtime
    session and the row-band threads of the host's colour work (None: one per core; bands give
    the same bytes at any count). colour_graphs: the full-resolution colour work as ONNX graphs
    on the node's device (None: on CUDA where the working space allows it) rather than in numpy
    on the host's cores; the two agree to float32 rounding.
    """

    io_binding: bool | None = None
    threads: int | None = None
    colour_graphs: bool | None = None


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
