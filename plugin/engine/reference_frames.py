"""Finding the frame a reference colours: is an unpinned reference the coloured version of one
of its shot's frames?

A colorist often keys a frame of the shot and hands it over without saying which. Pinned to
its frame, such a key comes back exactly and carries by motion; left as an exemplar, it is
matched like a picture of another scene. The scan compares the reference's lightness with every
frame's, as small signatures (excolor.colour.luma.LightnessSignature, taken for each way the
key's gray may have been made), and pins the reference to the best frame only when that frame
matches beyond doubt. A reference of another aspect ratio cannot be a frame of the shot and is
not scanned. Pure and deterministic: the same reference and frames give the same answer, so a
job decides once, before its first frame, and records the answer.

Which frame: in moving shots the key's own frame matches best (measured on every second frame of
27 shots, re-exported, and on pans of 0.5 pixel a frame or more at 384 pixels wide). Where
neighbouring frames are all but the same picture (a pan of 0.1..0.25 pixel a frame: they differ
by less than 0.02 of an 8-bit level on average) the pick fell up to two frames off, within a
third of a pixel of the key's framing; on a static shot any frame may be the one, and ties go to
the earliest. Cost, on 2 shared cores (benchmarks/results/reference_scan.md): the compare is
7..14 ms a frame of a 2K plate, the read of an image sequence 70..90 ms; a 2,000-frame 2K shot
scans in ~3.5 minutes from float EXR, ~2.5 from 16-bit PNG, ~0.5 from H.264 video.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..colour.luma import LUMA_KINDS, LightnessSignature, lightness_of, shrink, signature_size
from ..errors import InputError
from ..io.channels import colour_plate
from .runs import refuse_other_aspect

# Signature similarity above which a frame is the reference's beyond doubt, set in the gap
# between true and false matches. Measured on 27 shots (the five shots of bikes.mp4, carphone,
# bigbuckbunny, 20 pictures panned and zoomed over 30 frames) with plates made four ways (8-bit
# gray by OpenCV/Rec.601, Rec.709 and CIE L*; scene-linear float EXR, shown by the sRGB curve,
# and through ColourConverter's highlight roll-off: 0.9965 lowest) and keys being the true
# colour of their first, middle and last frames:
# - true: the key's own frame, over exports of the key as is, unquantised float, gamma 0.9 and
#   1.1, contrast and saturation +-10%, warm and cool tints, 3/4 and 1.5x size, JPEG 85 and 60,
#   and three of these combined: lowest 0.9956 (3/4 + contrast and saturation +10% + cool +
#   JPEG 60, CIE L* plate; 0.9962..0.9980 for each single change); the key's frame was the best
#   frame in all 4,148 scans.
# - false: the best frame for references that are not frames of the shot: highest 0.728 (the
#   same picture framed 1.25x wider), the centre 60% of a frame 0.610, a frame upside down 0.646
#   or mirrored 0.442, a neighbouring shot's frames 0.225, other clips' frames 0.352, 84 other
#   pictures 0.471.
# Gap 0.728..0.9956; 0.95 leaves 0.046 under the lowest true match and 0.222 over the highest
# false one: a wrong pin colours the shot from the wrong frame, a missed one only leaves the key
# an exemplar. Beyond the exports above, a key survives gamma 0.8/1.25 (0.993), contrast +-25%
# (0.985), a quarter-size export (0.986) but not JPEG 10 (0.939) or a 3-pixel blur (0.933); a
# key shifted by 1% of the width scores 0.87..0.93 at its frame and is mostly not pinned.
# tests/engine/test_reference_frames.py holds the footage half of this to the same lines.
SURE_SIMILARITY = 0.95
# A plate is averaged in its working space (linear light, as a rule) down to this many times the
# signature's size, and as lightness from there, as the reference is. Averaging linear light all
# the way differs from averaging lightness at high-contrast edges: on scene-linear EXR plates of
# 8 shots, keys as they are, it lowered true matches to 0.990 (x1), against 0.9976 (x2) and
# 0.9996 (x4), for a conversion of a (4h, 4w) picture.
CONVERT_SCALE = 4


@dataclasses.dataclass(frozen=True)
class FrameMatch:
    """The scan's answer for one reference over one shot.

    frame: the frame the reference colours (pin it there), or None (keep it unpinned);
    best_frame: the frame that matched best (None when no frame was compared: another aspect
        ratio); similarity: its signature similarity (-1..1); kind: the luma kind
        (excolor.colour.luma.LUMA_KINDS) that matched it; frames: how many frames were compared.
    """

    frame: int | None
    best_frame: int | None
    similarity: float
    kind: str | None
    frames: int

    def describe(self):
        """One line for a user: where the reference was pinned, or why not."""
        if self.frame is not None:
            return f"pinned to frame {self.frame} (similarity {self.similarity:.3f}, {self.kind} luma)"
        if self.best_frame is None:
            return "not a frame of the shot (another aspect ratio); kept unpinned"
        return (f"matches no frame of the shot beyond doubt (best: frame {self.best_frame}, similarity "
                f"{self.similarity:.3f} < {SURE_SIMILARITY}); kept unpinned")


def plate_lightness(plate, to_display, size):
    """A plate (H,W,C float32 in the working space, as a node's source gives it) -> its
    lightness (h,w) L 0..100 at `size` (h, w): shrunk to CONVERT_SCALE times `size` first, so
    the colour conversion (`to_display`: (h,w,3) working space -> display sRGB 0..1) costs
    almost nothing, then averaged as lightness the rest of the way."""
    height, width = size
    rgb = colour_plate(np.asarray(plate, np.float32))[..., :3]
    middle = min(rgb.shape[0], height * CONVERT_SCALE), min(rgb.shape[1], width * CONVERT_SCALE)
    display = to_display(np.nan_to_num(shrink(rgb, *middle), nan=0.0, posinf=0.0, neginf=0.0))
    return shrink(lightness_of(display, "rec709"), height, width)


class ReferenceSignatures:
    """An unpinned reference's lightness signatures, one per luma kind, at a plate's signature
    size. reference_display: (H,W,3) display sRGB 0..1; plate_size: (height, width)."""

    def __init__(self, reference_display, plate_size):
        self.size = signature_size(*plate_size)
        self.by_kind = {kind: LightnessSignature.of(lightness_of(reference_display, kind), self.size)
                        for kind in LUMA_KINDS}

    def best(self, lightness):
        """(similarity, kind) of the kind matching a frame's lightness (h,w at self.size) best."""
        frame = LightnessSignature.of(lightness, self.size)
        scores = [(signature.similarity(frame), kind) for kind, signature in self.by_kind.items()]
        return max(scores, key=lambda score: (score[0], -LUMA_KINDS.index(score[1])))


def find_reference_frame(reference_display, frames, read_plate, to_display):
    """Scan a shot for the frame an unpinned reference colours -> FrameMatch.

    reference_display: (H,W,3) display sRGB 0..1; frames: the shot's frame numbers in order;
    read_plate: frame -> its plate (H,W,C float32 working space); to_display: (h,w,3) working
    space -> display sRGB 0..1. On a tie the earlier frame wins (a static shot's frames are
    all right answers).
    """
    frames = list(frames)
    best = (-2.0, None, None)
    signatures = None
    for frame in frames:
        plate = read_plate(frame)
        if signatures is None:
            try:
                refuse_other_aspect(reference_display.shape[:2], plate.shape[:2], "reference")
            except InputError:  # another aspect ratio: not a frame of this shot
                return FrameMatch(None, None, float("nan"), None, 0)
            signatures = ReferenceSignatures(reference_display, plate.shape[:2])
        similarity, kind = signatures.best(plate_lightness(plate, to_display, signatures.size))
        if similarity > best[0]:
            best = (similarity, frame, kind)
    similarity, frame, kind = best
    sure = frame if similarity >= SURE_SIMILARITY else None
    return FrameMatch(sure, frame, similarity, kind, len(frames))

