"""The way back to the cut: a timeline whose clips show the colorized OUTPUT (`excolor conform`).

The cut list colorize read (an .otio or .edl timeline, or a SHOTS.json, made into a timeline as
`excolor shots -o SHOTS.otio` writes one) keeps everything (tracks, gaps, transitions, audio,
clip names, source ranges, markers, metadata); each clip that shows INPUT (the clips colorize
made shots of) gets OUTPUT as its media: an ImageSequenceReference for an image sequence, an
ExternalReference for a video, with an available range in the same timecode as INPUT's, so
every source range stays as it was. INPUT's reference stays on the clip as a second media
reference, `excolor_input` (OTIO's multiple media references), for going back to the plate.

OUTPUT's frames are INPUT's: a sequence written from a sequence has its frame numbers, from a
video 0-based ones; a video OUTPUT holds the frames colorize rendered (the whole INPUT, or
--frames), starting at its own timecode (INPUT's, moved to the first rendered frame).
"""
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError, UsageError
from .editorial import ClipShot, TimelineShots, timeline_shots
from .media import Clock, input_clock, media_of, media_reference
from .timecode import same_rate, video_timing

INPUT_KEY = "excolor_input"  # the name of a conformed clip's second media reference: INPUT


class Conformed(NamedTuple):
    """A conformed timeline (an OTIO Timeline), the number of clips now showing OUTPUT, what
    was left out as timeline_shots says it, and the reference images the cut list names (Paths)."""

    timeline: object
    relinked: int
    left_out: list
    references: list


def conform(cut, input, output, edl_rate=None):
    """The timeline of `cut` (.otio, .edl or SHOTS.json) with INPUT's clips showing OUTPUT.

    input, output: INPUT and OUTPUT as given to `excolor colorize` (a video file or a sequence
    pattern); edl_rate: as --edl-rate. Raises InputError where OUTPUT lacks a frame a clip shows
    (naming the clip and the frames), UsageError where OUTPUT is not a video or a sequence, and
    what reading the cut list raises.
    """
    found = _cut_shots(Path(cut), input, edl_rate)
    target = media_of(output)
    if target is None:
        raise UsageError(f"OUTPUT {output}: not a video nor an image sequence (name.####.ext)")
    holds = _output_frames(target, input, output)
    for clip, shot, clock in found.shots:
        first, last = shot["start"], shot["end"]
        where = f"clip '{clip.name}' (frames {first}-{last})"
        if target.kind == "sequence":
            missing = [frame for frame in range(first, last + 1) if frame not in holds.frames]
            if missing:
                from ..io import ranges_text

                raise InputError(f"OUTPUT {output}: {where} needs frames {ranges_text(missing)}, which are not on "
                                 "disk; render them first")
            span, at = (holds.frames[0], holds.frames[-1]), clock
        else:
            if first < holds.first or last > holds.first + holds.count - 1:
                raise InputError(f"OUTPUT {output} holds INPUT's frames {holds.first}-{holds.first + holds.count - 1}; "
                                 f"{where} is not in it: render it first")
            # A video's frame 0 is INPUT's frame holds.first.
            span, at = (0, holds.count - 1), Clock(clock.rate, clock.offset + holds.first, clock.origin)
        key = clip.active_media_reference_key
        # A copy: the clip owns its reference, which set_media_references releases (OTIO's C++
        # objects; the reference itself would be freed under the new dictionary).
        references = {key: media_reference(target, *span, at), INPUT_KEY: clip.media_reference.clone()}
        clip.set_media_references(references, key)
    return Conformed(found.timeline, len(found.shots), found.left_out, _references(found.shots, Path(cut).parent))


def _references(shots, folder):
    images = []
    for _clip, shot, _clock in shots:
        reference = shot.get("reference")
        items = [reference] if isinstance(reference, str) else [k.get("image") for k in reference or ()]
        images += [folder / image for image in items if isinstance(image, str)]
    return images


def _cut_shots(cut, input, edl_rate):
    """TimelineShots of a cut list; a SHOTS.json is made into the timeline `excolor shots -o`
    writes, with INPUT as each clip's media."""
    if cut.suffix.lower() in (".otio", ".edl"):
        return timeline_shots(cut, edl_rate, input)
    from ..io import open_input
    from .entries import load_shot_list
    from .timeline_writing import shots_timeline

    entries = load_shot_list(cut)
    reader = open_input(input)
    try:
        span, rate = (reader.first, reader.last), reader.fps
    finally:
        reader.close()
    clock = input_clock(input, rate)
    timeline = shots_timeline(cut.stem, [(e.first, e.last, e.keyframes, e.name) for e in entries],
                              cut.parent.resolve(), input, span, clock)
    clips = list(timeline.find_clips())
    shots = [ClipShot(clip, {"start": e.first, "end": e.last, "reference": [{"image": str(image)} for image, _ in
                                                                           e.keyframes]}, clock)
             for clip, e in zip(clips, entries)]
    return TimelineShots(timeline, shots, [])


class _Held(NamedTuple):
    """The frames of INPUT that OUTPUT holds: a sequence's frame numbers on disk (sorted), or a
    video's `count` frames from INPUT's frame `first`."""

    frames: list
    first: int
    count: int


def _output_frames(target, input, output):
    from ..io import SequencePattern, open_input

    if target.kind == "sequence":
        frames = SequencePattern(target.path, target.prefix, target.padding, target.suffix).scan()
        if not frames:
            raise InputError(f"OUTPUT {output}: no frames on disk; render it first")
        return _Held(frames, frames[0], len(frames))
    if not Path(output).is_file():
        raise InputError(f"OUTPUT {output}: no such file; render it first")
    reader = open_input(output)
    try:
        count = reader.last - reader.first + 1
    finally:
        reader.close()
    return _Held([], _video_start(input, output, count), count)


def _video_start(input, output, count):
    """INPUT's frame that a video OUTPUT's frame 0 is: told by the two start timecodes (colorize
    moves INPUT's to the first frame it renders), else by OUTPUT holding all of INPUT."""
    from ..io import open_input

    made, given = video_timing(output), video_timing(input)
    if given is not None and (given.start_frame or made.start_frame) and same_rate(made.rate, given.rate):
        first = made.start_frame - given.start_frame
        if first < 0:
            raise InputError(f"OUTPUT {output} starts at {made.timecode}, before INPUT {input} ({given.timecode}): "
                             "not a video colorize made of it")
        return first
    reader = open_input(input)
    try:
        first, length = reader.first, reader.last - reader.first + 1
    finally:
        reader.close()
    if length != count:
        raise InputError(f"OUTPUT {output} holds {count} frames and INPUT {input} {length}, and no timecode says "
                         "which of INPUT's frames it holds; conform a video of all of INPUT, or an image sequence")
    return first
