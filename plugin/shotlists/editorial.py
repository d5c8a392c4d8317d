"""Editorial cut lists as shot lists: OpenTimelineIO timelines (.otio) and CMX 3600 EDLs (.edl).

A thin translation to the SHOTS.json structure (excolor.shotlists.entries), which then checks it as it
checks a JSON file. The convention (docs/editorial.md):

- every clip of the timeline's video tracks is a shot; gaps and transitions are skipped;
- the clip's source range is the shot's frames: first = source start in frames at the range's
  own rate, last = first + duration - 1 (inclusive, frame numbers as on disk);
- an EDL's timecodes are read at --edl-rate, else at INPUT's frame rate when INPUT is a video,
  else at 24 fps: an exact rate (23.976 is 24000/1001, excolor.io.frame_rates), one SMPTE
  timecode runs at; for a video INPUT, source timecode is mapped to its frames (0-based) by the
  start timecode the video carries (a QuickTime/MP4 timecode track or `timecode` metadata), so
  source 01:00:00:10 of a video starting at 01:00:00:00 is frame 10;
- the clip's name is the shot's name (messages name it);
- references, relative to the timeline file:
  * clip metadata ``{"excolor": {"reference": "key.png", "reference_frame": 1001}}`` or
    ``{"excolor": {"reference": [{"image": "a.png", "frame": 1001}, ...]}}``: as in SHOTS.json
    (no frame, or null: found by the render; ``"none"``: never pinned);
  * a marker on the clip named ``excolor: keys/a.png`` (or with metadata
    ``{"excolor": {"reference": "keys/a.png"}}``): a keyframe pinned to the marker's frame.
    In an .otio file the marker's time is the clip's source time (OTIO's convention); in an
    EDL a ``* LOC:`` line carries record timecode, mapped to the clip's source frames. Markers
    go with at most one more reference in the metadata, a single image (its
    ``reference_frame`` as in SHOTS.json);
  * no reference: a placeholder, which `excolor colorize` refuses, naming the clip.

Writing (`excolor shots -o SHOTS.otio`): one clip per shot on one video track, source range =
the shot, media = INPUT, placeholder references in clip metadata; pinned keyframes (when
converting a SHOTS.json) become markers, a reference without a frame number stays in the clip
metadata (with ``"reference_frame": "none"`` when it is never pinned).
"""
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError, UsageError
from ..files import replacing
from .paths import relative_path

SUFFIXES = (".otio", ".edl")
MARKER_PREFIX = "excolor:"
DEFAULT_EDL_RATE = Fraction(24)
# The rates OpenTimelineIO reads SMPTE timecode at (opentime's valid timecode rates).
TIMECODE_RATES = "23.976, 24, 25, 29.97, 30, 47.952, 48, 50, 59.94 and 60"
# Two rates this close are one rate (a video's 2997/125 and 24000/1001 differ by 2.4e-5).
RATE_TOLERANCE = 1e-3


def _otio():
    # Imported on first use: OpenTimelineIO is optional (cut lists only; the Blender extension
    # leaves it out).
    import opentimelineio

    return opentimelineio


def read_timeline_shots(path, edl_rate=None, media=None):
    """Read a timeline -> ``{"shots": [...]}`` as in SHOTS.json (paths relative to the file).

    path: .otio (any OTIO file) or .edl (CMX 3600). edl_rate: frames per second of an EDL's
    timecode, exact (an int or Fraction: 24000/1001, as excolor.io.frame_rates reads "23.976";
    default: `media`'s rate when it is a video, else 24). media: INPUT, whose start timecode (a
    video's) an EDL's source timecode is counted from.
    Raises InputError (missing, unreadable) or UsageError naming the clip (no source range,
    a fractional frame, a marker outside the clip, both metadata and markers as references,
    a clip before the video's start timecode) or the rate (an --edl-rate that is not the
    video's rate, or no rate SMPTE timecode has).
    """
    otio = _otio()
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: timeline is missing (no such file)")
    is_edl = path.suffix.lower() == ".edl"
    timing = video_timing(media) if is_edl and media is not None else None
    if timing and edl_rate and abs(edl_rate - timing.rate) > RATE_TOLERANCE:
        raise UsageError(f"--edl-rate {_rate_text(edl_rate)}: INPUT {media} runs at {_rate_text(timing.rate)} fps, "
                         "and its frames are numbered by that rate; give its rate or leave --edl-rate out")
    if is_edl and edl_rate and _timecode_rate(edl_rate) is None:
        raise UsageError(f"--edl-rate {_rate_text(edl_rate)}: no SMPTE timecode runs at this rate; an EDL's "
                         f"timecode is read at {TIMECODE_RATES} fps")
    rate = edl_rate or (timing.rate if timing else DEFAULT_EDL_RATE)
    start = timing.start_frame if timing else 0
    try:
        if is_edl:
            timeline = otio.adapters.read_from_file(str(path), adapter_name="cmx_3600",
                                                    rate=_timecode_rate(rate) or float(rate))
        else:
            timeline = otio.adapters.read_from_file(str(path))
    except (otio.exceptions.OTIOError, ValueError, KeyError, TypeError, OSError) as error:
        # OTIOError (bad EDL, unknown schema), ValueError (bad JSON), Key/TypeError (JSON of
        # the wrong shape), OSError (unreadable)
        raise InputError(f"{path}: not a readable {'CMX 3600 EDL' if is_edl else 'OTIO timeline'} "
                         f"({type(error).__name__}: {error})") from error
    tracks = _video_tracks(timeline, path)
    shots = []
    for track in tracks:
        for index, item in enumerate(track):
            if not isinstance(item, otio.schema.Clip):
                continue
            where = f"{path}: clip {len(shots) + 1} '{item.name}'"
            record_start = None
            if is_edl:
                # The EDL reader puts the track's record start at -source_range.start.
                offset = track.source_range.start_time if track.source_range else otio.opentime.RationalTime()
                record_start = track.range_of_child_at_index(index).start_time - offset
            shots.append(_clip_shot(item, where, record_start, start, timing))
    if not shots:
        raise UsageError(f"{path}: the timeline has no clips (one clip per shot)")
    return {"shots": shots}


