"""Image sequences: `name.%04d.ext` / `name.####.ext`, frame numbers as on disk.

A SequencePattern turns a frame number into a path; a SequenceReader reads frames as float32
(see excolor.io.image for the value conventions); a SequenceWriter writes each frame
atomically. Gaps in a sequence are reported by frame and file, never silently skipped.
"""
import dataclasses
import re
import warnings
from pathlib import Path

from ..errors import InputError
from .channels import colour_plate
from .image import format_for, frame_attributes, image_shape, read_image, write_image

_PRINTF = re.compile(r"%(0?)(\d*)d")
_HASHES = re.compile(r"#+")


@dataclasses.dataclass(frozen=True)
class SequencePattern:
    """`directory/prefix{frame:0{padding}d}suffix`; padding 0 means unpadded (`%d`)."""

    directory: Path
    prefix: str
    padding: int
    suffix: str

    @classmethod
    def parse(cls, path):
        """The pattern in `path`, or None when the name holds no `%04d` / `####` field."""
        path = Path(path)
        name = path.name
        matches = list(_PRINTF.finditer(name)) + list(_HASHES.finditer(name))
        if not matches:
            return None
        if len(matches) > 1:
            raise InputError(f"{path}: more than one frame-number field in the file name")
        match = matches[0]
        if match.re is _PRINTF:
            padding = int(match.group(2) or 0)
        else:
            padding = len(match.group(0))
        suffix = name[match.end():]
        extension = suffix[suffix.rfind("."):] if "." in suffix else ""
        format_for(extension)  # raises InputError naming the supported types
        return cls(path.parent, name[: match.start()], padding, suffix)

    @property
    def extension(self):
        return self.suffix[self.suffix.rfind("."):] if "." in self.suffix else ""

    def path(self, frame):
        """The file of frame `frame`, numbered as printf's `%0Nd` numbers it: a negative frame's
        sign counts in the padding (frame -3 of `####` is `-003`), as Nuke and FFmpeg name it."""
        return self.directory / f"{self.prefix}{frame:0{self.padding}d}{self.suffix}"

    def display(self):
        return str(self.directory / f"{self.prefix}{'#' * max(self.padding, 1)}{self.suffix}")

    def scan(self):
        """Sorted frame numbers of the files on disk that match the pattern, negative ones
        included. InputError naming a file whose number is padded otherwise than `path` pads
        it (`-0003` for a `####` field): reading or writing it as another name would lose it."""
        if not self.directory.is_dir():
            return []
        regex = re.compile(re.escape(self.prefix) + r"(-?\d+)" + re.escape(self.suffix) + "$")
        frames = []
        for entry in self.directory.iterdir():
            match = regex.match(entry.name)
            if not (match and entry.is_file()):
                continue
            digits = match.group(1)
            frame = int(digits)
            if self.path(frame).name == entry.name:
                frames.append(frame)
            elif frame < 0 and digits == f"-{-frame:0{self.padding}d}":
                raise InputError(f"{entry}: frame {frame} is numbered '{digits}', but {self.display()} numbers "
                                 f"it '{self.path(frame).name}' (a negative frame's sign counts in the padding, "
                                 "as printf's %0Nd writes it); rename the file")
            # Any other name is another pattern's file: p.1.exr is not frame 1 of p.####.exr.
        return sorted(frames)


def _warn_if_log_scan(path, fmt):
    """Warn when a DPX says it holds printing density (a log film scan, as archives keep
    them): its integers are read, as every integer plate is, as display sRGB unless the config
    and --input-space name its log space, and read as sRGB its flat, lifted values give wrong
    colours without a word."""
    header = {name: value for name, _type, value in fmt.header}
    tags = [header.get("dpx:Transfer"), header.get("dpx:Colorimetric")]
    if fmt.source_format == "dpx" and "Printing density" in tags:
        warnings.warn(f"{path}: the DPX is tagged printing density (a log film scan), and integer plates are "
                      "read as display sRGB unless --input-space names their colourspace: give the log space "
                      "of a config that has one, e.g. --ocio-config ocio://studio-config-latest --input-space "
                      "ADX10")


