"""A reference far larger than the plates is reduced as it is decoded (excolor.io.read_reference's
`cover`): an 8000x8000 PNG key with 160x120 plates renders in a fraction of the memory its
floats would take, and as the same picture reduced beforehand renders. A picture less than
twice the plates' size is kept whole."""
import subprocess
import sys

import cv2
import numpy as np
import pytest
from excolor.io import read_image, read_reference
from excolor.io.image import reduced_size

from tests.support.batch import CARPHONE, CARPHONE_REFERENCE

PLATE = (120, 160)  # (height, width)
# An 8000x8000 RGB key is 768 MB as float32 and took over 6 GB to render before it was reduced.
MOST_MEMORY_KB = 1_500_000


def test_the_size_read_covers_the_plates_and_keeps_pictures_under_twice_their_size():
    assert reduced_size((8000, 8000), PLATE) == (160, 160)
    assert reduced_size((4000, 6000), PLATE) == (120, 180)
    assert reduced_size((239, 319), PLATE) == (239, 319)  # less than twice: kept whole
    assert reduced_size((8000, 8000), None) == (8000, 8000)


def test_a_16_bit_picture_is_averaged_as_it_is_read(tmp_path):
    rows = np.repeat(np.array([0, 65535], np.uint16), 200)[:, None, None]
    picture = np.broadcast_to(rows, (400, 640, 3)).copy()  # top half black, bottom half white
    cv2.imwrite(str(tmp_path / "big.png"), picture)
    pixels, pixel_format = read_reference(tmp_path / "big.png", cover=PLATE)
    assert pixel_format.dtype == "uint16" and pixels.shape == (120, 192, 3)
    assert np.array_equal(pixels[:60], np.zeros((60, 192, 3))) and np.array_equal(pixels[60:], np.ones((60, 192, 3)))


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """The plates (the sample's first frames at 160x120), the sample's reference scaled up to an
    8000x8000 PNG, and that PNG reduced beforehand to the size it is read at."""
    folder = tmp_path_factory.mktemp("large")
    capture = cv2.VideoCapture(str(CARPHONE))
    for number in range(4):
        ok, frame = capture.read()
        assert ok
        cv2.imwrite(str(folder / f"plate.{number:04d}.png"), cv2.resize(frame, PLATE[::-1], interpolation=cv2.INTER_AREA))
    capture.release()
    big = cv2.resize(cv2.imread(str(CARPHONE_REFERENCE)), (8000, 8000), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(str(folder / "big.png"), big, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    small = cv2.resize(big, reduced_size(big.shape[:2], PLATE)[::-1], interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(folder / "small.png"), small)
    return folder


def _render(folder, reference, out, model):
    """Render the plates from `reference` (never pinned: it has another aspect); returns the
    frames and the command's peak resident memory in kB."""
    command = [sys.executable, "-m", "excolor", "colorize", str(folder / "plate.####.png"),
               str(out / "c.####.png"), "--reference", str(folder / reference), "--reference-frame", "none",
               "--model", str(model), "--threads", "1", "--io-threads", "0"]
    # A parent of its own, so that the children's peak is this command's alone.
    measure = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(done.returncode)")
    done = subprocess.run([sys.executable, "-c", measure, *command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [read_image(out / f"c.{n:04d}.png")[0] for n in range(4)], int(done.stdout.split()[-1])


@pytest.mark.slow
def test_an_8000_pixel_key_renders_in_little_memory_as_its_reduced_picture_does(tmp_path, keys, lite_model_dir):
    from_big, peak_kb = _render(keys, "big.png", tmp_path / "big", lite_model_dir)
    from_small, _peak = _render(keys, "small.png", tmp_path / "small", lite_model_dir)
    assert peak_kb < MOST_MEMORY_KB
    for big, small in zip(from_big, from_small):
        assert np.abs(big - small).max() <= 1 / 255 + 1e-6
