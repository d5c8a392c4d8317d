"""Per-pixel work on full-resolution frames, split into horizontal bands over threads.

The node's colour conversions at plate size (working space -> display L on the way in; Lab ->
sRGB and the luma-preserving recombine on the way out) are per pixel: a band's result depends on
that band's pixels alone, so running bands on several threads gives the same bytes as one pass.
numpy and OpenColorIO release the GIL in their loops, so threads use the cores; at 1080p these
stages were over 80 % of a CPU frame and, single-threaded, would cap a GPU render at a few frames/s.
"""
from __future__ import annotations

import concurrent.futures
import os

# Bands thinner than this are not worth a thread hand-off; small plates run in one piece.
MIN_BAND_ROWS = 32


class BandPool:
    """Threads for banded per-pixel work. threads: None = one per core; 1 runs inline."""

    def __init__(self, threads=None):
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
        self.threads = threads or os.cpu_count() or 1
        self._pool = (concurrent.futures.ThreadPoolExecutor(self.threads, "excolor-bands")
                      if self.threads > 1 else None)

    def run(self, function, out, *inputs):
        """out[rows] = function(*(x[rows] for x in inputs)) for row bands covering out.

        out: array whose first axis is the image rows; inputs: (array, row_axis) pairs. function
        must be per pixel (no neighbourhood), returning an array shaped like out[rows]. Returns
        out. Errors raised in a band are raised here.
        """
        rows = out.shape[0]
        count = max(1, min(self.threads, rows // MIN_BAND_ROWS))
        edges = [rows * i // count for i in range(count + 1)]

        def band(start, stop):
            pieces = [array[(slice(None),) * axis + (slice(start, stop),)] for array, axis in inputs]
            out[start:stop] = function(*pieces)

        if count == 1 or self._pool is None:
            band(0, rows)
            return out
        futures = [self._pool.submit(band, a, b) for a, b in zip(edges[:-1], edges[1:])]
        for future in futures:
            future.result()
        return out

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True)
