"""Auto keyframes resolved: every keyframe that asks for its frame to be found
(`Keyframe.find_frame`) is scanned against its shot (excolor.engine.reference_frames) and replaced
by a keyframe pinned to the frame found, where the scan is sure, else by one never pinned.

One decision for every caller: the node (ColorizeNode.find_reference_frames, which a render job
calls before its first frame) and `excolor farm` (which decides once, when it writes a job) both
resolve through `find_frames`.
"""
from __future__ import annotations

import dataclasses

from .reference_frames import FrameMatch, find_reference_frame
from .runs import NOT_PINNED, Keyframe, Shot


@dataclasses.dataclass(frozen=True)
class FoundFrame:
    """What the scan decided for one auto keyframe.

    shot: the index of its shot among the shots scanned; keyframe: the keyframe as given (auto);
    match: the scan's FrameMatch; taken_by: the keyframe of the same shot already pinned to the
    frame the scan found (the auto keyframe then stays unpinned: two keyframes cannot share a
    frame), else None.
    """

    shot: int
    keyframe: Keyframe
    match: FrameMatch
    taken_by: Keyframe | None = None

    @property
    def frame(self):
        """The frame the keyframe is pinned to, or None (kept unpinned)."""
        return None if self.taken_by is not None else self.match.frame

    @property
    def resolved(self):
        """The keyframe that takes the auto one's place: pinned to `frame`, or never pinned."""
        return Keyframe(self.keyframe.image, NOT_PINNED if self.frame is None else self.frame)

    def describe(self, name=None):
        """One line for a user: `name` (default: the keyframe's describe()) and the decision."""
        name = name or self.keyframe.describe()
        if self.taken_by is None:
            return f"{name} {self.match.describe()}"
        return (f"{name} matches frame {self.match.frame} (similarity {self.match.similarity:.3f}), where "
                f"{self.taken_by.describe()} is pinned already; kept unpinned")


def find_frames(shots, display_of, read_plate, to_display):
    """Resolve the auto keyframes of `shots` -> (the shots, each auto keyframe replaced by its
    FoundFrame.resolved, in place; (FoundFrame, ...) in shot order). A shot with no auto
    keyframe is returned as it is, and none of its frames is read.

    shots: a sequence of Shot; display_of: Keyframe -> its image as (H,W,3) display sRGB 0..1;
    read_plate: frame -> its plate (H,W,C float32, the working space); to_display: (h,w,3)
    working space -> display sRGB 0..1.
    """
    resolved, found = [], []
    for index, shot in enumerate(shots):
        keyframes = list(shot.keyframes)
        for position, keyframe in enumerate(shot.keyframes):
            if not keyframe.find_frame:
                continue
            match = find_reference_frame(display_of(keyframe), range(shot.first, shot.last + 1), read_plate,
                                         to_display)
            taken = next((k for k in shot.keyframes if match.frame is not None and k.frame == match.frame), None)
            finding = FoundFrame(index, keyframe, match, taken)
            keyframes[position] = finding.resolved
            found.append(finding)
        resolved.append(Shot(shot.first, shot.last, keyframes) if any(k.find_frame for k in shot.keyframes) else shot)
    return tuple(resolved), tuple(found)
