"""A shot list written as an OpenTimelineIO timeline (`excolor shots -o SHOTS.otio`).

One video track, one clip per shot; the clip's source range is the shot in its media's timecode
(a video's frames counted from its start timecode, a sequence's frame numbers), its media
reference INPUT (OTIO's ImageSequenceReference for an image sequence, with the sequence's rate,
first frame and padding; an ExternalReference for a video), its available range the frames
INPUT holds. Pinned keyframes are markers at their frames (source time, OTIO's convention); a
reference without a frame number stays in the clip metadata (with ``"reference_frame": "none"``
when it is never pinned); a placeholder is ``{"excolor": {"reference": null}}``.
"""
from pathlib import Path

from ..files import replacing
from .editorial import MARKER_PREFIX
from .media import Clock, input_clock, media_of, media_reference
from .paths import relative_path
from .timecode import DEFAULT_RATE, otio


def shots_timeline(name, shots, folder, media=None, span=None, clock=None):
    """An OTIO Timeline of `shots` (one clip per shot on one video track).

    shots: [(first, last, keyframes, name)], frames as on disk, with keyframes a sequence of
    (image path or None, frame) as ShotEntry holds them (a frame number, None: find it, or
    "none": never pinned); (None, None) or no keyframes is a placeholder. folder: where the
    timeline file goes (reference paths are written relative to it). media: INPUT as given (a
    video path or a sequence pattern), or None for clips without media; span: (first, last),
    the frames INPUT holds; clock: INPUT's Clock (excolor.shotlists.media.input_clock; default
    24 fps from frame 0).
    """
    opentime, schema = otio().opentime, otio().schema
    clock = clock or Clock(float(DEFAULT_RATE), 0, "frame 0")
    rate = clock.rate
    found = media_of(media) if media is not None else None
    track = schema.Track(name="excolor shots", kind=schema.TrackKind.Video)
    for number, (first, last, keyframes, shot_name) in enumerate(shots, start=1):
        clip = schema.Clip(
            name=shot_name or f"shot {number}",
            source_range=opentime.TimeRange(opentime.RationalTime(first + clock.offset, rate),
                                            opentime.RationalTime(last - first + 1, rate)),
        )
        if found is not None:
            clip.media_reference = media_reference(found, *(span or (first, last)), clock)
        settings = {"reference": None}
        for image, frame in keyframes or ():
            if image is None:
                continue
            relative = relative_path(image, folder)
            if not isinstance(frame, int):  # found by the render (None) or never pinned ("none")
                settings = {"reference": relative, **({} if frame is None else {"reference_frame": frame})}
            else:
                clip.markers.append(schema.Marker(
                    name=f"{MARKER_PREFIX} {relative}",
                    marked_range=opentime.TimeRange(opentime.RationalTime(frame + clock.offset, rate),
                                                    opentime.RationalTime(0, rate)),
                    metadata={"excolor": {"reference": relative}},
                ))
        clip.metadata["excolor"] = settings
        track.append(clip)
    return schema.Timeline(name=name, tracks=[track])


def write_timeline(path, shots, media=None, span=None, rate=None):
    """Write `shots` (as shots_timeline takes them) as an .otio file at `path`, atomically.
    media: INPUT as given, or None; span: (first, last), the frames it holds; rate: a sequence's
    frames per second (default 24; a video's own rate and start timecode are read from it)."""
    path = Path(path)
    clock = input_clock(media, rate) if media is not None else Clock(float(rate or DEFAULT_RATE), 0, "frame 0")
    timeline = shots_timeline(path.stem, shots, path.parent.resolve(), media, span, clock)
    write_otio(timeline, path)


def write_otio(timeline, path):
    """Write an OTIO timeline as OTIO JSON at `path`, atomically."""
    with replacing(path) as temp:
        otio().adapters.write_to_file(timeline, str(temp), adapter_name="otio_json")
