"""Which ONNX Runtime execution provider a node runs on, and the options its sessions share."""
from __future__ import annotations

from ..errors import ProviderUnavailableError

DEVICES = ("auto", "cpu", "cuda")
CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"


def choose_device(device, available):
    """'cuda' or 'cpu' for a requested device and the providers this onnxruntime has."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if device == "cuda" and CUDA_PROVIDER not in available:
        raise ProviderUnavailableError(
            f"device 'cuda' asked for, but this onnxruntime offers only {', '.join(available)} "
            "(install excolor[gpu] for onnxruntime-gpu, or use device='cpu')"
        )
    if device == "auto":
        return "cuda" if CUDA_PROVIDER in available else "cpu"
    return device


def session_options(ort, threads=None):
    """ORT SessionOptions for the node's sessions: all graph optimisations, `threads` intra-op
    threads (None: one per core, ORT's own default), and no spin-waiting between ops.

    Spinning makes idle worker threads busy-wait for the next op; a compositing host or a
    farm node runs other work on the same cores, and on a loaded machine spinning threads
    steal the cores the graph needs (measured in benchmarks/results/speed.md).
    """
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    options = ort.SessionOptions()
    options.log_severity_level = 3  # ORT's warnings about unused initializers are noise here
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads is not None:
        options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options
