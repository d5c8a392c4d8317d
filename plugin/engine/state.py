"""Per-run results and states, their numpy form for state files, and the memory-bounded cache.

A *RunFrame* is what one run produces for one frame: chroma and confidence at the history
size (the plate's, up to excolor.engine.optical_flow.HISTORY_CAP on the long side). A *RunState* is what a
run carries to its next frame: the previous frame's Lab at the full network size (the
colorization graph's recurrent input) and the run's history, its last output chroma with that
frame's lightness at the history size (what motion carries to the next frame). Both turn into
dicts of plain numpy arrays (np.savez-able without pickle) and back.
"""
from __future__ import annotations

import collections
import dataclasses

import numpy as np

from ..errors import StateError


def _scalar_string(value):
    return np.array(str(value))


def _read(arrays, name, where):
    if name not in arrays:
        raise StateError(f"{where}: no '{name}' array (it holds: {', '.join(sorted(arrays))})")
    return np.asarray(arrays[name])


@dataclasses.dataclass(frozen=True, eq=False)
class RunFrame:
    """One run's result for one frame.

    ab: (2, h, w) float32, CIELAB a/b of the run's output at the history size h x w.
    confidence: (1, h, w) float32 in 0..1, the fusion's confidence (excolor.engine.fusion).
    """

    run_name: str
    frame: int
    ab: np.ndarray
    confidence: np.ndarray

    def __post_init__(self):
        if self.ab.ndim != 3 or self.ab.shape[0] != 2:
            raise ValueError(f"RunFrame.ab must be (2,h,w), got {self.ab.shape}")
        if self.confidence.shape != (1,) + self.ab.shape[1:]:
            raise ValueError(
                f"RunFrame.confidence must be (1,h,w) matching ab {self.ab.shape}, "
                f"got {self.confidence.shape}"
            )

    @property
    def nbytes(self):
        return self.ab.nbytes + self.confidence.nbytes

    def to_arrays(self):
        return {
            "run_name": _scalar_string(self.run_name),
            "frame": np.array(self.frame, dtype=np.int64),
            "ab": self.ab,
            "confidence": self.confidence,
        }

    @classmethod
    def from_arrays(cls, arrays, where="run result"):
        """Inverse of `to_arrays`; `where` (e.g. the file name) prefixes error messages."""
        try:
            return cls(
                str(_read(arrays, "run_name", where)),
                int(_read(arrays, "frame", where)),
                _read(arrays, "ab", where).astype(np.float32, copy=False),
                _read(arrays, "confidence", where).astype(np.float32, copy=False),
            )
        except ValueError as error:
            raise StateError(f"{where}: {error}") from error


