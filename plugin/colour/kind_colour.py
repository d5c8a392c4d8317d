"""A frame's colour on a gray plate whose luma kind is known, so that a key painted over it comes back.

A gray plate made from a colour picture holds one kind of that picture's luma
(`excolor.colour.luma.LUMA_KINDS`): Rec.709 or Rec.601 Y', weights of the gamma-encoded R'G'B',
or CIE L*, which is linear-light Y (the XYZ Y row). The node carries chroma as CIELAB a/b; put on
the plate's CIE L, the key's a/b give back the key only where the plate was made as CIE L*, and
the recombine then keeps the config's luma of the encoded values, which no kind but Rec.709 Y'
does. Where a pinned key has told the kind (`excolor.engine.keyframe_colours`), the colour out is
instead the colour of the frame's a/b whose luma of that kind is the plate's: the CIE L the Lab ->
sRGB step takes is solved for per pixel (`kind_lightness`), and the gamut limit keeps that luma
(`kind_recombine`). At the key's frame, with the key's a/b, that colour is the key; every other
frame of the shot takes the same convention, so the key's frame does not stand out of its shot.

Only for plates in display sRGB (the converter works in the model space): a kind is how a
display-referred gray was made. Shapes: plate and colours (H, W, 3) display sRGB float32
(0..1 for in-gamut colours), L (H, W) 0..100, ab (2, H, W) raw a/b.
"""
from __future__ import annotations

import numpy as np

from .management import gamut_limited
from .cielab import XYZ_FROM_RGB, lab_planes_to_srgb, srgb_decode, srgb_encode
from .luma import LUMA_KINDS, LUMA_WEIGHTS

# CIE L* keeps linear-light Y: the XYZ Y row (sums to 1, like the Y' weights).
LINEAR_Y_WEIGHTS = XYZ_FROM_RGB[1].astype(np.float32)
# The solve stops when every pixel's luma is this close to the plate's (0..1 display units; an
# 8-bit step is 1/255 ~ 0.004), or after SOLVE_STEPS secant steps: from the plate's own CIE L,
# coffee's own chroma on its Rec.709 or Rec.601 gray is there in 4-5 steps, another picture's
# (astronaut's, colours a gray was not made from) in 7, float32 rounding left (1e-6).
SOLVE_TOLERANCE = 1e-6
SOLVE_STEPS = 8
# The first secant step's width (L units).
FIRST_STEP = 1.0


def _weighted(values, weights):
    """(H, W) float32 sum_c weights[c] * values[..., c]."""
    out = values[..., 0] * weights[0]
    out += values[..., 1] * weights[1]
    out += values[..., 2] * weights[2]
    return out


def _refuse_kind(kind):
    if kind not in LUMA_KINDS:
        raise ValueError(f"luma kind must be one of {LUMA_KINDS}, got {kind!r}")


def kind_lightness(plate_rgb, l_plate, ab, kind):
    """The CIE L (H, W) float32 0..100 at which the colour of `ab` has the plate's luma of `kind`.

    cie_l: the plate's own L. rec709/rec601: solved per pixel by the secant method from the
    plate's L, on the unclipped colour (whose Y' is smooth in L); L stays in 0..100, so a luma no
    colour of that ab reaches (a saturated blue at the plate's white) ends at the nearest, and the
    recombine's gamut limit makes up the rest.
    """
    _refuse_kind(kind)
    l_plate = np.asarray(l_plate, np.float32)
    if kind == "cie_l":
        return l_plate
    weights = LUMA_WEIGHTS[kind]
    target = _weighted(np.asarray(plate_rgb, np.float32), weights)

    def gap(lightness):
        return _weighted(lab_planes_to_srgb(lightness, ab), weights) - target

    before, gap_before = l_plate, gap(l_plate)
    # Start towards the target (a brighter luma wants a higher L), unless already on it.
    first = np.where(np.abs(gap_before) <= SOLVE_TOLERANCE, 0.0, np.sign(gap_before) * np.float32(FIRST_STEP))
    now = np.clip(before - first, 0.0, 100.0).astype(np.float32)
    for _ in range(SOLVE_STEPS):
        gap_now = gap(now)
        # A pixel stays where it first comes within the tolerance, so its L does not depend on
        # its neighbours (the loop's early end, decided per row band, changes nothing).
        done = np.abs(gap_now) <= SOLVE_TOLERANCE
        if done.all():
            break
        slope = gap_now - gap_before
        moved = now - before
        # Where the gap no longer changes (L pinned at 0 or 100) it stays put as well.
        still = done | (np.abs(slope) < 1e-9)
        step = np.where(still, 0.0, gap_now * moved / np.where(still, 1.0, slope))
        before, gap_before = now, gap_now
        now = np.clip(now - step, 0.0, 100.0).astype(np.float32)
    return now


def kind_recombine(plate_rgb, colour, kind):
    """The plate's luma of `kind` with the colour's chroma: (H, W, 3) float32 display sRGB.

    As `ColourConverter.recombine` in the model space, with the kind's luma instead of the
    config's: rec709/rec601 on the encoded values, cie_l on linear light (where L* is a function
    of Y alone). Out-of-gamut colours lose chroma at that luma (`gamut_limited`); a colour that
    already has the plate's luma and is in gamut comes back as it is.
    """
    _refuse_kind(kind)
    linear = kind == "cie_l"
    weights = LINEAR_Y_WEIGHTS if linear else LUMA_WEIGHTS[kind]
    plate = np.asarray(plate_rgb, np.float32)
    colour = np.asarray(colour, np.float32)
    if linear:
        plate, colour = srgb_decode(plate), srgb_decode(colour)
    weight_sum = np.float32(weights.sum())
    base = _weighted(plate, weights) / weight_sum
    chroma = colour - (_weighted(colour, weights) / weight_sum)[..., None]
    # Take out what luma the offset still carries (rounding), as the config's recombine does.
    chroma -= (_weighted(chroma, weights) / weight_sum)[..., None]
    out = gamut_limited(base, chroma, base <= 1.0)
    return srgb_encode(out) if linear else out


def kind_colour(plate_rgb, l_plate, ab, kind):
    """The finished display colour (H, W, 3) float32 of chroma `ab` on a plate of luma `kind`:
    the colour of `ab` at `kind_lightness`, recombined on the plate's luma of that kind."""
    lightness = kind_lightness(plate_rgb, l_plate, ab, kind)
    return kind_recombine(plate_rgb, lab_planes_to_srgb(lightness, ab), kind)
