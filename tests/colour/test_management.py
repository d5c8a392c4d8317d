"""ColourConverter on real images: luma kept exactly (HDR above 1 included), chroma gamut-limited."""
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest
import skimage.data
from excolor.colour import cielab
from excolor.colour.management import ColourConverter, input_kind_for, load_config
from excolor.errors import InputError, UsageError

DATA = Path(__file__).resolve().parents[1] / "data"
HDR_FILES = ["hdr_courtyard.exr", "hdr_sunset.exr"]
# Luma must match to float precision: float32 output, so a few ulps of the largest channel.
LUMA_RTOL = 1e-6


def read_exr(name: str) -> np.ndarray:
    pixels = oiio.ImageBuf(str(DATA / name)).get_pixels(oiio.FLOAT)
    return np.ascontiguousarray(pixels[..., :3], dtype=np.float32)


def photo(name: str) -> np.ndarray:
    return (getattr(skimage.data, name)()[..., :3] / 255.0).astype(np.float32)


def gray_like(converter: ColourConverter, image: np.ndarray) -> np.ndarray:
    """A black-and-white plate: every channel set to the image's luma."""
    return np.repeat(converter.luma(image)[..., None], 3, axis=-1).astype(np.float32)


def colorize_like_network(converter: ColourConverter, plate: np.ndarray, colour_source: np.ndarray, boost=1.0):
    """What the node does: the plate's display L with ab taken from a colour image (a real photo's)."""
    lab = cielab.srgb_to_lab(converter.to_display(plate))
    lab[..., 1:] = cielab.srgb_to_lab(converter.to_display(colour_source))[..., 1:] * boost
    return cielab.lab_to_srgb(lab)


def relative_luma_error(converter, plate, out):
    y_plate, y_out = converter.luma(plate), converter.luma(out)
    scale = np.maximum(np.abs(out).max(axis=-1), 1e-3)
    return np.abs(y_out - y_plate) / scale


def chroma_of(converter, image):
    image = np.asarray(image, dtype=np.float64)
    return image - (converter.luma(image) / converter.luma_coefficients.sum())[..., None]


@pytest.mark.parametrize("name", HDR_FILES)
def test_hdr_scene_linear_luma_is_exact_and_channels_stay_positive(name):
    converter = ColourConverter(input_kind="scene_linear")
    assert converter.input_space == "Linear Rec.709 (sRGB)" and not converter.display_referred
    hdr = read_exr(name)
    plate = gray_like(converter, hdr)
    assert (converter.luma(plate) > 1).mean() > 0.1, "the fixture must really be HDR"
    for boost in (1.0, 4.0):  # 4x the real chroma drives many pixels out of gamut
        out = converter.recombine(plate, colorize_like_network(converter, plate, hdr, boost))
        assert out.dtype == np.float32 and out.shape == plate.shape
        assert relative_luma_error(converter, plate, out).max() < LUMA_RTOL
        bright = converter.luma(plate) > 2
        assert np.abs(converter.luma(out)[bright] / converter.luma(plate)[bright] - 1).max() < LUMA_RTOL
        assert out.min() >= -1e-7
        assert out.max() > 2, "HDR values are kept, not clipped"
    # Colour really arrives.
    assert np.abs(chroma_of(converter, out)).mean() > 0.01


