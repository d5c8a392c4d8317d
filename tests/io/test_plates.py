"""Plates of every channel count through the real `excolor colorize`: gray scans (8-bit PNG,
16-bit TIFF), gray + alpha, and RGBA with an extra channel come out as colour with their alpha and
extras as they came, in the input's bit depth."""
import numpy as np
import OpenImageIO as oiio
import pytest
from excolor.io import PixelFormat, read_image, read_reference, write_image
from excolor.io.channels import colour_channel_names, colour_plate, join_plate, split_plate

from tests.support.batch import CARPHONE_REFERENCE, carphone_frames, excolor


def _gray_frames(count=3):
    # Luma of real footage, as a film scanner gives it: one channel.
    frames = carphone_frames(count=count)
    return [(f @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32))[..., None] for f in frames]


def _alpha(shape):
    return np.linspace(0, 1, shape[1], dtype=np.float32)[None, :, None].repeat(shape[0], 0)


def _write_plates(folder, ext, dtype, names, planes):
    folder.mkdir(parents=True, exist_ok=True)
    for n, plane in enumerate(planes, start=1001):
        write_image(folder / f"g.{n}{ext}", plane, PixelFormat(dtype, names), folder)
    return folder / f"g.####{ext}"


def test_channel_mapping_contract():
    y = np.random.default_rng(0).random((4, 5, 1), dtype=np.float32)
    ya = np.concatenate([y, _alpha((4, 5))], axis=2)
    rgb, extras = split_plate(ya)
    assert rgb.shape == (4, 5, 3) and extras.shape == (4, 5, 1)
    assert np.array_equal(rgb[..., 1], y[..., 0]) and np.array_equal(extras, ya[..., 1:])
    assert np.array_equal(colour_plate(ya), join_plate(rgb, extras))
    assert split_plate(y)[1].shape == (4, 5, 0)
    rgbaz = np.random.default_rng(1).random((4, 5, 5)).astype(np.float32)
    assert colour_plate(rgbaz) is rgbaz  # colour already: no copy
    assert colour_channel_names(("Y",)) == ("R", "G", "B")
    assert colour_channel_names(("Y", "A")) == ("R", "G", "B", "A")
    assert colour_channel_names(("R", "G", "B", "A", "Z")) == ("R", "G", "B", "A", "Z")


