"""How a colour picture's lightness was made, and lightness signatures to compare pictures by.

A colorist's key and the gray plate it colours share their lightness, but the key's gray can
have been made several ways, and the key exported another way than the plate: its luma may be
Rec.709 or Rec.601 Y' (weighted gamma-encoded R'G'B') or CIE L*; it may carry a mild grade, be a
smaller or larger export of the same framing, JPEG-compressed, 8-bit or float. `LUMA_KINDS`
names the three lightnesses; `lightness_of(display_rgb, kind)` makes one, and
`lightness_gaps` and `matching_lightness` say which kind a colour picture's gray is closest to,
`told_apart` whether it is clearly that kind (the finish's convention for a shot,
excolor.colour.kind_colour); `LightnessSignature` reduces a lightness to a small normalised
picture whose correlation with another is high only for the same framing (insensitive to size, compression and mild grades,
which change neither the picture's shapes nor the order of its tones).

Every lightness here is CIE L (0..100) of a gray of that luma, so the three kinds and a gray
plate's own lightness are on one scale.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from .cielab import srgb_to_lab

# Luma weights of gamma-encoded R'G'B' (ITU-R BT.709 and BT.601).
LUMA_WEIGHTS = {
    "rec709": np.array([0.2126, 0.7152, 0.0722], np.float32),
    "rec601": np.array([0.299, 0.587, 0.114], np.float32),
}
LUMA_KINDS = ("rec709", "rec601", "cie_l")

# A signature's long side (pixels): the framing's shapes, nothing of its fine texture, which
# resizing and compression change. Cut at this size, a pixel is ~1/64 of the picture. With the
# blur below, true matches of keys re-exported (3/4 or 1.5x size, JPEG 60, mild grades) score
# 0.9956 or more and the references of other framings measured at most 0.728
# (excolor.engine.reference_frames.SURE_SIMILARITY): a gap wide enough that neither needed tuning.
SIGNATURE_SIDE = 64
# Blur (in signature pixels) before comparing: a shift by a fraction of a pixel, as a resize
# of another size rounds, must not change the correlation.
SIGNATURE_BLUR = 0.8
# How much further every other kind must be than the closest for a picture to tell how a gray
# was made (`told_apart`). An 8-bit gray of the picture itself misses its own kind by ~0.1 L and
# the others by 2.4x that on carphone's near-neutral frames, 7x or more on colourful photographs;
# the bundled sample's key against its compressed gray plate scores 0.70 / 0.83 / 0.93 L, and a
# JPEG 85 export of carphone 0.82 / 0.90 / 0.97: kinds that close reproduce the gray alike.
TOLD_APART = 2.0


def gray_lightness(gray):
    """Display values of a gray (H,W) 0..1 -> CIE L (H,W) float32 0..100."""
    gray = np.clip(np.asarray(gray, np.float32), 0.0, 1.0)
    return srgb_to_lab(np.repeat(gray[..., None], 3, axis=-1))[..., 0]


def lightness_of(display_rgb, kind):
    """(H,W,3) display sRGB 0..1 -> (H,W) float32 L 0..100 of the gray made the `kind` way
    (one of LUMA_KINDS): a Y' weighting of the gamma-encoded channels, or CIE L* itself."""
    rgb = np.clip(np.asarray(display_rgb, np.float32), 0.0, 1.0)
    if kind == "cie_l":
        return srgb_to_lab(rgb)[..., 0]
    if kind not in LUMA_WEIGHTS:
        raise ValueError(f"luma kind must be one of {LUMA_KINDS}, got {kind!r}")
    return gray_lightness(rgb @ LUMA_WEIGHTS[kind])


def signature_size(height, width):
    """(h, w) of the signature of a picture of (height, width): long side SIGNATURE_SIDE."""
    scale = SIGNATURE_SIDE / max(height, width)
    return max(4, round(height * scale)), max(4, round(width * scale))


def shrink(image, height, width):
    """(H,W[,C]) float32 -> (height,width[,C]) by area averaging (what a smaller export does)."""
    image = np.ascontiguousarray(image, np.float32)
    if image.shape[:2] == (height, width):
        return image
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


