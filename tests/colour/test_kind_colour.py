"""excolor.colour.kind_colour on real pictures: a key's chroma put back on the 8-bit gray made from
it gives the key, whichever luma kind made the gray; any chroma keeps the plate's luma of that
kind; and row bands give the same bytes as one pass.

Pictures: scikit-image's coffee (saturated) and carphone's first frame (near-neutral), 8-bit.
"""
import cv2
import numpy as np
import pytest

from excolor.colour.cielab import lab_planes_to_srgb, srgb_decode, srgb_lightness, srgb_to_lab
from excolor.colour.kind_colour import LINEAR_Y_WEIGHTS, kind_colour
from excolor.colour.luma import LUMA_KINDS, LUMA_WEIGHTS
from excolor.colour.management import ColourConverter

from tests.colour.test_luma import gray_made, picture


def gray_plate(rgb8, kind):
    """The 8-bit gray of the picture made the `kind` way, as a (H,W,3) display plate."""
    return np.repeat(gray_made(rgb8, kind)[..., None], 3, axis=2)


def chroma_of(rgb):
    return np.ascontiguousarray(np.moveaxis(srgb_to_lab(rgb)[..., 1:], -1, 0))


def other_chroma(shape):
    """The a/b (2,H,W) of another picture (astronaut) at a (H,W,...) size."""
    return chroma_of(cv2.resize(picture("astronaut"), shape[1::-1], interpolation=cv2.INTER_AREA).astype(np.float32) / 255)


def errors_8bit(image, rgb8):
    """|image - key| in 8-bit steps (N,3) on the key's pixels with no channel at 0 or 255: one
    there has no room for its gray's rounding (a luma rounded up from 253.6 to 254 under a
    channel at 255 can only be had by giving up chroma), 0.4 % of carphone's, 1.6 % of coffee's."""
    inside = (rgb8.min(axis=2) > 0) & (rgb8.max(axis=2) < 255)
    return np.abs(np.rint(np.clip(image, 0, 1) * 255) - rgb8.astype(np.float32))[inside]


@pytest.mark.parametrize("name", ["coffee", "carphone"])
@pytest.mark.parametrize("kind", LUMA_KINDS)
def test_a_key_comes_back_from_the_gray_made_from_it(name, kind):
    rgb8 = picture(name)
    rgb = rgb8.astype(np.float32) / 255
    plate = gray_plate(rgb8, kind)
    image = kind_colour(plate, srgb_lightness(plate), chroma_of(rgb), kind)
    error = errors_8bit(image, rgb8)
    # One 8-bit step at most: the gray's own rounding.
    assert error.max() <= 1 and error.mean() < 0.1, (error.max(), error.mean())


@pytest.mark.parametrize("kind", ["rec601", "cie_l"])
def test_the_cie_l_convention_misses_the_key(kind):
    """What the finish does without a kind (the key's ab on the plate's CIE L, recombined on the
    config's Rec.709 luma) misses a Rec.601 or CIE L* gray's key by many 8-bit steps."""
    rgb8 = picture("coffee")
    rgb = rgb8.astype(np.float32) / 255
    plate = gray_plate(rgb8, kind)
    image = ColourConverter().recombine(plate, lab_planes_to_srgb(srgb_lightness(plate), chroma_of(rgb)))
    error = errors_8bit(image, rgb8)
    assert error.max() >= 8 and error.mean() > 1, (error.max(), error.mean())


@pytest.mark.parametrize("kind", LUMA_KINDS)
def test_any_chroma_keeps_the_plates_luma_of_its_kind(kind):
    """Another picture's chroma on coffee's gray: the output's luma of the kind is the gray's (Y'
    of the encoded values, or linear Y for CIE L*), out-of-gamut colours losing chroma instead;
    every channel stays in 0..1."""
    rgb8 = picture("coffee")
    plate = gray_plate(rgb8, kind)
    image = kind_colour(plate, srgb_lightness(plate), other_chroma(rgb8.shape), kind)
    assert image.min() >= 0.0 and image.max() <= 1.0
    if kind == "cie_l":
        got, want = srgb_decode(image) @ LINEAR_Y_WEIGHTS, srgb_decode(plate[..., 0])
    else:
        got, want = image @ LUMA_WEIGHTS[kind], plate[..., 0]
    np.testing.assert_allclose(got, want, atol=2e-6)
    # The chroma is there: most pixels are far from gray.
    assert np.mean(np.ptp(image, axis=2) > 0.05) > 0.5


@pytest.mark.parametrize("kind", LUMA_KINDS)
def test_row_bands_give_the_same_bytes(kind):
    """Each pixel's solve stops on its own: the node's row bands do not change a byte."""
    rgb8 = picture("coffee")
    plate = gray_plate(rgb8, kind)
    lightness = srgb_lightness(plate)
    ab = other_chroma(rgb8.shape)
    whole = kind_colour(plate, lightness, ab, kind)
    cut = 137
    bands = np.concatenate([kind_colour(plate[:cut], lightness[:cut], ab[:, :cut], kind),
                            kind_colour(plate[cut:], lightness[cut:], ab[:, cut:], kind)])
    assert whole.tobytes() == bands.tobytes()


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="rec2020"):
        kind_colour(np.zeros((2, 2, 3), np.float32), np.zeros((2, 2), np.float32),
                    np.zeros((2, 2, 2), np.float32), "rec2020")
