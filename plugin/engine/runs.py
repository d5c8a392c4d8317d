"""Shots, keyframes and runs: which chains of frames the node renders, and how they blend.

Pure planning, no arrays beyond the blend: a shot's keyframes anchor *runs*, each a chain of
frames rendered one after the other from one keyframe in one direction, each with its own
previous-frame state. A frame between two keyframes is the blend of the FORWARD run from the
earlier keyframe and the BACKWARD run from the later one, weighted by temporal distance.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ..errors import InputError
from .channel_order import channels_first, channels_first_hint

FORWARD = 1
BACKWARD = -1


def direction_word(direction):
    """A direction as a user types and reads it (`--direction`, messages): 'forward' or 'backward'."""
    return "forward" if direction == FORWARD else "backward"


# Keyframe(frame=...) words besides a frame number: find the frame (the default), or never pin.
AUTO = "auto"
NOT_PINNED = "none"


@dataclasses.dataclass(frozen=True, eq=False)
class Keyframe:
    """A reference as the node holds it: an image, optionally pinned to the frame it colours.

    image: a path (str or Path; integer files are display sRGB, float files the working space)
        or an HxWx3 float32 array in the host's working space.
    frame (as given): a frame number (pinned: the image is the coloured version of that frame);
        None or "auto" (the default): find it, i.e. the node scans the shot for the frame the
        image colours and pins it there when beyond doubt (ColorizeNode.find_reference_frames);
        "none": never pinned (the keyframe starts the shot at its first frame, from an empty
        previous frame, and colours it as an exemplar).
    frame (as held): the pinned frame number, or None (not pinned, yet or ever).
    find_frame: True for an "auto" keyframe whose frame is still to be found.
    """

    image: object
    frame: int | None = None
    find_frame: bool = dataclasses.field(init=False)

    def __post_init__(self):
        if isinstance(self.image, str):
            object.__setattr__(self, "image", Path(self.image))
        elif not isinstance(self.image, Path):
            array = np.asarray(self.image)
            if (array.ndim != 3 or array.shape[2] < 3 or not np.issubdtype(array.dtype, np.floating)
                    or channels_first(array.shape)):
                raise ValueError(
                    "Keyframe.image must be a path or an HxWx3 float array in the working space, "
                    f"got {type(self.image).__name__} of {array.dtype} with shape {array.shape}"
                    + channels_first_hint(array.shape)
                )
        word = AUTO if self.frame is None else self.frame
        if isinstance(word, str) and word not in (AUTO, NOT_PINNED):
            raise ValueError(f"Keyframe.frame must be a frame number, {AUTO!r} or {NOT_PINNED!r}, got {word!r}")
        object.__setattr__(self, "frame", None if isinstance(word, str) else int(word))
        object.__setattr__(self, "find_frame", isinstance(word, str) and word == AUTO)

    def __eq__(self, other):
        # Arrays compare by content, so two keyframes of the same picture are equal (and the
        # dataclass default, which compares arrays with ==, would raise instead).
        if not isinstance(other, Keyframe) or (self.frame, self.find_frame) != (other.frame, other.find_frame):
            return False
        paths = isinstance(self.image, Path), isinstance(other.image, Path)
        if any(paths):
            return all(paths) and self.image == other.image
        return self.image.shape == other.image.shape and np.array_equal(self.image, other.image)

    def __hash__(self):
        image = self.image if isinstance(self.image, Path) else self.image.shape
        return hash((image, self.frame, self.find_frame))

    def describe(self):
        """Short name for messages: the file name, or 'array HxW'."""
        if isinstance(self.image, Path):
            return str(self.image)
        return f"array {self.image.shape[0]}x{self.image.shape[1]}"


@dataclasses.dataclass(frozen=True)
class Shot:
    """An inclusive frame range [first, last] coloured from its keyframes (one or more)."""

    first: int
    last: int
    keyframes: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "first", int(self.first))
        object.__setattr__(self, "last", int(self.last))
        keyframes = self.keyframes
        if isinstance(keyframes, Keyframe):
            keyframes = (keyframes,)
        keyframes = tuple(k if isinstance(k, Keyframe) else Keyframe(k) for k in keyframes)
        object.__setattr__(self, "keyframes", keyframes)
        where = f"shot {self.first}-{self.last}"
        if self.first > self.last:
            raise ValueError(f"{where}: first frame {self.first} is after last frame {self.last}")
        if not keyframes:
            raise ValueError(f"{where}: needs at least one keyframe (reference)")
        pinned = [k.frame for k in keyframes if k.frame is not None]
        for frame in pinned:
            if not self.first <= frame <= self.last:
                raise ValueError(
                    f"{where}: keyframe pinned to frame {frame}, outside the shot"
                )
        if len(set(pinned)) != len(pinned):
            raise ValueError(f"{where}: two keyframes are pinned to the same frame")
        unpinned = len(keyframes) - len(pinned)
        if unpinned > 1:
            raise ValueError(
                f"{where}: {unpinned} unpinned keyframes; at most one (it starts the shot), "
                "pin the others to the frames they colour"
            )
        if unpinned and self.first in pinned:
            raise ValueError(
                f"{where}: an unpinned keyframe starts the shot at {self.first}, where another "
                "keyframe is already pinned"
            )

    def __contains__(self, frame):
        return self.first <= frame <= self.last

    def anchor(self, keyframe_index):
        """The frame a keyframe's runs start from (its pinned frame, or the shot's first)."""
        frame = self.keyframes[keyframe_index].frame
        return self.first if frame is None else frame


@dataclasses.dataclass(frozen=True)
class Run:
    """A chain of frames rendered in order from one keyframe in one direction.

    start: the first frame rendered (the keyframe's anchor); end: the last, inclusive.
    from_pinned: the run's keyframe is pinned (it starts at the key's own frame).
    blend_to: the anchor at the other end of a span this run shares with another run.
    """

    shot: int
    keyframe: int
    direction: int
    start: int
    end: int
    from_pinned: bool
    blend_to: int | None = None  # the other anchor this run blends towards, if any

    @property
    def name(self):
        """The run's stable id, used in state file names: e.g. 'shot002.k1.bwd'."""
        way = "fwd" if self.direction == FORWARD else "bwd"
        return f"shot{self.shot:03d}.k{self.keyframe}.{way}"

    def frames(self):
        """Frame numbers in rendering order, start .. end."""
        return range(self.start, self.end + self.direction, self.direction)

    def covers(self, frame):
        return min(self.start, self.end) <= frame <= max(self.start, self.end)

    def __len__(self):
        return abs(self.end - self.start) + 1


