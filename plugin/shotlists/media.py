"""Which file a clip of a cut list points to, and where that file's frames sit in the timecode
its source range is given in.

An editing system gives a clip's source range in its media's timecode (01:00:00:10 at 25 fps
is frame 90010) and says where the media starts in the media reference's available range. A
Clock turns such a source frame into a frame number as on disk (0-based for a video, the file
names' numbers for an image sequence): disk frame = source frame - offset, at `rate`.
"""
import re
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError
from .timecode import DEFAULT_RATE, otio, same_rate, timecode_text, video_timing

_BRACKETS = re.compile(r"^(?P<prefix>.*?)\[(?P<first>\d+)-(?P<last>\d+)\](?P<suffix>.*)$")  # Resolve's a.[1001-1100].exr
_FRAME_FILE = re.compile(r"^(?P<prefix>.*?)(?P<first>\d+)(?P<suffix>\.[A-Za-z][A-Za-z0-9]*)$")  # a.1001.exr


class Media(NamedTuple):
    """A file a clip shows, or INPUT / OUTPUT as given. kind: "video", "sequence", "file" (any
    other file) or "generator" (black, bars: no file); path: the file, a sequence's folder, or
    the generator's kind; a sequence's file names are prefix + frame number (padded to
    `padding` digits) + suffix, and `first` is a frame its reference names (None: unknown)."""

    kind: str
    path: Path
    prefix: str = ""
    suffix: str = ""
    padding: int = 0
    first: int | None = None

    def name(self):
        """The file name as messages show it: "A001.mov", "plate.####.exr", "a generator (black)"."""
        if self.kind == "generator":
            return f"a generator ({self.path})"
        if self.kind == "sequence":
            return f"{self.prefix}{'#' * max(self.padding, 1)}{self.suffix}"
        return self.path.name

    def is_same(self, other):
        """True when both name the same file (a sequence: the same folder and file names). Media
        that is not on this machine (a cut made on another, its media under another mount point)
        is recognised by its file name alone, as an editing system relinks offline media."""
        if self.kind != other.kind or self.kind == "generator":
            return False
        if self.kind == "sequence":
            if (self.prefix, self.suffix) != (other.prefix, other.suffix):
                return False
            if self.padding and other.padding and self.padding != other.padding:
                return False
            folders = (self.path, other.path)
            return not all(f.is_dir() for f in folders) or folders[0].resolve() == folders[1].resolve()
        files = (self.path, other.path)
        if all(f.exists() for f in files):
            return files[0].resolve() == files[1].resolve()
        return files[0].name == files[1].name

    def sequence_first(self):
        """A sequence's first frame: the one its reference names, else the first on disk, else 0."""
        from ..io import SequencePattern

        if self.first is not None:
            return self.first
        frames = SequencePattern(self.path, self.prefix, self.padding, self.suffix).scan()
        return frames[0] if frames else 0


def media_of(path):
    """The Media of INPUT or OUTPUT as given on the command line (a video file or a sequence
    pattern `name.####.ext` / `name.%04d.ext`), or None for any other path."""
    from ..io import SequencePattern, is_video_path

    path = Path(path).absolute()
    if is_video_path(path):
        return Media("video", path)
    pattern = SequencePattern.parse(path)
    if pattern is None:
        return None
    return Media("sequence", pattern.directory, pattern.prefix, pattern.suffix, pattern.padding)


def reference_media(reference, folder):
    """The Media an OTIO media reference points to, or None where it names no file (a missing
    reference, an empty URL, a URL that is not a file). folder: the timeline file's folder,
    which a relative URL is taken from."""
    schema = otio().schema
    if isinstance(reference, schema.GeneratorReference):
        return Media("generator", Path(reference.generator_kind or "generator"))
    if isinstance(reference, schema.ImageSequenceReference):
        base = _url_path(reference.target_url_base, folder)
        if base is None:
            return None
        return Media("sequence", base, reference.name_prefix, reference.name_suffix,
                     reference.frame_zero_padding, reference.start_frame)
    url = getattr(reference, "target_url", None)
    path = _url_path(url, folder) if url else None
    return None if path is None else _file_media(path)


