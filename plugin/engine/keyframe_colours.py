"""A keyframe's colours as the candidates take them, made once per keyframe.

A pinned keyframe is law at its frame and is carried from there to the frames around it: its
chroma at the plate's size (what its frame returns) and at the history size (what motion
carries), with the lightness of the plate at its frame (what that motion is estimated against).
Every keyframe, pinned or not, also gives the global candidate its table: the picture's chroma
by lightness (excolor.engine.global_colour). Pinned keyframes also tell how their shot's gray
plates were made (`KeyChromas.luma_kind`), the convention the finish puts chroma on the plate
with (excolor.colour.kind_colour), so that a key's frame comes back as the key.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..colour.cielab import srgb_to_lab
from ..colour.luma import LUMA_KINDS, lightness_gaps, told_apart
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


# How far a gray plate's channels may stray from each other (display sRGB 0..1): a gray decoded
# from a video's 4:2:0 YUV lands within a code value or two of neutral.
GRAY_SPREAD = 2.5 / 255


def is_gray(plate):
    """Whether `plate` (H, W, C >= 3 float, display sRGB) is gray: its RGB channels within
    GRAY_SPREAD of each other at 99 % of its pixels (a few stray pixels of a graded scan do not
    make it colour)."""
    rgb = np.asarray(plate[..., :3], np.float32)
    spread = rgb.max(axis=-1) - rgb.min(axis=-1)
    return float(np.percentile(spread, 99)) <= GRAY_SPREAD


class KeyChromas:
    """Per keyframe, made once: its KeyChroma per plate size (see `key_chroma`), the
    LightnessChroma of its picture (the global candidate's table, pinned or not) and, pinned,
    how far each luma kind of its picture is from its frame's plate (`luma_kind`).

    references: the node's excolor.engine.references.ReferenceBank (the keyframe's display image);
    display_plates: the plates are display sRGB (the node's ColourConverter works in the model
    space), the only plates a luma kind is told for.
    """

    def __init__(self, references, display_plates):
        self._references = references
        self._display_plates = display_plates
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

    def luma_kind(self, shot, plate_at):
        """The luma kind (excolor.colour.luma.LUMA_KINDS) the shot's gray plates were made with,
        as its pinned keyframes tell it together (`told_apart` of their gaps summed), or None:
        no pinned keyframe, kinds not told apart, plates that are not display sRGB, or a key's
        plate that is not gray (colour plates coloured again were made with no luma). None
        keeps the finish's CIE L convention. plate_at(frame) -> the Plate of a frame
        (excolor.engine.plates), pulled once per pinned keyframe for its full-size lightness.
        """
        pinned = [keyframe for keyframe in shot.keyframes if keyframe.frame is not None]
        if not pinned or not self._display_plates:
            return None
        totals = dict.fromkeys(LUMA_KINDS, 0.0)
        for keyframe in pinned:
            made_as = (id(keyframe), "luma gaps")
            made = self._made.get(made_as)
            if made is None or made[0] is not keyframe:
                _, display = self._references.display(keyframe)
                full = plate_at(keyframe.frame).full
                made = (keyframe, lightness_gaps(display, full.lightness_on_host()) if is_gray(full.plate) else None)
                self._made[made_as] = made
            if made[1] is None:
                return None
            for kind, gap in made[1].items():
                totals[kind] += gap
        return told_apart(totals)

    def clear(self):
        self._made.clear()
