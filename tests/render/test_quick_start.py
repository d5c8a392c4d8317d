"""The README's Quick start command, as written there, on the sample's first 12 frames: the
reference (the true colour of frame 0) is found as frame 0 with no --reference-frame, said on
stderr, and frame 0 of the video comes out in the reference's colours."""
import shlex
import subprocess
import sys

import cv2
import numpy as np
from excolor.colour.cielab import srgb_to_lab
from excolor.io import open_input, read_reference

from tests.support.batch import CARPHONE_REFERENCE, ROOT


def quick_start_command():
    """The `excolor colorize ...` of the README's main command, as argv."""
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- main-command -->", 1)[1].split("```", 2)[1]
    command = block.strip().split("&& ", 1)[1]
    return shlex.split(command)


def chroma(display):
    """(H,W,3) display sRGB 0..1 -> its CIELAB ab, blurred to the scale at which a 4:2:0 H.264
    video keeps colour (chroma at half resolution, quantised)."""
    return cv2.GaussianBlur(srgb_to_lab(np.clip(display, 0, 1))[..., 1:], (0, 0), 2)


def test_quick_start_finds_frame_0_and_gives_it_the_references_colours(tmp_path):
    argv = quick_start_command()
    assert argv[:2] == ["excolor", "colorize"] and "--reference-frame" not in argv
    # The sample's paths are the repository's; what the command writes goes to tmp_path.
    argv = [str(ROOT / arg) if arg.startswith("plugin/") else arg for arg in argv[1:]]
    done = subprocess.run([sys.executable, "-m", "excolor", *argv, "--frames", "0-11"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert ("excolor colorize: shot 1 (frames 0-11): carphone_reference.png pinned to frame 0 (similarity 1.000, "
            in done.stderr)
    video = open_input(tmp_path / "carphone_colorized.mp4")
    try:
        assert (video.first, video.last) == (0, 11)
        frame0 = video.read(0)
    finally:
        video.close()
    reference, _format = read_reference(CARPHONE_REFERENCE)
    error = np.hypot(*np.moveaxis(chroma(frame0) - chroma(reference), -1, 0)).mean()
    assert error < 2.0  # unpinned, as the command rendered before it found frames: 3.2
    assert (tmp_path / "carphone_sheet.png").is_file()
