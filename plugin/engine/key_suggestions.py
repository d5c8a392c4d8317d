"""Where to key next: each rendered frame's confidence in two numbers, and per shot the few
frames where the colours are least sure.

A colorist adds a keyframe where the node is least sure of its colours; a key carries its
colours by motion to the frames around it, so the frames suggested for one shot are kept apart,
and away from the frames keyed already. The choice is deterministic: the same summaries give
the same frames, whichever order they were rendered in.
"""
from __future__ import annotations

import dataclasses

import numpy as np

UNSURE = 0.5  # confidence below which a pixel counts as unsure
SUGGESTED_KEYS = 3  # frames suggested per shot, at most


@dataclasses.dataclass(frozen=True)
class ConfidenceSummary:
    """One rendered frame's confidence in two numbers.

    mean_confidence: the mean over the frame's pixels, 0..1 (1 at a pinned keyframe's frame);
    unsure_share: the share of its pixels whose confidence is below UNSURE, 0..1.
    """

    frame: int
    mean_confidence: float
    unsure_share: float


@dataclasses.dataclass(frozen=True)
class KeySuggestion:
    """A frame to key next: `shot` is the index of its shot in the node's `shots`; the numbers
    are its ConfidenceSummary's."""

    shot: int
    frame: int
    mean_confidence: float
    unsure_share: float


def summarize(frame, confidence):
    """The ConfidenceSummary of a frame's confidence ((H, W) float 0..1, as
    FrameResult.confidence holds it); the mean is summed in float64, so it does not depend on
    how the frame's pixels are laid out."""
    confidence = np.asarray(confidence)
    return ConfidenceSummary(int(frame), float(np.mean(confidence, dtype=np.float64)),
                             float(np.count_nonzero(confidence < UNSURE)) / confidence.size)


def key_spacing(shot_length, count=SUGGESTED_KEYS):
    """How many frames apart suggestions stay, from each other and from pinned keyframes, in a
    shot of `shot_length` frames: half the shot's share per suggestion (a sixth of the shot for
    3), and at least 2, so two suggestions are never neighbours."""
    return max(2, shot_length // (2 * max(1, count)))


def suggest_keys(shot, shot_index, summaries, count=SUGGESTED_KEYS):
    """The frames of `shot` (excolor.engine.runs.Shot, index `shot_index`) to key next, least
    sure first: a tuple of up to `count` KeySuggestions.

    summaries: {frame: ConfidenceSummary} of the frames rendered (any frames: those outside the
    shot are ignored). Frames are taken by lowest mean confidence (then larger unsure share, then
    earlier frame), skipping any frame pinned already or closer than `key_spacing` to a pinned
    frame or to a frame taken before.
    """
    spacing = key_spacing(shot.last - shot.first + 1, count)
    taken = [k.frame for k in shot.keyframes if k.frame is not None]
    ranked = sorted((s for f, s in summaries.items() if f in shot),
                    key=lambda s: (s.mean_confidence, -s.unsure_share, s.frame))
    chosen = []
    for summary in ranked:
        if len(chosen) == count:
            break
        if all(abs(summary.frame - frame) >= spacing for frame in taken):
            chosen.append(KeySuggestion(shot_index, summary.frame, summary.mean_confidence, summary.unsure_share))
            taken.append(summary.frame)
    return tuple(chosen)


class ConfidenceLog:
    """The ConfidenceSummary of every frame a node finished, the latest one per frame."""

    def __init__(self):
        self._summaries = {}

    def record(self, frame, confidence):
        self._summaries[int(frame)] = summarize(frame, confidence)

    def summaries(self):
        """{frame: ConfidenceSummary}, a copy."""
        return dict(self._summaries)

    def forget(self):
        self._summaries.clear()
