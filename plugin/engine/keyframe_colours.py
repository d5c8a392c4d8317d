"""A keyframe's colours as the candidates take them, made once per keyframe.

A pinned keyframe is law at its frame and is carried from there to the frames around it: its
chroma at the plate's size (what its frame returns) and at the history size (what motion
carries), with the lightness of the plate at its frame (what that motion is estimated against).
Every keyframe, pinned or not, also gives the global candidate its table: the picture's chroma
by lightness (excolor.engine.global_colour).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..colour.cielab import srgb_to_lab
from ..colour.resample import resize
from .global_colour import LightnessChroma
from .optical_flow import history_size
from .runs import refuse_other_aspect


@dataclasses.dataclass(frozen=True, eq=False)
class KeyChroma:
    """A pinned keyframe's colours for one plate size.

    ab_plate: (2, H, W) float32 CIELAB a/b at the plate's size (what the key's frame returns);
    ab: (2, h, w) the same at the history size; lightness: (h, w) L of the plate at the key's
    frame at the history size (what motion from the key's frame is estimated against), or None
    until that frame's plate has been seen.
    """

    ab_plate: np.ndarray
    ab: np.ndarray
    lightness: np.ndarray | None = None


def key_chroma(display_rgb, plate_height, plate_width, where):
    """KeyChroma (without lightness) from a keyframe's display sRGB (h, w, 3) for a plate size.

    A key of another size is resized to the plate where only the size differs; a key whose
    aspect ratio differs from the plate's (by more than runs.ASPECT_TOLERANCE) is refused, since
    it cannot be the coloured version of that frame.
    """
    key_h, key_w = display_rgb.shape[:2]
    refuse_other_aspect((key_h, key_w), (plate_height, plate_width), where)
    # The picture's boundary: an image is channels last, the engine's chroma channels first.
    ab = np.moveaxis(srgb_to_lab(np.clip(display_rgb, 0.0, 1.0))[..., 1:], -1, 0).astype(np.float32)
    if (key_h, key_w) != (plate_height, plate_width):
        ab = resize(ab, plate_height, plate_width)
    ab_plate = np.ascontiguousarray(ab, dtype=np.float32)
    height, width = history_size(plate_height, plate_width)
    ab_history = ab_plate if (height, width) == (plate_height, plate_width) else resize(ab_plate, height, width)
    return KeyChroma(ab_plate, np.ascontiguousarray(ab_history, dtype=np.float32))


class KeyChromas:
    """Per keyframe, made once: its KeyChroma per plate size (see `key_chroma`) and the
    LightnessChroma of its picture (the global candidate's table, pinned or not).

    references: the node's excolor.engine.references.ReferenceBank (the keyframe's display image).
    """

    def __init__(self, references):
        self._references = references
        self._made = {}  # (id of the keyframe, what) -> (the keyframe, what was made)

    def _display_lab(self, keyframe):
        _, display = self._references.display(keyframe)
        return srgb_to_lab(np.clip(display, 0.0, 1.0))

    def get(self, keyframe, plate_height, plate_width, key_frame_lightness):
        """The keyframe's KeyChroma for a plate size, with its frame's lightness taken from
        `key_frame_lightness()` (history-size L of the plate at the key's frame) on first use."""
        made_as = (id(keyframe), plate_height, plate_width)
        made = self._made.get(made_as)
        if made is None or made[0] is not keyframe:
            _, display = self._references.display(keyframe)
            chroma = key_chroma(display, plate_height, plate_width, f"keyframe {keyframe.describe()}")
            made = (keyframe, dataclasses.replace(chroma, lightness=key_frame_lightness()))
            self._made[made_as] = made
        return made[1]

    def lightness_chroma(self, keyframe):
        """The keyframe picture's LightnessChroma (the global candidate's table)."""
        made_as = (id(keyframe), "global")
        made = self._made.get(made_as)
        if made is None or made[0] is not keyframe:
            made = (keyframe, LightnessChroma.from_lab(self._display_lab(keyframe)))
            self._made[made_as] = made
        return made[1]

    def clear(self):
        self._made.clear()