def ranges_text(frames):
    """[1,2,3,7,9,10] -> "1-3, 7, 9-10" (for messages)."""
    frames = sorted(frames)
    parts = []
    start = previous = None
    for frame in frames + [None]:
        if start is None:
            start = previous = frame
        elif frame is not None and frame == previous + 1:
            previous = frame
        else:
            parts.append(f"{start}" if start == previous else f"{start}-{previous}")
            start = previous = frame
    return ", ".join(parts)


class SequenceReader:
    """Frames of an image sequence. `first`..`last` span the files on disk (inclusive).

    Attributes: first, last, width, height, pixel_format (the files', of the first frame), kind
    ("sequence"), fps (None: a sequence has no rate of its own).
    """

    kind = "sequence"
    fps = None

    def __init__(self, pattern):
        self.pattern = pattern
        self._on_disk = pattern.scan()
        if not self._on_disk:
            raise InputError(f"{pattern.display()}: no frames on disk match this sequence")
        self.first, self.last = self._on_disk[0], self._on_disk[-1]
        pixels, fmt = read_image(pattern.path(self.first), f"frame {self.first}")
        self.pixel_format = dataclasses.replace(fmt, frame_header=self._frame_header) if fmt.header else fmt
        self.height, self.width = pixels.shape[:2]
        _warn_if_log_scan(pattern.path(self.first), fmt)

    @property
    def name(self):
        return self.pattern.display()

    def _frame_header(self, frame):
        return frame_attributes(self.pattern.path(frame))

    def missing(self, first, last):
        """Frame numbers in first..last (inclusive) with no file on disk. Checks, from their
        headers only, that the others are all of the first frame's size and channel count
        (InputError naming the first that is not), so a render stops before its first frame
        rather than midway."""
        have = set(self._on_disk)
        for frame in range(first, last + 1):
            shape = image_shape(self.pattern.path(frame)) if frame in have else None
            if shape is not None and shape != (self.width, self.height, self.pixel_format.channels):
                raise InputError(self._other_size(frame, shape))
        return [n for n in range(first, last + 1) if n not in have]

    def _other_size(self, frame, shape):
        width, height, channels = shape
        return (f"{self.pattern.path(frame)}: frame {frame} is {width}x{height} with {channels} channel(s), but "
                f"frame {self.first} is {self.width}x{self.height} with {self.pixel_format.channels} channel(s); "
                "every frame of a sequence must be the same size and channels")

    def read(self, frame):
        """Frame `frame` as float32 HxWx(3 + extras): gray frames give their luma as R, G, B
        (excolor.io.channels). InputError naming the file when missing or corrupt."""
        path = self.pattern.path(frame)
        if not self.first <= frame <= self.last:
            raise InputError(
                f"{path}: frame {frame} is outside the sequence {self.name} "
                f"(frames {self.first}-{self.last} on disk)"
            )
        pixels, fmt = read_image(path, f"frame {frame} of {self.name}")
        if pixels.shape[:2] != (self.height, self.width) or fmt.channels != self.pixel_format.channels:
            raise InputError(self._other_size(frame, (pixels.shape[1], pixels.shape[0], fmt.channels)))
        return colour_plate(pixels)

    def close(self):
        """Nothing held open between reads."""


class SequenceWriter:
    """Writes frames of `pattern` in `pixel_format` (the input's: made colour, adapted to the
    file type), atomically."""

    def __init__(self, pattern, pixel_format, temp_dir):
        self.pattern = pattern
        self.pixel_format = pixel_format.in_colour().for_extension(pattern.extension)
        self.temp_dir = Path(temp_dir)

    @property
    def name(self):
        return self.pattern.display()

    def done(self, frame):
        return self.pattern.path(frame).is_file()

    def write(self, frame, pixels):
        fmt = self.pixel_format
        if fmt.frame_header is not None:  # the input frame's own timecode and the like
            fmt = dataclasses.replace(fmt, header=fmt.header + fmt.frame_header(frame))
        write_image(self.pattern.path(frame), pixels, fmt, self.temp_dir)