@dataclasses.dataclass(frozen=True, eq=False)
class RunState:
    """A run's state after rendering `frame` (for a fresh run: the frame before its start).

    previous_lab: (1, 3, net_h, net_w) float32, centred Lab (L - 50, ab raw) of the frame just
        rendered, as the colorization graph's `previous_lab` input expects it. Either a numpy
        array or a device-resident onnxruntime OrtValue (CUDA); `to_arrays` copies to the host.
    history_ab: (2, h, w) float32, the run's output chroma at `frame` at the history size, or
        None before the run has rendered a frame (nothing to carry yet).
    history_l: (h, w) float32, the lightness (L 0..100) of `frame` at the same size, what the
        next frame's motion is estimated against; None with history_ab.
    """

    run_name: str
    frame: int
    previous_lab: object
    history_ab: np.ndarray | None = None
    history_l: np.ndarray | None = None

    def __post_init__(self):
        if (self.history_ab is None) != (self.history_l is None):
            raise ValueError("RunState.history_ab and history_l come together")
        if self.history_ab is not None and (self.history_ab.ndim != 3 or self.history_ab.shape[0] != 2
                                            or self.history_ab.shape[1:] != self.history_l.shape):
            raise ValueError(f"RunState history must be ab (2,h,w) with L (h,w), got "
                             f"{self.history_ab.shape} and {self.history_l.shape}")

    @property
    def shape(self):
        value = self.previous_lab
        return tuple(value.shape) if isinstance(value, np.ndarray) else tuple(value.shape())

    @property
    def nbytes(self):
        history = 0 if self.history_ab is None else self.history_ab.nbytes + self.history_l.nbytes
        return int(np.prod(self.shape)) * 4 + history

    def previous_lab_numpy(self):
        value = self.previous_lab
        return value if isinstance(value, np.ndarray) else value.numpy()

    def to_arrays(self):
        arrays = {
            "run_name": _scalar_string(self.run_name),
            "frame": np.array(self.frame, dtype=np.int64),
            "previous_lab": np.ascontiguousarray(self.previous_lab_numpy(), dtype=np.float32),
        }
        if self.history_ab is not None:
            arrays["history_ab"] = self.history_ab
            arrays["history_l"] = self.history_l
        return arrays

    @classmethod
    def from_arrays(cls, arrays, where="run state"):
        previous = _read(arrays, "previous_lab", where).astype(np.float32, copy=False)
        if previous.ndim != 4 or previous.shape[:2] != (1, 3):
            raise StateError(f"{where}: previous_lab must be (1,3,H,W), got {previous.shape}")
        history = [None, None]
        if "history_ab" in arrays:
            history = [_read(arrays, name, where).astype(np.float32, copy=False)
                       for name in ("history_ab", "history_l")]
        try:
            return cls(str(_read(arrays, "run_name", where)), int(_read(arrays, "frame", where)),
                       previous, *history)
        except ValueError as error:
            raise StateError(f"{where}: {error}") from error


def blend_frames(pairs, frame=None):
    """Blend [(RunFrame, weight), ...] (weights summing to 1) into one RunFrame.

    A pure function: the weighted sum of ab and of confidence. One pair returns its frame as is.
    """
    if not pairs:
        raise ValueError("blend_frames needs at least one (RunFrame, weight) pair")
    if len(pairs) == 1:
        return pairs[0][0]
    first = pairs[0][0]
    ab = np.zeros_like(first.ab, dtype=np.float32)
    confidence = np.zeros_like(first.confidence, dtype=np.float32)
    for result, weight in pairs:
        if result.ab.shape != first.ab.shape:
            raise ValueError(
                f"cannot blend {result.run_name} {result.ab.shape} with {first.run_name} "
                f"{first.ab.shape}: results of one frame must share a history size"
            )
        ab += result.ab * np.float32(weight)
        confidence += result.confidence * np.float32(weight)
    name = "+".join(result.run_name for result, _ in pairs)
    return RunFrame(name, first.frame if frame is None else frame, ab, confidence)


class KeptCache:
    """Least-recently-used store of RunStates and RunFrames bounded by a byte budget.

    Each item is kept under an entry (kind, run_name, frame), kind "state" or "result". Items
    bigger than the whole budget are not kept at all.
    """

    def __init__(self, budget_bytes):
        if budget_bytes < 0:
            raise ValueError(f"memory budget must be >= 0 bytes, got {budget_bytes}")
        self.budget_bytes = int(budget_bytes)
        self._items = collections.OrderedDict()
        self.bytes = 0

    def __len__(self):
        return len(self._items)

    def __contains__(self, entry):
        return entry in self._items

    def get(self, entry):
        """The item kept under `entry`, marked most recently used, or None."""
        item = self._items.get(entry)
        if item is not None:
            self._items.move_to_end(entry)
        return item

    def put(self, entry, item):
        if entry in self._items:
            self.bytes -= self._items.pop(entry).nbytes
        if item.nbytes > self.budget_bytes:
            return
        self._items[entry] = item
        self.bytes += item.nbytes
        while self.bytes > self.budget_bytes:
            _, evicted = self._items.popitem(last=False)
            self.bytes -= evicted.nbytes

    def entries(self):
        """The entries kept, least recently used first."""
        return list(self._items)

    def keep_only(self, wanted):
        """Drop every item whose entry `wanted(entry)` refuses (the others keep their order)."""
        for entry in [entry for entry in self._items if not wanted(entry)]:
            self.bytes -= self._items.pop(entry).nbytes

    def clear(self):
        self._items.clear()
        self.bytes = 0
