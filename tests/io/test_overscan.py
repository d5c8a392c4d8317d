"""An overscan EXR plate (data window beyond its display window, non-square pixels) through the
real `excolor colorize`: the colour frames and the `--matte` sequence both keep its data and
display windows and pixel aspect, so the matte lies exactly on its frame in a comp."""
import numpy as np
import OpenImageIO as oiio

from tests.support.batch import carphone_frames, excolor, write_reference

DATA = (-8, -6, 160, 120)  # x, y, width, height of the pixels stored
DISPLAY = (0, 0, 144, 108)  # the frame the camera framed
ASPECT = 2.0


def write_overscan_plate(folder, count=3, first=1001):
    """Scene-linear half EXRs of gray carphone frames with DATA, DISPLAY and ASPECT."""
    folder.mkdir(parents=True)
    for offset, frame in enumerate(carphone_frames(count=count, size=(DATA[3], DATA[2]))):
        gray = np.repeat(frame.mean(axis=2, keepdims=True), 3, axis=2) ** 2.2
        spec = oiio.ImageSpec(DATA[2], DATA[3], 3, "half")
        spec.x, spec.y = DATA[:2]
        spec.full_x, spec.full_y, spec.full_width, spec.full_height = DISPLAY
        spec.attribute("PixelAspectRatio", ASPECT)
        output = oiio.ImageOutput.create("openexr")
        assert output.open(str(folder / f"plate.{first + offset}.exr"), spec)
        assert output.write_image(gray.astype(np.float16))
        output.close()
    return folder / "plate.####.exr"


def geometry(path):
    image = oiio.ImageInput.open(str(path))
    spec = image.spec()
    image.close()
    return ((spec.x, spec.y, spec.width, spec.height), (spec.full_x, spec.full_y, spec.full_width, spec.full_height),
            spec.getattribute("PixelAspectRatio"), tuple(spec.channelnames))


def test_frames_and_matte_of_an_overscan_plate_keep_its_windows_and_pixel_aspect(tmp_path, lite_model_dir):
    plate = write_overscan_plate(tmp_path / "plates")
    key = write_reference(tmp_path / "key.png", carphone_frames(count=1, size=(DATA[3], DATA[2]))[0])
    out = tmp_path / "out"
    result = excolor("colorize", plate, out / "c.####.exr", "--reference", key, "--model", lite_model_dir,
                     "--matte", out / "m.####.exr", "-q")
    assert result.returncode == 0, result.stderr
    for frame in (1001, 1003):
        assert geometry(out / f"c.{frame}.exr") == (DATA, DISPLAY, ASPECT, ("R", "G", "B"))
        assert geometry(out / f"m.{frame}.exr") == (DATA, DISPLAY, ASPECT, ("Y",))