def test_display_referred_video_stays_in_range_without_per_channel_clipping():
    converter = ColourConverter()  # 8-bit video default: sRGB, identity to the network's space
    assert converter.display_referred and converter.input_space == converter.model_space
    source = photo("coffee")
    plate = gray_like(converter, source)
    colorized = colorize_like_network(converter, plate, source, boost=3.0)
    out = converter.recombine(plate, colorized)
    assert relative_luma_error(converter, plate, out).max() < LUMA_RTOL
    assert out.min() >= -1e-7 and out.max() <= 1 + 1e-6
    # Chroma keeps its direction (hue) and only shrinks: out's chroma = k * colorized chroma, k in [0, 1].
    wanted, got = chroma_of(converter, colorized), chroma_of(converter, out)
    norm = (wanted * wanted).sum(-1)
    k = (got * wanted).sum(-1) / np.maximum(norm, 1e-12)
    strong = norm > 1e-4
    assert np.abs(got - k[..., None] * wanted)[strong].max() < 1e-5
    assert k[strong].min() >= -1e-5 and k[strong].max() <= 1 + 1e-5
    limited = strong & (k < 0.999)
    assert limited.mean() > 0.05, "the boost must drive pixels out of gamut for this test to mean anything"
    # Where chroma was reduced, it was reduced only as far as needed: a channel sits on 0 or 1.
    touching = (out[limited].min(-1) < 1e-5) | (out[limited].max(-1) > 1 - 1e-5)
    assert touching.all()
    # In gamut, the colorized chroma arrives unchanged.
    assert np.abs(got - wanted)[strong & (k > 0.99999)].max() < 1e-5


def test_colour_plate_and_its_own_colours_round_trip():
    video = ColourConverter()
    plate = photo("astronaut")
    assert np.abs(video.recombine(plate, video.to_display(plate)) - plate).max() < 1e-5
    # Scene-linear: every pixel comes back, highlights far above 1 included, because the display
    # image rolls highlights off by scaling (chromaticity kept) and recombine works on chromaticity.
    linear = ColourConverter(input_kind="scene_linear")
    for name in HDR_FILES:
        hdr = read_exr(name)
        out = linear.recombine(hdr, linear.to_display(hdr))
        error = np.abs(out - hdr).max(-1) / np.maximum(linear.luma(hdr), 0.01)
        assert np.percentile(error, 99.9) < 2e-4 and error.max() < 5e-3
    # A gray result (no chroma from the network) gives back the plate's gray, HDR values intact.
    gray = gray_like(linear, hdr)
    back = linear.recombine(gray, linear.to_display(gray))
    assert np.abs(back - gray).max() <= 1e-6 * gray.max()


def test_hdr_highlights_receive_colour():
    hdr = read_exr("hdr_courtyard.exr")  # a sky 1.5 to 20 times brighter than diffuse white
    chroma = {}
    for knee in (0.8, None):
        converter = ColourConverter(input_kind="scene_linear", highlight_knee=knee)
        plate = gray_like(converter, hdr)
        out = converter.recombine(plate, colorize_like_network(converter, plate, hdr))
        bright = converter.luma(plate) > 1.5
        assert bright.mean() > 0.2
        chroma[knee] = np.abs(chroma_of(converter, out)[bright]).mean() / converter.luma(plate)[bright].mean()
    true_chroma = np.abs(chroma_of(converter, hdr)[bright]).mean() / converter.luma(plate)[bright].mean()
    # Rolled off, the network sees the sky and its colour arrives; clipped, the sky stays white.
    assert chroma[0.8] > 0.6 * true_chroma
    assert chroma[None] < 0.01 * true_chroma


def test_to_display_is_what_the_network_expects():
    converter = ColourConverter(input_kind="scene_linear")
    hdr = read_exr("hdr_courtyard.exr")
    display = converter.to_display(hdr)
    assert display.dtype == np.float32 and display.min() >= 0 and display.max() <= 1
    below_knee = hdr.max(-1) < converter.highlight_knee
    np.testing.assert_allclose(display[below_knee], cielab.srgb_encode(hdr[below_knee]), atol=2e-5)
    # Highlights are rolled off, not clipped: brighter stays brighter on the display.
    gray = gray_like(converter, hdr)
    order = np.argsort(gray[..., 0].ravel())
    shown = converter.to_display(gray)[..., 0].ravel()[order]
    assert (np.diff(shown) >= -1e-6).all() and (shown < 1).all()


