"""SMPTE timecode as a cut list's frames: the rates OpenTimelineIO reads timecode at, and a
video file's own start timecode (where its frame 0 sits in the timecode an editor's cut names).
"""
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError

DEFAULT_RATE = Fraction(24)  # an EDL's timecode rate, and a sequence's, where nothing says it
# The rates OpenTimelineIO reads SMPTE timecode at (opentime's valid timecode rates).
TIMECODE_RATES = "23.976, 24, 25, 29.97, 30, 47.952, 48, 50, 59.94 and 60"
# Two rates this close are one rate (a video's 2997/125 and 24000/1001 differ by 2.4e-5).
RATE_TOLERANCE = 1e-3


def otio():
    # Imported on first use: OpenTimelineIO is optional (cut lists only; the Blender extension
    # leaves it out).
    import opentimelineio

    return opentimelineio


class VideoTiming(NamedTuple):
    """A video's frame rate and where its frames sit in its source timecode."""

    path: str
    rate: Fraction  # exact, as the file's stream says it (24000/1001)
    timecode: str  # "01:00:00:00" as the file says, or "00:00:00:00" without one
    start_frame: int  # the timecode's frame count at `rate`: source frame of the video's frame 0


def video_timing(media):
    """The VideoTiming of `media` when it is a video file on disk, else None (an image sequence,
    whose frame numbers are its timecode's frames already). The start timecode is the video
    stream's `timecode` metadata, or the container's, or that of a data stream (QuickTime's tmcd
    track). InputError where the file cannot be read or its timecode is not valid at its rate."""
    # PyAV (and excolor.io, which loads it and OpenImageIO) only when a cut list meets a
    # video: `excolor --help` imports this module.
    import av

    from ..io import is_video_path

    if not is_video_path(media) or not Path(media).is_file():
        return None
    try:
        with av.open(str(media)) as container:
            stream = container.streams.video[0]
            rate = Fraction(stream.average_rate or stream.guessed_rate or DEFAULT_RATE)
            found = [s.metadata.get("timecode") for s in (stream, *container.streams.data)]
            timecode = next((tc for tc in (*found, container.metadata.get("timecode")) if tc), None)
    except (av.error.FFmpegError, IndexError) as error:
        raise InputError(f"{media}: not a readable video ({error})") from error
    if timecode is None:
        return VideoTiming(str(media), rate, "00:00:00:00", 0)
    try:
        start = otio().opentime.from_timecode(timecode, timecode_rate(rate) or float(rate)).to_frames()
    except ValueError as error:
        raise InputError(f"{media}: start timecode {timecode!r} is not valid at {rate_text(rate)} fps "
                         f"({error})") from error
    return VideoTiming(str(media), rate, timecode, int(start))


def timecode_rate(rate):
    """The rate OpenTimelineIO reads SMPTE timecode at (a float) that `rate` (frames per second)
    is, within RATE_TOLERANCE, or None where timecode has no such rate. OpenTimelineIO knows
    24000/1001 as the float nearest to it, and a video stored at 2997/125 (a rate typed as 23.976
    and kept as a decimal) carries 23.976 timecode all the same."""
    nearest = otio().opentime.RationalTime.nearest_valid_timecode_rate(float(rate))
    return nearest if abs(nearest - float(rate)) <= RATE_TOLERANCE else None


def same_rate(a, b):
    return abs(float(a) - float(b)) <= RATE_TOLERANCE


def timecode_text(frame, rate):
    """Source frame `frame` at `rate` as SMPTE timecode ("01:00:00:10"), or as a frame number
    where timecode has no such rate."""
    tc_rate = timecode_rate(rate)
    if tc_rate is None:
        return f"frame {frame}"
    return otio().opentime.to_timecode(otio().opentime.RationalTime(frame, tc_rate), tc_rate)


def rate_text(rate):
    # excolor.io (PyAV and OpenImageIO) only once a rate is named: `excolor --help` imports this module.
    from ..io.frame_rates import rate_text as text

    return text(rate)