@dataclasses.dataclass(frozen=True, eq=False)
class LightnessSignature:
    """A lightness reduced for comparison: `values` (h,w) float32, zero mean and unit norm
    after blurring, and `gradients` (2,h,w) float32, its blurred x and y differences, also of
    unit norm (shapes are in the edges; a picture of another framing with a similar tonal
    layout correlates in `values`, far less in `gradients`)."""

    values: np.ndarray
    gradients: np.ndarray

    @classmethod
    def of(cls, lightness, size=None):
        """From a lightness (H,W) L 0..100 at any size; `size` (h, w) the signature's (default
        signature_size of the lightness)."""
        height, width = size or signature_size(*np.shape(lightness))
        small = cv2.GaussianBlur(shrink(lightness, height, width), (0, 0), SIGNATURE_BLUR,
                                 borderType=cv2.BORDER_REFLECT)
        values = _unit(small - small.mean(dtype=np.float64))
        gradients = np.stack([np.gradient(small, axis=1), np.gradient(small, axis=0)])
        return cls(values, _unit(gradients))

    def similarity(self, other):
        """Correlation of two signatures of one size: the lesser of the values' and the
        gradients' (-1..1; 1 for the same picture)."""
        if self.values.shape != other.values.shape:
            raise ValueError(f"signatures of sizes {self.values.shape} and {other.values.shape} do not compare")
        return min(float(np.vdot(self.values, other.values)), float(np.vdot(self.gradients, other.gradients)))


def _unit(array):
    norm = float(np.linalg.norm(array))
    return (array / norm if norm > 1e-6 else np.zeros_like(array)).astype(np.float32)


def lightness_gaps(display_rgb, lightness):
    """{kind: mean absolute difference in L units} of each of the LUMA_KINDS between its
    lightness of the colour picture `display_rgb` (H,W,3 display sRGB 0..1) and a gray picture's
    `lightness` (h,w L 0..100) of the same framing, compared at the smaller of the two sizes."""
    height = min(np.shape(lightness)[0], np.shape(display_rgb)[0])
    width = min(np.shape(lightness)[1], np.shape(display_rgb)[1])
    target = shrink(lightness, height, width)
    colour = shrink(display_rgb, height, width)
    return {kind: float(np.abs(lightness_of(colour, kind) - target).mean()) for kind in LUMA_KINDS}


def matching_lightness(display_rgb, lightness):
    """(kind, mean absolute difference in L units) of the LUMA_KINDS whose lightness of the
    colour picture `display_rgb` (H,W,3 display sRGB 0..1) is closest to a gray picture's
    `lightness` (h,w L 0..100) of the same framing (`lightness_gaps`; the first kind on a tie).

    Told apart by the picture's coloured parts: on colourful pictures (skimage's photographs,
    carphone, bigbuckbunny) each kind is found for a gray made that way, with the colour picture
    as is, at 3/4 or 1.5x size or JPEG 85 (differences 0.06..0.14 L as is, up to 1.06 L after
    JPEG). On a near-neutral one the kinds differ by less than the gray's 8-bit rounding and
    any may come out (there, any reproduces the gray as well); a mild grade (gamma 1.1) moves
    the lightness ~3 L, more than the kinds differ, so a graded picture's kind is a guess.
    """
    gaps = lightness_gaps(display_rgb, lightness)
    best = min(LUMA_KINDS, key=lambda kind: gaps[kind])
    return best, gaps[best]


def told_apart(gaps):
    """The kind of `gaps` ({kind: gap} as `lightness_gaps` gives, or summed over several
    pictures) that every other kind misses by at least TOLD_APART times as much, or None.

    None where the kinds are not told apart: a near-neutral picture, a graded or recompressed
    one, or one that is not that gray's picture at all (all gaps alike).
    """
    best = min(LUMA_KINDS, key=lambda kind: gaps[kind])
    others = min(gaps[kind] for kind in LUMA_KINDS if kind != best)
    return best if others >= TOLD_APART * gaps[best] else None
