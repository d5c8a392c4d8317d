"""Editorial cut lists as shot lists: OpenTimelineIO timelines (.otio) and CMX 3600 EDLs (.edl).

A thin translation to the SHOTS.json structure (excolor.shotlists.entries), which then checks it as it
checks a JSON file. The convention (docs/editorial.md):

- every clip of the timeline's video tracks that shows INPUT is a shot; gaps and transitions
  are skipped. A clip whose media is another file (another reel, a generator) is left out, and
  a warning names it; a clip naming no file (a hand-made timeline, an EDL without
  `* FROM CLIP:`) shows INPUT;
- the clip's source range is in its media's timecode (01:00:00:10 at 25 fps is frame 90010);
  it is counted from where the media starts (excolor.shotlists.media.clip_clock: the media
  reference's available range, else a video INPUT's start timecode, else a sequence's frame
  numbers), giving frame numbers as on disk (0-based for a video): first = source start,
  last = first + duration - 1 (inclusive);
- an EDL's timecode is read at --edl-rate, else at INPUT's rate when INPUT is a video, else at
  29.97 when it is drop-frame, else 24 (excolor.shotlists.edl);
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

Writing a timeline is excolor.shotlists.timeline_writing; pointing one at colorized media,
excolor.shotlists.conform.
"""
import warnings
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError, UsageError
from .edl import read_edl
from .media import clip_clock, in_frames, media_of, reference_media
from .timecode import otio, video_timing

SUFFIXES = (".otio", ".edl")
MARKER_PREFIX = "excolor:"


class ClipShot(NamedTuple):
    """A clip that shows INPUT, the SHOTS.json shot it is, and its media's Clock."""

    clip: object  # opentimelineio.schema.Clip
    shot: dict
    clock: object  # excolor.shotlists.media.Clock


class TimelineShots(NamedTuple):
    """A cut list as read: the OTIO timeline, INPUT's clips as shots (in the timeline's order)
    and a line per clip left out (its media is not INPUT)."""

    timeline: object  # opentimelineio.schema.Timeline
    shots: list
    left_out: list


def read_timeline_shots(path, edl_rate=None, media=None):
    """Read a timeline -> ``{"shots": [...]}`` as in SHOTS.json (paths relative to the file).
    Arguments and errors as timeline_shots."""
    return {"shots": [found.shot for found in timeline_shots(path, edl_rate, media).shots]}


def timeline_shots(path, edl_rate=None, media=None):
    """Read a cut list -> TimelineShots; a warning names the clips left out.

    path: .otio (any OTIO file) or .edl (CMX 3600). edl_rate: frames per second of an EDL's
    timecode, exact (an int or Fraction: 24000/1001, as excolor.io.frame_rates reads "23.976").
    media: INPUT, or None (every clip is then taken as INPUT's): the clips that show it, and,
    for a video, the start timecode their source ranges are counted from.
    Raises InputError (missing, unreadable) or UsageError naming the clip (no source range,
    a fractional frame, a marker outside the clip, both metadata and markers as references,
    a clip before its media's start), the rate (excolor.shotlists.edl), or INPUT where no clip
    shows it.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: timeline is missing (no such file)")
    is_edl = path.suffix.lower() == ".edl"
    timing = video_timing(media) if media is not None else None
    if is_edl:
        timeline, _rate = read_edl(path, edl_rate, timing)
    else:
        timeline = _read_otio(path)
    wanted = media_of(media) if media is not None else None
    found, left_out, number = [], [], 0
    for track in _video_tracks(timeline, path):
        for index, item in enumerate(track):
            if not isinstance(item, otio().schema.Clip):
                continue
            number += 1
            where = f"{path}: clip {number} '{item.name}'"
            shows = reference_media(item.media_reference, path.parent)
            if wanted is not None and shows is not None and not shows.is_same(wanted):
                left_out.append(f"clip {number} '{item.name}' ({shows.name()})")
                continue
            record_start = None
            if is_edl:
                # The EDL reader puts the track's record start at -source_range.start.
                offset = track.source_range.start_time if track.source_range else otio().opentime.RationalTime()
                record_start = track.range_of_child_at_index(index).start_time - offset
            found.append(_clip_shot(item, shows, where, record_start, timing))
    if left_out and found:
        warnings.warn(f"{path}: {len(left_out)} clip(s) show other media than INPUT {media} and are left out: "
                      + ", ".join(left_out))
    if left_out and not found:
        raise UsageError(f"{path}: no clip shows INPUT {media}; its clips show other media: " + ", ".join(left_out))
    if not found:
        raise UsageError(f"{path}: the timeline has no clips (one clip per shot)")
    return TimelineShots(timeline, found, left_out)


def _read_otio(path):
    try:
        return otio().adapters.read_from_file(str(path))
    except (otio().exceptions.OTIOError, ValueError, KeyError, TypeError, OSError) as error:
        # OTIOError (unknown schema), ValueError (bad JSON), Key/TypeError (JSON of the wrong
        # shape), OSError (unreadable)
        raise InputError(f"{path}: not a readable OTIO timeline ({type(error).__name__}: {error})") from error


def _video_tracks(timeline, path):
    schema = otio().schema
    if isinstance(timeline, schema.Timeline):
        return list(timeline.video_tracks())
    if isinstance(timeline, schema.Track):
        return [timeline]
    raise UsageError(f"{path}: expected a timeline, got an OTIO {type(timeline).__name__}")


def _frames(time, rate, where, what):
    """A RationalTime as a whole number of frames at `rate`; UsageError where it is not one."""
    value = in_frames(time, rate) if rate > 0 else None
    if value is None or abs(value - round(value)) > 1e-6:
        raise UsageError(f"{where}: {what} {time.value} at {time.rate} fps is not a whole frame at {rate} fps")
    return int(round(value))


def _clip_shot(clip, shows, where, record_start, timing):
    """One clip -> ClipShot. shows: the clip's Media, or None; record_start: the clip's EDL
    record time, or None; timing: INPUT's VideoTiming, or None."""
    try:
        source = clip.source_range or clip.available_range()
    except otio().exceptions.OTIOError as error:  # no media to take a range from
        raise UsageError(f"{where}: has no source range (and its media gives none): {error}") from error
    clock = clip_clock(clip.media_reference, shows, timing, source.start_time.rate)
    start = _frames(source.start_time, clock.rate, where, "source start")
    first = start - clock.offset
    if first < 0:
        raise UsageError(f"{where}: source timecode {otio().opentime.to_timecode(source.start_time)} is "
                         f"before {clock.origin}")
    count = _frames(source.duration, clock.rate, where, "duration")
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
        frame = _frames(at, clock.rate, where, f"marker '{marker.name}' time") - clock.offset
        if not first <= frame <= last:
            raise UsageError(
                f"{where}: marker '{marker.name}' is at frame {frame}, outside the clip's source "
                f"range {first}-{last}"
            )
        markers.append({"image": image, "frame": frame})
    _add_references(shot, settings, markers, where)
    return ClipShot(clip, shot, clock)


def _add_references(shot, settings, markers, where):
    """The shot's "reference" (and "reference_frame") from the clip's metadata and markers."""
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


def _marker_reference(marker):
    """The reference image a marker names, or None for a marker that is not excolor's."""
    meta = marker.metadata.get("excolor")
    if hasattr(meta, "get") and meta.get("reference"):
        return str(meta["reference"])
    name = (marker.name or "").strip()
    if name.lower().startswith(MARKER_PREFIX):
        return name[len(MARKER_PREFIX):].strip() or None
    return None