def test_acescg_input_and_a_host_config_file(tmp_path):
    hdr = read_exr("hdr_courtyard.exr")
    builtin = ColourConverter(input_kind="scene_linear")
    # The same built-in config handed over as a host's file gives the same converter.
    path = tmp_path / "host.ocio"
    path.write_text(load_config(None).serialize())
    from_file = ColourConverter(path, "lin_rec709", input_kind="scene_linear")
    plate = gray_like(builtin, hdr)
    colorized = colorize_like_network(builtin, plate, hdr)
    np.testing.assert_array_equal(from_file.recombine(plate, colorized), builtin.recombine(plate, colorized))
    # ACEScg plates: luma kept with the config's coefficients, values > 1 included.
    aces = ColourConverter(None, "ACEScg", input_kind="scene_linear")
    assert aces.input_space == "ACEScg"
    out = aces.recombine(plate, colorized)
    assert relative_luma_error(aces, plate, out).max() < LUMA_RTOL and out.min() >= -1e-7
    np.testing.assert_allclose(aces.luma_coefficients, load_config(None).getDefaultLumaCoefs())


def test_host_config_without_an_srgb_space_goes_through_interchange(tmp_path):
    # A studio-style config with only ACES2065-1 and a linear Rec.709 space: the network's sRGB
    # space is reached through the aces_interchange role and OCIO's built-in config.
    to_rec709 = load_config(None).getProcessor("ACES2065-1", "lin_rec709").createGroupTransform()[0].getMatrix()
    inverse = np.linalg.inv(np.array(to_rec709).reshape(4, 4)).ravel()
    matrix = ", ".join(repr(float(v)) for v in inverse)
    path = tmp_path / "studio.ocio"
    path.write_text(
        "ocio_profile_version: 2\n"
        "luma: [0.2126, 0.7152, 0.0722]\n"
        "roles: {default: ACES2065-1, scene_linear: plate_linear, aces_interchange: ACES2065-1}\n"
        "displays: {srgb: [!<View> {name: raw, colorspace: ACES2065-1}]}\n"
        "colorspaces:\n"
        "  - !<ColorSpace> {name: ACES2065-1, encoding: scene-linear}\n"
        "  - !<ColorSpace>\n"
        "    name: plate_linear\n"
        "    encoding: scene-linear\n"
        f"    to_scene_reference: !<MatrixTransform> {{matrix: [{matrix}]}}\n"
    )
    studio = ColourConverter(path, input_kind="scene_linear")
    assert studio.input_space == "plate_linear" and "built-in" in studio.model_space
    builtin = ColourConverter(input_kind="scene_linear")
    hdr = read_exr("hdr_sunset.exr")
    np.testing.assert_allclose(studio.to_display(hdr), builtin.to_display(hdr), atol=1e-5)
    plate = gray_like(builtin, hdr)
    colorized = colorize_like_network(builtin, plate, hdr)
    out = studio.recombine(plate, colorized)
    assert relative_luma_error(studio, plate, out).max() < LUMA_RTOL
    np.testing.assert_allclose(out, builtin.recombine(plate, colorized), atol=1e-4 * hdr.max())


def test_errors_name_the_problem_and_the_choices(tmp_path):
    with pytest.raises(UsageError, match="Linear Rec.709") as error:
        ColourConverter(None, "Linear sRGB please")
    assert "'Linear sRGB please'" in str(error.value) and "ACEScg" in str(error.value)
    with pytest.raises(InputError, match="missing.ocio"):
        ColourConverter(tmp_path / "missing.ocio")
    broken = tmp_path / "broken.ocio"
    broken.write_text("this is not: [an ocio config")
    with pytest.raises(InputError, match="broken.ocio"):
        ColourConverter(broken)
    with pytest.raises(UsageError, match="cg-config-latest"):
        ColourConverter("ocio://no-such-config")
    with pytest.raises(UsageError, match="scene_linear"):
        ColourConverter(input_kind="exr")
    converter = ColourConverter()
    rgba = np.zeros((4, 5, 4), np.float32)
    with pytest.raises(InputError, match="alpha"):
        converter.recombine(rgba, rgba)
    with pytest.raises(InputError, match="differ"):
        converter.recombine(np.zeros((4, 5, 3), np.float32), np.zeros((5, 4, 3), np.float32))


def test_input_kind_follows_the_file_type():
    assert input_kind_for("shot/plate.1001.exr") == "scene_linear"
    assert input_kind_for("clip.MP4") == "video"
    assert input_kind_for("scan.0001.dpx") == "video"