@pytest.mark.parametrize(
    "ext, dtype, names",
    [(".png", "uint8", ("Y",)), (".tif", "uint16", ("Y",)), (".png", "uint8", ("Y", "A"))],
    ids=["png8-gray", "tiff16-gray", "png8-gray-alpha"],
)
def test_gray_plates_colorize_to_colour(tmp_path, lite_model_dir, ext, dtype, names):
    planes = _gray_frames()
    if len(names) == 2:
        planes = [np.concatenate([p, _alpha(p.shape)], axis=2) for p in planes]
    source = _write_plates(tmp_path / "in", ext, dtype, names, planes)
    assert read_image(str(source).replace("####", "1001"))[0].shape[2] == len(names)
    out = tmp_path / "out" / f"o.####{ext}"
    result = excolor("colorize", source, out, "--reference", CARPHONE_REFERENCE, "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    for n, plane in enumerate(planes, start=1001):
        pixels, fmt = read_image(str(out).replace("####", str(n)))
        assert fmt.channel_names == ("R", "G", "B") + names[1:] and fmt.dtype == dtype
        assert pixels.shape == plane.shape[:2] + (3 + len(names) - 1,)
        assert np.abs(pixels[..., 0] - pixels[..., 2]).max() > 0.01, "colour, not gray"
        if len(names) == 2:
            stored = read_image(str(source).replace("####", str(n)))[0]
            assert np.array_equal(pixels[..., 3], stored[..., 1]), "alpha as it came"


def test_rgba_with_extra_channel_passes_extras_through(tmp_path, lite_model_dir):
    frames = carphone_frames(count=2)
    names = ("R", "G", "B", "A", "Z")
    planes = [np.concatenate([f, _alpha(f.shape), np.full(f.shape[:2] + (1,), 7.5, np.float32)], axis=2)
              for f in frames]
    source = _write_plates(tmp_path / "in", ".exr", "half", names, planes)
    out = tmp_path / "out" / "o.####.exr"
    result = excolor("colorize", source, out, "--reference", CARPHONE_REFERENCE, "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    pixels, fmt = read_image(tmp_path / "out" / "o.1002.exr")
    assert fmt.channel_names == names
    assert np.array_equal(pixels[..., 3:], planes[1][..., 3:].astype(np.float16).astype(np.float32))


def test_gray_reference_reads_as_rgb(tmp_path):
    plane = _gray_frames(1)[0]
    write_image(tmp_path / "ref.tif", plane, PixelFormat("uint16", ("Y",)), tmp_path)
    pixels, fmt = read_reference(tmp_path / "ref.tif")
    assert fmt.channel_names == ("Y",) and pixels.shape == plane.shape[:2] + (3,)


def test_exr_overscan_and_header_come_back(tmp_path, lite_model_dir):
    """A data window at -8,-8 beyond a 224x144 display window, with frame rate, chromaticities,
    pixel aspect, a studio attribute and each frame's timecode: the colorized EXR covers the same
    windows and keeps them, each frame with its own timecode."""
    (tmp_path / "in").mkdir()
    for n, frame in enumerate(carphone_frames(count=2, size=(160, 240)), start=1):
        spec = oiio.ImageSpec(240, 160, 3, "half")
        spec.x = spec.y = -8
        spec.full_x, spec.full_y, spec.full_width, spec.full_height = 0, 0, 224, 144
        spec.attribute("FramesPerSecond", oiio.TypeDesc("rational"), (24, 1))
        spec.attribute("chromaticities", oiio.TypeDesc("float[8]"), (0.713, 0.293, 0.165, 0.830, 0.128, 0.044,
                                                                    0.32168, 0.33767))
        spec.attribute("PixelAspectRatio", 2.0)
        spec.attribute("studio:shot", "ab_010")
        spec.attribute("smpte:TimeCode", oiio.TypeTimeCode, (0x01000000 + n, 0))  # 01:00:00:0n, its own
        image = oiio.ImageOutput.create("exr")
        image.open(str(tmp_path / "in" / f"p.{n}.exr"), spec)
        image.write_image(frame.astype(np.float16))
        image.close()
    result = excolor("colorize", tmp_path / "in" / "p.#.exr", tmp_path / "out" / "o.#.exr", "--reference",
                     CARPHONE_REFERENCE, "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    written = oiio.ImageInput.open(str(tmp_path / "out" / "o.2.exr"))
    spec = written.spec()
    written.close()
    assert (spec.x, spec.y, spec.width, spec.height) == (-8, -8, 240, 160)
    assert (spec.full_x, spec.full_y, spec.full_width, spec.full_height) == (0, 0, 224, 144)
    assert spec.getattribute("FramesPerSecond") == (24, 1) and spec.getattribute("PixelAspectRatio") == 2.0
    assert spec.getattribute("studio:shot") == "ab_010" and spec.getattribute("smpte:TimeCode") == (0x01000002, 0)
    assert np.allclose(spec.getattribute("chromaticities")[:2], (0.713, 0.293))


def test_dpx_header_is_kept(tmp_path):
    spec_fmt = PixelFormat("uint16", ("R", "G", "B"), "dpx", (("oiio:BitsPerSample", 10),),
                           header=(("dpx:InputDevice", "string", "scanner 2"), ("PixelAspectRatio", "float", 1.5)))
    frame = carphone_frames(count=1)[0]
    write_image(tmp_path / "scan.dpx", frame, spec_fmt, tmp_path)
    _, fmt = read_image(tmp_path / "scan.dpx")
    header = {name: value for name, _type, value in fmt.header}
    assert header["dpx:InputDevice"] == "scanner 2" and header["PixelAspectRatio"] == 1.5
    write_image(tmp_path / "again.dpx", frame, fmt, tmp_path)
    again = {name: value for name, _type, value in read_image(tmp_path / "again.dpx")[1].header}
    assert again["dpx:InputDevice"] == "scanner 2"