class VideoTiming(NamedTuple):
    """A video's frame rate and where its frames sit in its source timecode."""

    path: str
    rate: Fraction  # exact, as the file's stream says it (24000/1001)
    timecode: str  # "01:00:00:00" as the file says, or "00:00:00:00" without one
    start_frame: int  # the timecode's frame count at `rate`: source frame of the video's frame 0


def video_timing(media):
    """The VideoTiming of `media` when it is a video file, else None (an image sequence, whose
    frame numbers are its timecode's frames already). The start timecode is the video stream's
    `timecode` metadata, or the container's, or that of a data stream (QuickTime's tmcd track)."""
    # PyAV (and excolor.io, which loads it and OpenImageIO) only when a cut list meets an
    # INPUT: `excolor --help` imports this module.
    import av

    from ..io import is_video_path

    if not is_video_path(media) or not Path(media).is_file():
        return None

    otio = _otio()
    try:
        with av.open(str(media)) as container:
            stream = container.streams.video[0]
            rate = Fraction(stream.average_rate or stream.guessed_rate or DEFAULT_EDL_RATE)
            found = [s.metadata.get("timecode") for s in (stream, *container.streams.data)]
            timecode = next((tc for tc in (*found, container.metadata.get("timecode")) if tc), None)
    except (av.error.FFmpegError, IndexError) as error:
        raise InputError(f"{media}: not a readable video ({error})") from error
    if timecode is None:
        return VideoTiming(str(media), rate, "00:00:00:00", 0)
    try:
        start = otio.opentime.from_timecode(timecode, _timecode_rate(rate) or float(rate)).to_frames()
    except ValueError as error:
        raise InputError(f"{media}: start timecode {timecode!r} is not valid at {_rate_text(rate)} fps "
                         f"({error})") from error
    return VideoTiming(str(media), rate, timecode, int(start))


def _timecode_rate(rate):
    """The rate OpenTimelineIO reads SMPTE timecode at (a float) that `rate` (frames per second)
    is, within RATE_TOLERANCE, or None where timecode has no such rate. OpenTimelineIO knows
    24000/1001 as the float nearest to it, and a video stored at 2997/125 (a rate typed as 23.976
    and kept as a decimal) runs on 23.976 timecode all the same."""
    nearest = _otio().opentime.RationalTime.nearest_valid_timecode_rate(float(rate))
    return nearest if abs(nearest - float(rate)) <= RATE_TOLERANCE else None


def _rate_text(rate):
    # excolor.io (PyAV and OpenImageIO) only once a rate is named: `excolor --help` imports this module.
    from ..io.frame_rates import rate_text

    return rate_text(rate)


def _video_tracks(timeline, path):
    otio = _otio()

    if isinstance(timeline, otio.schema.Timeline):
        return list(timeline.video_tracks())
    if isinstance(timeline, otio.schema.Track):
        return [timeline]
    raise UsageError(f"{path}: expected a timeline, got an OTIO {type(timeline).__name__}")


def _frames(time, where, what):
    value = time.to_frames() if time.rate > 0 else None
    if value is None or abs(time.value - round(time.value)) > 1e-6:
        raise UsageError(f"{where}: {what} {time.value} at {time.rate} fps is not a whole frame")
    return int(value)


