"""Which ONNX Runtime execution provider a node runs on, and the options its sessions share.

An onnxruntime-gpu build lists the CUDA provider whether or not the CUDA and cuDNN libraries it
needs are on the machine (a render node whose driver lags has the build but not the libraries);
ONNX Runtime then logs why and quietly makes CPU sessions. So the device is chosen from what
loads: once per process, a session of the smallest shipped helper graph is made on CUDA, and
ONNX Runtime's own words for a failure (its log, its fallback message, its warnings) are kept.
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass

from ..errors import ProviderUnavailableError
from .sessions import graph_session

DEVICES = ("auto", "cpu", "cuda")
CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"
PROBE_GRAPH = "previous_lab"  # the smallest shipped graph (one Concat): cheap to load anywhere
# ONNX Runtime's log lines start "<date> <time> [E:onnxruntime:..., file.cc:123 Function] text".
ORT_LOG_MARK = ":onnxruntime:"


@dataclass(frozen=True)
class CudaStatus:
    """Whether this onnxruntime build offers the CUDA provider and whether it loads in this
    process; `reason`: ONNX Runtime's own text for why not ("" when it loads)."""

    offered: bool
    loaded: bool
    reason: str = ""


@contextlib.contextmanager
def _captured_stderr(into):
    """Collect what is written to file descriptor 2 (where ONNX Runtime's C++ logger writes)
    into the list `into`, one string per line."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            into += capture.read().decode(errors="replace").splitlines()


def _ort_words(printed, logged):
    """ONNX Runtime's messages: all it printed (its fallback notice, preload_dlls' failures;
    banner lines skipped) and its log lines (prefix dropped). Other lines written to stderr
    meanwhile go back there untouched."""
    words = [line.strip() for line in printed if line.strip() and not line.startswith("*")]
    for line in logged:
        if ORT_LOG_MARK in line:
            words.append(line.split("] ", 1)[-1].strip())
        elif line.strip():
            print(line, file=sys.stderr)
    return words


@functools.cache
def cuda_status(ort):
    """Try ONNX Runtime's CUDA provider once per process (`ort`: the onnxruntime module)."""
    available = list(ort.get_available_providers())
    if CUDA_PROVIDER not in available:
        return CudaStatus(False, False, f"this onnxruntime has no CUDA provider (it offers {', '.join(available)})")
    printed, logged = io.StringIO(), []
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(printed), \
            _captured_stderr(logged):
        warnings.simplefilter("always")
        if hasattr(ort, "preload_dlls"):  # 1.21+: loads CUDA/cuDNN from the nvidia-* wheels of [gpu]
            ort.preload_dlls()
        try:
            session = graph_session(PROBE_GRAPH, [CUDA_PROVIDER, CPU_PROVIDER])
        except (RuntimeError, ValueError) as error:  # ORT's own Fail/EPFail, when it does not fall back
            session, failure = None, [str(error)]
        else:
            failure = []
    if session is not None and CUDA_PROVIDER in session.get_providers():
        return CudaStatus(True, True)
    said = failure + _ort_words(printed.getvalue().splitlines(), logged) + [str(w.message) for w in caught]
    return CudaStatus(True, False, "; ".join(dict.fromkeys(said)) or "ONNX Runtime made a CPU session instead")


@functools.cache
def _warn_cpu_fallback(reason):
    # Cached: one warning per process, however many nodes are made.
    warnings.warn(f"device 'auto': ONNX Runtime's CUDA provider does not load ({reason}); "
                  "running on the CPU", RuntimeWarning, stacklevel=4)


def choose_device(device, ort):
    """'cuda' or 'cpu' for a requested device and the onnxruntime module `ort`.

    'cpu' never touches CUDA; 'cuda' raises ProviderUnavailableError when the CUDA provider
    does not load; 'auto' takes CUDA when it loads, else the CPU, with one warning per process
    when the build offers CUDA but it does not load (a CPU-only build is no surprise).
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if device == "cpu":
        return "cpu"
    status = cuda_status(ort)
    if status.loaded:
        return "cuda"
    if device == "cuda":
        raise ProviderUnavailableError(
            f"device 'cuda' asked for, but ONNX Runtime's CUDA provider does not load: {status.reason} "
            "(install excolor[gpu] for onnxruntime-gpu with its CUDA and cuDNN libraries, or use device='cpu')"
        )
    if status.offered:
        _warn_cpu_fallback(status.reason)
    return "cpu"


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


def loaded_summary(ort):
    """Which of excolor's providers load here, in words (one line of `excolor info`)."""
    status = cuda_status(ort)
    if status.loaded:
        return f"{CUDA_PROVIDER}, {CPU_PROVIDER} (device auto runs on CUDA)"
    if status.offered:
        return f"{CPU_PROVIDER} only (device auto runs on the CPU): {CUDA_PROVIDER} does not load: {status.reason}"
    return f"{CPU_PROVIDER} (device auto runs on the CPU)"