def plan_runs(shot, shot_index=0):
    """The runs of one shot, FORWARD and BACKWARD, in anchor order (see module docstring).

    Anchors a_0 < a_1 < ...: BACKWARD a_0 -> first (if a_0 > first); between a_i and a_(i+1) a
    FORWARD run a_i -> a_(i+1)-1 and a BACKWARD run a_(i+1) -> a_i+1; FORWARD a_last -> last
    (always: it renders the last anchor's own frame). Runs that would contribute to no frame
    (a BACKWARD run between adjacent anchors) are left out.
    """
    order = sorted(range(len(shot.keyframes)), key=shot.anchor)
    anchors = [shot.anchor(k) for k in order]
    runs = []
    if anchors[0] > shot.first:
        runs.append(Run(shot_index, order[0], BACKWARD, anchors[0], shot.first,
                        shot.keyframes[order[0]].frame is not None))
    for i, (k, a) in enumerate(zip(order, anchors)):
        pinned = shot.keyframes[k].frame is not None
        if i + 1 < len(anchors):
            following = anchors[i + 1]
            runs.append(Run(shot_index, k, FORWARD, a, following - 1, pinned, blend_to=following))
        else:
            runs.append(Run(shot_index, k, FORWARD, a, shot.last, pinned))
        if i > 0 and a - anchors[i - 1] > 1:
            runs.append(Run(shot_index, k, BACKWARD, a, anchors[i - 1] + 1, pinned,
                            blend_to=anchors[i - 1]))
    return tuple(runs)


def contributions(runs, frame):
    """((run, weight), ...) whose blend is `frame`: one or two runs, weights summing to 1.

    A run paired with another (blend_to set) weighs by temporal distance: 1 at its own anchor,
    falling linearly to 0 at the other anchor. A frame at an anchor comes from that anchor's
    FORWARD run alone.
    """
    found = []
    for run in runs:
        if not run.covers(frame):
            continue
        if run.direction == BACKWARD and frame == run.start and run.start != run.end:
            # The anchor's own frame belongs to its FORWARD run (which always exists).
            continue
        if run.blend_to is None:
            weight = 1.0
        else:
            weight = abs(run.blend_to - frame) / abs(run.blend_to - run.start)
        found.append((run, weight))
    if not found:
        raise ValueError(f"frame {frame} is in none of the runs given")
    total = sum(w for _, w in found)
    return tuple((run, w / total) for run, w in found)


# How far (relative) a pinned key's aspect ratio may be from the plate's: 2 % keeps an export
# trimmed or padded by a few pixels (158x120 of a 160x120 frame is 1.25 % off; 1920x1088 codec
# padding of 1920x1080 is 0.7 %) and refuses another shape at any size (a 4x4 key on a 4:3
# plate is 25 % off, where an allowance in pixels would let a small key of any shape through).
ASPECT_TOLERANCE = 0.02


def refuse_other_aspect(key_size, plate_size, where):
    """InputError unless a pinned key of key_size (height, width) has the plate's aspect ratio
    within ASPECT_TOLERANCE (relative, so at any size): only then can it be the coloured version
    of the plate's frame. The one rule for pinned keys and for the reference-frame scan."""
    (key_h, key_w), (plate_h, plate_w) = key_size, plate_size
    key_wide, plate_wide = key_w * plate_h, plate_w * key_h  # the two aspects over a common height
    if abs(key_wide - plate_wide) > ASPECT_TOLERANCE * max(key_wide, plate_wide):
        raise InputError(
            f"{where}: the keyframe is {key_w}x{key_h} but the plate is {plate_w}x{plate_h}; "
            "a pinned keyframe must be the coloured frame (same aspect ratio)"
        )