def _clip_shot(clip, where, record_start, start=0, timing=None):
    """One clip -> a SHOTS.json shot dict (record_start: the clip's EDL record time, or None;
    start: the frame number of INPUT's first frame in the source timecode, subtracted)."""
    otio = _otio()

    try:
        source = clip.source_range or clip.available_range()
    except otio.exceptions.OTIOError as error:  # no media to take a range from
        raise UsageError(f"{where}: has no source range (and its media gives none): {error}") from error
    first = _frames(source.start_time, where, "source start") - start
    if first < 0:
        raise UsageError(f"{where}: source timecode {otio.opentime.to_timecode(source.start_time)} is "
                         f"before the start timecode of INPUT {timing.path} ({timing.timecode})")
    count = _frames(source.duration.rescaled_to(source.start_time), where, "duration")
    if count < 1:
        raise UsageError(f"{where}: its source range is empty")
    last = first + count - 1
    shot = {"start": first, "end": last, "name": clip.name or ""}
    settings = dict(clip.metadata.get("excolor", {}) or {})
    unknown = sorted(set(settings) - {"reference", "reference_frame"})
    if unknown:
        raise UsageError(f"{where}: unknown field(s) in its excolor metadata: {', '.join(unknown)}")
    markers = []
    for marker in clip.markers:
        image = _marker_reference(marker)
        if image is None:
            continue
        at = marker.marked_range.start_time
        if record_start is not None:  # EDL: record timecode -> the clip's source frames
            at = at - record_start + source.start_time
        frame = _frames(at.rescaled_to(source.start_time), where, f"marker '{marker.name}' time") - start
        if not first <= frame <= last:
            raise UsageError(
                f"{where}: marker '{marker.name}' is at frame {frame}, outside the clip's source "
                f"range {first}-{last}"
            )
        markers.append({"image": image, "frame": frame})
    if markers and settings.get("reference") is not None:
        single = settings["reference"]
        if not isinstance(single, str):
            raise UsageError(
                f"{where}: references given both as markers and as a list in its metadata; use one"
            )
        # The metadata's reference is a keyframe beside the markers' (unpinned, it starts the shot).
        frame = {"frame": settings["reference_frame"]} if "reference_frame" in settings else {}
        markers.insert(0, {"image": single, **frame})
    if markers:
        shot["reference"] = markers
    else:
        shot["reference"] = settings.get("reference")
        if "reference_frame" in settings:
            shot["reference_frame"] = settings["reference_frame"]
    return shot


def _marker_reference(marker):
    """The reference image a marker names, or None for a marker that is not excolor's."""
    meta = marker.metadata.get("excolor")
    if hasattr(meta, "get") and meta.get("reference"):
        return str(meta["reference"])
    name = (marker.name or "").strip()
    if name.lower().startswith(MARKER_PREFIX):
        return name[len(MARKER_PREFIX):].strip() or None
    return None


def write_timeline(path, shots, rate=24.0, media=None):
    """Write shots as an .otio timeline (one clip per shot on one video track).

    shots: [(first, last, keyframes, name)] with keyframes a sequence of (image path or None,
    frame) as ShotEntry holds them (a frame number, None: find it, or "none": never pinned);
    (None, None) or no keyframes is a placeholder. rate: frames per second of
    the source ranges. media: INPUT (a video path or sequence pattern) referenced by each clip.
    The file is written atomically.
    """
    otio = _otio()
    path = Path(path)
    folder = path.parent.resolve()
    track = otio.schema.Track(name="excolor shots", kind=otio.schema.TrackKind.Video)
    for number, (first, last, keyframes, name) in enumerate(shots, start=1):
        clip = otio.schema.Clip(
            name=name or f"shot {number}",
            source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(first, rate), otio.opentime.RationalTime(last - first + 1, rate)
            ),
        )
        if media is not None:
            clip.media_reference = otio.schema.ExternalReference(target_url=str(media))
        settings = {"reference": None}
        for image, frame in keyframes or ():
            if image is None:
                continue
            relative = relative_path(image, folder)
            if not isinstance(frame, int):  # found by the render (None) or never pinned ("none")
                settings = {"reference": relative, **({} if frame is None else {"reference_frame": frame})}
            else:
                clip.markers.append(otio.schema.Marker(
                    name=f"{MARKER_PREFIX} {relative}",
                    marked_range=otio.opentime.TimeRange(otio.opentime.RationalTime(frame, rate),
                                                         otio.opentime.RationalTime(0, rate)),
                    metadata={"excolor": {"reference": relative}},
                ))
        clip.metadata["excolor"] = settings
        track.append(clip)
    timeline = otio.schema.Timeline(name=path.stem, tracks=[track])
    with replacing(path) as temp:
        otio.adapters.write_to_file(timeline, str(temp), adapter_name="otio_json")

