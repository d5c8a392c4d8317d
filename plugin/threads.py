"""`excolor colorize --threads N`: cap the thread pools of this process's libraries at N.

A farm task reserves some cores (an OpenCue layer's cores, a Ray task's num_cpus, an OpenJD
host requirement); without a cap each library sizes its pool to the whole machine, and the
tasks sharing a render node slow each other down. ONNX Runtime and excolor's own colour-work
bands take the count through NodeTuning(threads=N); the job caps its io threads itself; this
module caps the rest:

- OpenCV (the node's motion step): cv2.setNumThreads;
- BLAS under numpy: threadpoolctl, which changes the pools of libraries already loaded;
- libraries loaded later in this process, and child processes: the usual environment variables.

FFmpeg's codec threads (PyAV) are set where a video is opened (excolor.io.video asks
`codec_threads()`), since PyAV takes them per stream.
"""
import os

import cv2
from threadpoolctl import threadpool_limits

ENVIRONMENT = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

_limits = []  # the threadpoolctl limit in force (kept referenced for the process's lifetime)
_codec_threads = [None]  # the process-wide cap on FFmpeg's threads per stream (None: FFmpeg's own)


def codec_threads():
    """The thread cap for each FFmpeg codec this process opens, or None (no cap)."""
    return _codec_threads[0]


def limit_threads(count):
    """Cap OpenCV, BLAS and the thread environment at `count` threads (a positive int)."""
    if count < 1:
        raise ValueError(f"threads must be at least 1, got {count}")
    for name in ENVIRONMENT:
        os.environ[name] = str(count)
    cv2.setNumThreads(count)
    _limits[:] = [threadpool_limits(limits=count)]
    _codec_threads[0] = count