def _url_path(url, folder):
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        path = Path(urllib.request.url2pathname(parsed.path))
    elif len(parsed.scheme) > 1:  # http:, s3: ... (a single letter is a Windows drive)
        return None
    else:
        path = Path(url)
    return path if path.is_absolute() else Path(folder) / path


def _file_media(path):
    from ..io import SequencePattern, is_video_path

    if is_video_path(path):
        return Media("video", path)
    try:
        pattern = SequencePattern.parse(path)
    except InputError:  # a frame-number field in the name of a file excolor does not read
        pattern = None
    if pattern is not None:
        return Media("sequence", pattern.directory, pattern.prefix, pattern.suffix, pattern.padding)
    for form in (_BRACKETS, _FRAME_FILE):
        match = form.match(path.name)
        if match:
            first = match.group("first")
            return Media("sequence", path.parent, match.group("prefix"), match.group("suffix"), len(first), int(first))
    return Media("file", path)


class Clock(NamedTuple):
    """Where a medium's frames sit in its source timecode: disk frame n is source frame
    n + offset, at `rate` frames per second. origin: what set it, for messages."""

    rate: float
    offset: int
    origin: str

    def start_text(self):
        return timecode_text(self.offset, self.rate)


def clip_clock(reference, media, input_timing, range_rate):
    """The Clock of a clip's media. reference: the clip's OTIO media reference; media: its Media
    (reference_media), or None; input_timing: INPUT's VideoTiming when the clip shows INPUT and
    INPUT is a video, else None; range_rate: the rate of the clip's source range.

    The media reference's available range says where the media starts in the timecode its
    clip's source range is given in: a video's frame 0, an image sequence's first frame (its
    reference's start frame, the frame its name gives, or the first on disk). Without one: a
    video INPUT's own start timecode (its timecode track); an image sequence's frame numbers
    are its timecode's frames.
    """
    available = getattr(reference, "available_range", None) if reference is not None else None
    if available is not None:
        start = available.start_time
        rate = start.rate
        frames = round(start.value)
        if media is not None and media.kind == "sequence":
            first = media.sequence_first()
            return Clock(rate, frames - first, f"its media's available range, which starts frame {first} at "
                                               f"{timecode_text(frames, rate)}")
        return Clock(rate, frames, f"the start of its media's available range ({timecode_text(frames, rate)})")
    if input_timing is not None:
        return Clock(float(input_timing.rate), input_timing.start_frame,
                     f"the start timecode of INPUT {input_timing.path} ({input_timing.timecode})")
    return Clock(range_rate, 0, "frame 0")


def in_frames(time, rate):
    """A RationalTime as a count of frames at `rate` (float; a fraction where it falls between)."""
    if same_rate(time.rate, rate):
        return time.value
    return time.value_rescaled_to(rate)


def media_reference(media, first, last, clock):
    """An OTIO media reference to `media` (a Media of kind "video" or "sequence") holding disk
    frames first..last (inclusive; a video's are 0..count-1) placed on `clock`: an
    ImageSequenceReference (OTIO's own, with the sequence's rate, first frame and padding) or an
    ExternalReference to the video, each with its available range in the clock's timecode."""
    opentime, schema = otio().opentime, otio().schema
    available = opentime.TimeRange(opentime.RationalTime(first + clock.offset, clock.rate),
                                   opentime.RationalTime(last - first + 1, clock.rate))
    if media.kind == "sequence":
        return schema.ImageSequenceReference(
            target_url_base=media.path.resolve().as_uri() + "/", name_prefix=media.prefix,
            name_suffix=media.suffix, start_frame=first, frame_step=1, rate=clock.rate,
            frame_zero_padding=media.padding, available_range=available)
    return schema.ExternalReference(target_url=media.path.resolve().as_uri(), available_range=available)


def input_clock(path, rate=None):
    """The Clock of INPUT or OUTPUT as given: a video's own rate and start timecode (its
    timecode track; 00:00:00:00 without one); an image sequence's frame numbers, which are its
    timecode's frames, at `rate` (default 24)."""
    timing = video_timing(path)
    if timing is not None:
        return Clock(float(timing.rate), timing.start_frame, f"the start timecode of {path} ({timing.timecode})")
    return Clock(float(rate or DEFAULT_RATE), 0, "frame 0")
