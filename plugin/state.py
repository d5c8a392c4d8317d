"""Per-run results and states, their numpy form for state files, and the memory-bounded cache.

A *RunFrame* is what one run produces for one frame: chroma and confidence at the network's
content size (the plate scaled to network resolution, padding already cropped off). A *RunState*
is what a run carries to its next frame: the previous frame's Lab at the full network size.
Both turn into dicts of plain numpy arrays (np.savez-able without pickle) and back.
"""
from __future__ import annotations

import collections
import dataclasses

import numpy as np

from .errors import StateError


def _scalar_string(value):
    return np.array(str(value))


def _read(arrays, name, where):
    if name not in arrays:
        raise StateError(f"{where}: no '{name}' array (keys: {', '.join(sorted(arrays))})")
    return np.asarray(arrays[name])


@dataclasses.dataclass(frozen=True, eq=False)
class RunFrame:
    """One run's result for one frame.

    ab: (2, h, w) float32, raw CIELAB a/b predicted by the network (before the saturation
        setting), at the network content size h x w.
    confidence: (1, h, w) float32, the correspondence confidence (best cosine similarity).
    """

    run_key: str
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
            "run_key": _scalar_string(self.run_key),
            "frame": np.array(self.frame, dtype=np.int64),
            "ab": self.ab,
            "confidence": self.confidence,
        }

    @classmethod
    def from_arrays(cls, arrays, where="run result"):
        """Inverse of `to_arrays`; `where` (e.g. the file name) prefixes error messages."""
        try:
            return cls(
                str(_read(arrays, "run_key", where)),
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
    """

    run_key: str
    frame: int
    previous_lab: object

    @property
    def shape(self):
        value = self.previous_lab
        return tuple(value.shape) if isinstance(value, np.ndarray) else tuple(value.shape())

    @property
    def nbytes(self):
        return int(np.prod(self.shape)) * 4

    def previous_lab_numpy(self):
        value = self.previous_lab
        return value if isinstance(value, np.ndarray) else value.numpy()

    def to_arrays(self):
        return {
            "run_key": _scalar_string(self.run_key),
            "frame": np.array(self.frame, dtype=np.int64),
            "previous_lab": np.ascontiguousarray(self.previous_lab_numpy(), dtype=np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays, where="run state"):
        previous = _read(arrays, "previous_lab", where).astype(np.float32, copy=False)
        if previous.ndim != 4 or previous.shape[:2] != (1, 3):
            raise StateError(f"{where}: previous_lab must be (1,3,H,W), got {previous.shape}")
        return cls(str(_read(arrays, "run_key", where)), int(_read(arrays, "frame", where)),
                   previous)


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
                f"cannot blend {result.run_key} {result.ab.shape} with {first.run_key} "
                f"{first.ab.shape}: results of one frame must share a network size"
            )
        ab += result.ab * np.float32(weight)
        confidence += result.confidence * np.float32(weight)
    key = "+".join(result.run_key for result, _ in pairs)
    return RunFrame(key, first.frame if frame is None else frame, ab, confidence)


class KeptCache:
    """Least-recently-used store of RunStates and RunFrames bounded by a byte budget.

    Keys are (kind, run_key, frame). Items bigger than the whole budget are not kept at all.
    """

    def __init__(self, budget_bytes):
        if budget_bytes < 0:
            raise ValueError(f"memory budget must be >= 0 bytes, got {budget_bytes}")
        self.budget_bytes = int(budget_bytes)
        self._items = collections.OrderedDict()
        self.bytes = 0

    def __len__(self):
        return len(self._items)

    def __contains__(self, key):
        return key in self._items

    def get(self, key):
        """The item, marked most recently used, or None."""
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key, item):
        if key in self._items:
            self.bytes -= self._items.pop(key).nbytes
        if item.nbytes > self.budget_bytes:
            return
        self._items[key] = item
        self.bytes += item.nbytes
        while self.bytes > self.budget_bytes:
            _, evicted = self._items.popitem(last=False)
            self.bytes -= evicted.nbytes

    def keys(self):
        return list(self._items)

    def clear(self):
        self._items.clear()
        self.bytes = 0
