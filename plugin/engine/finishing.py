"""A frame's finish: its blended run result at the history size -> the image at the plate's size.

The runs' results of a frame, blended (excolor.engine.state.blend_frames), hold its chroma and
confidence at the history size. The finish puts that chroma on the plate's own lightness at the
plate's full resolution through the node's colour work (excolor.colour.work): as it is where
the history size is the plate's, guided-upsampled beyond the history cap. At a frame a keyframe
is pinned to, the key's chroma at the plate's size is the frame's, confidence 1: keyframes are
law at full resolution too. Where the shot's pinned keys told how its gray plates were made (a
luma kind, excolor.engine.keyframe_colours.KeyChromas.luma_kind), every frame of the shot puts its
chroma on the plate by that kind's convention (excolor.colour.kind_colour), so a key's frame
comes back as the key and its neighbours take the same convention.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import StateError


@dataclasses.dataclass(frozen=True, eq=False)
class FrameResult:
    """A finished frame: image (H,W,C) float32 like the plate; confidence (H,W) float32 0..1."""

    frame: int
    image: np.ndarray
    confidence: np.ndarray


def refuse_other_size(blended, plate):
    """StateError unless a blended RunFrame is at the history size of the frame's Plate."""
    if blended.ab.shape[1:] != plate.l_history.shape:
        raise StateError(
            f"frame {plate.frame}: result at {blended.ab.shape[1:]} does not fit this plate's "
            f"history size {plate.l_history.shape}"
        )


def finish_frame(colour_work, plate, blended, key=None, kind=None):
    """The FrameResult of a Plate (excolor.engine.plates) from its blended RunFrame, or from
    `key`, the KeyChroma of a keyframe pinned to the frame (excolor.engine.keyframe_colours).

    colour_work: the node's excolor.colour.work.ColourWork; kind: the shot's luma kind
    (excolor.colour.luma.LUMA_KINDS), or None for the CIE L convention.
    """
    if key is not None:
        image, confidence = colour_work.finish_full(plate.full, key.ab_plate,
                                                    np.ones(key.ab_plate.shape[1:], np.float32), kind)
    elif blended.ab.shape[1:] == (plate.full.height, plate.full.width):
        image, confidence = colour_work.finish_full(plate.full, blended.ab, blended.confidence[0], kind)
    else:
        image, confidence = colour_work.finish(plate.full, plate.l_history, blended.ab, blended.confidence[0],
                                               kind)
    return FrameResult(plate.frame, image, confidence)
