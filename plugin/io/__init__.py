"""Reading and writing frames: video files (PyAV) and image sequences (OpenImageIO).

    reader = open_input("plates/shot.####.exr")   # or "clip.mp4"
    reader.first, reader.last                     # frame numbers as on disk (video: 0-based)
    pixels = reader.read(1001)                    # float32 HxWxC, integer files scaled to 0..1;
                                                  # gray frames as R = G = B (excolor.io.channels)

Readers share: first, last, width, height, pixel_format (PixelFormat), kind ("video" |
"sequence"), name, fps (video: Fraction; sequence: None), read(n), missing(a, b), close().
Every failure is an excolor.errors.InputError / OutputError that names the file and frame.
A video OUTPUT's pixel format and profile come from `choose_pixel_format` (pixel_formats.py);
what it keeps of an input video besides the pictures (audio, timecode, tags) is video_streams.py,
its frames' timestamps video_timing.py. Lines native libraries print on stderr around a read
(libpng's) are held back by native_messages.py.
"""
import warnings
from pathlib import Path

from ..errors import InputError
from .channels import finite_colour, split_plate
from .image import FORMATS, PixelFormat, check_holds, read_image, write_image
from .pixel_formats import EncoderFormat, choose_pixel_format
from .sequence import SequencePattern, SequenceReader, SequenceWriter, ranges_text
from .video import CRF_RANGES, PRESET_CODECS, VIDEO_EXTENSIONS, VideoOptions, VideoReader, VideoWriter, is_video_path

__all__ = [
    "FORMATS",
    "EncoderFormat",
    "PixelFormat",
    "SequencePattern",
    "SequenceReader",
    "SequenceWriter",
    "VIDEO_EXTENSIONS",
    "CRF_RANGES",
    "PRESET_CODECS",
    "VideoOptions",
    "VideoReader",
    "VideoWriter",
    "check_holds",
    "choose_pixel_format",
    "describe_kind",
    "is_video_path",
    "open_input",
    "ranges_text",
    "read_image",
    "read_reference",
    "write_image",
]


def describe_kind(path):
    """"video", "sequence" or "image" for a path given on the command line (by its name)."""
    if is_video_path(path):
        return "video"
    if SequencePattern.parse(path) is not None:
        return "sequence"
    return "image"


def open_input(path):
    """A reader for a video file or an image sequence (see module docstring)."""
    kind = describe_kind(path)
    if kind == "video":
        return VideoReader(path)
    if kind == "sequence":
        return SequenceReader(SequencePattern.parse(path))
    supported = ", ".join(VIDEO_EXTENSIONS)
    raise InputError(
        f"{path}: not a video ({supported}) nor an image sequence; name a sequence with a "
        "frame-number field, e.g. plates/shot.%04d.exr or plates/shot.####.exr"
    )


def read_reference(path, cover=None):
    """A reference image as float32 HxWx3 (gray files repeated to 3 channels, alpha dropped),
    reduced as it is decoded when it is at least twice `cover` ((height, width) or None: the
    size its users need at most) on both sides (excolor.io.image.read_image).

    Returns (pixels, PixelFormat). InputError names the file when it is missing or unreadable.
    NaN/inf values (a float file's) are replaced by 0, as in a reference given as an array, with
    a warnings.warn naming the file and how many pixels: every reference file is read here, so
    the node and the command agree, and one NaN would otherwise spread to every output pixel.
    """
    path = Path(path)
    if path.suffix.lower() not in FORMATS and path.suffix.lower() not in (".bmp", ".webp", ".tga"):
        raise InputError(
            f"{path}: reference image type '{path.suffix}' is not supported; use one of "
            f"{', '.join(sorted(FORMATS))}"
        )
    pixels, fmt = read_image(path, "reference image", cover)
    colour, broken = finite_colour(split_plate(pixels)[0])
    if broken:
        warnings.warn(f"reference {path}: {broken} pixel(s) with NaN/inf values, replaced by 0")
    return colour, fmt
