"""`excolor colorize` on footage at the edges of what the node takes: plates too small for the
motion step, a saturation past the display's gamut, and pinned keys of nearly (an export
trimmed by two pixels) or clearly (a tiny square) another aspect ratio. Real PNG files written
with OpenCV, the real command in a subprocess."""
import cv2
import numpy as np
import pytest
from excolor.cli.colorize import MAX_SATURATION as CLI_MAX_SATURATION
from excolor.engine.exemplar import MAX_SATURATION
from excolor.engine.node import ColorizeNode

from tests.support.batch import carphone_frames, excolor, files_of


def write_png(path, rgb, size):
    """Write float sRGB `rgb` (H,W,3) 0..1 resized to `size` (width, height) as an 8-bit PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = cv2.resize((rgb * 255 + 0.5).astype(np.uint8), size, interpolation=cv2.INTER_AREA)
    assert cv2.imwrite(str(path), cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
    return path


def write_plates(folder, size, count=3):
    """`count` carphone frames at `size` (width, height) as folder/p.1001.png...; the pattern."""
    for offset, frame in enumerate(carphone_frames(count=count, size=None)):
        write_png(folder / f"p.{1001 + offset}.png", frame, size)
    return folder / "p.####.png"


# 40x13 and 64x14 once crashed the process inside OpenCV's DIS flow.
@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 5), (11, 40), (40, 13), (64, 14)])
def test_a_plate_too_small_for_the_motion_step_is_refused_before_anything_is_written(tmp_path, size):
    plates = write_plates(tmp_path / "in", size)
    key = write_png(tmp_path / "key.png", carphone_frames(count=1, size=None)[0], size)
    result = excolor("colorize", plates, tmp_path / "out" / "o.####.png", "--reference", key,
                     "--reference-frame", "1001")
    assert result.returncode == 3, result.stderr
    assert f"INPUT {plates}: the plate is {size[0]}x{size[1]}" in result.stderr
    assert "at least 16x16" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("size", [(16, 16), (200, 16)])
def test_the_smallest_plates_render(tmp_path, lite_model_dir, size):
    plates = write_plates(tmp_path / "in", size)
    key = write_png(tmp_path / "key.png", carphone_frames(count=1, size=None)[0], size)
    result = excolor("colorize", plates, tmp_path / "out" / "o.####.png", "--reference", key,
                     "--reference-frame", "1001", "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert files_of(tmp_path / "out") == ["o.1001.png", "o.1002.png", "o.1003.png"]


@pytest.mark.parametrize("value", ["1e20", "4.5", "-1", "nan", "inf"])
def test_saturation_outside_its_range_is_a_usage_error(tmp_path, plate, value):
    result = excolor("colorize", plate[0], tmp_path / "out" / "o.####.png", "--reference", plate[1],
                     "--saturation", value)
    assert result.returncode == 2, result.stderr
    assert f"--saturation {float(value)}: must be a number in 0..4" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_node_refuses_the_same_saturations(lite_model_dir):
    assert CLI_MAX_SATURATION == MAX_SATURATION == 4.0
    for value in (1e20, 4.5, -1.0, float("nan")):
        with pytest.raises(ValueError, match=r"saturation must be in 0\.\.4"):
            ColorizeNode(model=lite_model_dir, saturation=value)
    assert ColorizeNode(model=lite_model_dir, saturation=4.0).saturation == 4.0


def test_a_pinned_key_trimmed_by_two_pixels_is_accepted(tmp_path, lite_model_dir):
    plates = write_plates(tmp_path / "in", (160, 120))
    first = carphone_frames(count=1, size=None)[0]
    # The colour frame exported two pixels narrower: 1.25 % off the plate's aspect.
    key = write_png(tmp_path / "key.png", first[:, 1:-1], (158, 120))
    result = excolor("colorize", plates, tmp_path / "out" / "o.####.png", "--reference", key,
                     "--reference-frame", "1001", "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert files_of(tmp_path / "out") == ["o.1001.png", "o.1002.png", "o.1003.png"]


def test_a_tiny_pinned_key_of_another_shape_is_refused(tmp_path, lite_model_dir):
    plates = write_plates(tmp_path / "in", (160, 120))
    key = write_png(tmp_path / "key.png", carphone_frames(count=1, size=None)[0], (4, 4))
    result = excolor("colorize", plates, tmp_path / "out" / "o.####.png", "--reference", key,
                     "--reference-frame", "1001", "--model", lite_model_dir)
    assert result.returncode == 3, result.stderr
    assert "the keyframe is 4x4 but the plate is 160x120" in result.stderr
    assert not (tmp_path / "out").exists()
    # Unpinned, the scan applies the same rule: another shape is not a frame of the shot.
    result = excolor("colorize", plates, tmp_path / "out" / "o.####.png", "--reference", key,
                     "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert "another aspect ratio" in result.stdout + result.stderr
