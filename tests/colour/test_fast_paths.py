"""The node's per-frame colour path (in-place, planar) equals the reference functions on photos."""
import numpy as np
import pytest
import skimage.data
from excolor.colour import cielab
from excolor.colour.management import ColourConverter, gamut_limited

PHOTOS = ["astronaut", "coffee", "chelsea"]


def photo(name):
    return (getattr(skimage.data, name)()[..., :3] / 255.0).astype(np.float32)


@pytest.mark.parametrize("name", PHOTOS)
def test_lightness_equals_srgb_to_lab_l(name):
    rgb = photo(name)
    rgb[:4, :4] = [-0.02, 1.3, 0.002]  # out-of-range values take the same branches
    expected = cielab.srgb_to_lab(rgb)[..., 0]
    lightness = cielab.srgb_lightness(rgb)
    assert lightness.dtype == np.float32 and lightness.shape == rgb.shape[:2]
    assert np.abs(lightness - expected).max() < 1e-4  # L units, float32 rounding


@pytest.mark.parametrize("name", PHOTOS)
def test_planar_lab_to_srgb_equals_lab_to_srgb(name):
    lab = cielab.srgb_to_lab(photo(name))
    lab[..., 1:] *= 1.6  # push some colours out of gamut: unclipped values must agree too
    planes_l = np.ascontiguousarray(lab[..., 0])
    planes_ab = np.ascontiguousarray(np.moveaxis(lab[..., 1:], -1, 0))
    rgb = cielab.lab_planes_to_srgb(planes_l, planes_ab)
    expected = cielab.lab_to_srgb(lab)
    assert rgb.dtype == np.float32 and rgb.shape == lab.shape
    assert ((expected < 0) | (expected > 1)).any()
    assert np.abs(rgb - expected).max() < 1e-5
    with pytest.raises(ValueError, match="need L"):
        cielab.lab_planes_to_srgb(planes_l, planes_ab[:1])


def _gamut_limited_by_masks(base, chroma, upper_bound):
    """The straightforward statement of gamut_limited (np.where everywhere), for comparison."""
    lowest = chroma.min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(lowest < 0, base / -lowest, np.inf)
        if upper_bound is not None:
            highest = chroma.max(axis=-1)
            k = np.where(upper_bound & (highest > 0), np.minimum(k, (1.0 - base) / highest), k)
    k = np.clip(np.nan_to_num(k, nan=0.0, posinf=1.0), 0.0, 1.0).astype(chroma.dtype)
    out = base[..., None] + k[..., None] * chroma
    out = np.where(base[..., None] >= 0, np.maximum(out, 0.0), out)
    if upper_bound is not None:
        out = np.where((upper_bound & (base <= 1.0))[..., None], np.minimum(out, 1.0), out)
    return out


def test_gamut_limit_equals_the_masked_statement_bit_for_bit():
    rgb = photo("coffee")
    base = (rgb @ np.float32([0.2126, 0.7152, 0.0722])) * np.float32(1.4) - np.float32(0.2)
    chroma = (np.roll(rgb, 9, axis=1) - rgb.mean(axis=-1, keepdims=True)) * np.float32(1.5)
    for upper in (None, base <= 1.0):
        assert np.array_equal(gamut_limited(base, chroma, upper),
                              _gamut_limited_by_masks(base, chroma, upper))


@pytest.mark.parametrize("kind", ["video", "scene_linear"])
def test_recombine_keeps_plate_luma_on_photos(kind):
    converter = ColourConverter(input_kind=kind)
    scale = 4.0 if kind == "scene_linear" else 1.0
    plate = photo("astronaut") * np.float32(scale)
    colorized = np.roll(photo("astronaut"), 11, axis=0) * np.float32(1.1)
    out = converter.recombine(plate, colorized)
    assert out.dtype == np.float32 and (out >= 0).all()
    assert np.abs(converter.luma(out) - converter.luma(plate)).max() < 1e-5 * scale
