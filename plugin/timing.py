"""Per-stage wall-clock accounting for one node (benchmarks and host profiling).

A `StageTimer` belongs to one ColorizeNode (no global state): the node wraps each stage of a
frame in `timer.stage(name)` and accumulates seconds and call counts. Reading is cheap and
never resets; `reset()` starts a new measurement. Overhead: two perf_counter calls per stage.
`STAGES` are the stages the node reports, in the order a frame passes them (docs/node-api.md).
"""
from __future__ import annotations

import contextlib
import dataclasses
import time

STAGES = ("read", "colour_in", "reference", "correspondence", "colorization", "motion", "fusion", "chroma",
          "colour_out")


@dataclasses.dataclass(frozen=True)
class StageTime:
    """Accumulated wall time of one stage: seconds (float) over calls (int)."""

    seconds: float
    calls: int


class StageTimer:
    """Accumulated wall time per named stage. Not thread-safe (neither is the node)."""

    def __init__(self):
        self._seconds = {}
        self._calls = {}

    @contextlib.contextmanager
    def stage(self, name):
        """Time the body under `name` (added even when it raises: the time was spent)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self._seconds[name] = self._seconds.get(name, 0.0) + time.perf_counter() - start
            self._calls[name] = self._calls.get(name, 0) + 1

    def snapshot(self):
        """{stage: StageTime} of everything timed since the last reset (a copy)."""
        return {name: StageTime(self._seconds[name], self._calls[name]) for name in self._seconds}

    def reset(self):
        self._seconds.clear()
        self._calls.clear()
