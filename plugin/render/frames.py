"""Which frames a render job colours: its shots (a shot list, or `--reference`'s one shot) and
`--frames` (or its `--chunk-of` chunk: chunk_frames), checked against INPUT and against the
frames on disk before anything renders."""
import re
import warnings

from .. import io
from ..errors import InputError, UsageError
from ..shotlists.entries import FrameRange, check_shots, load_shot_list, parse_frame_range, single_shot


def check_frames(options, reader, frames):
    """(shot entries, FrameRange to render, frames some shot covers, in order) once the shots
    and frames pass their checks; a warning names frames no shot covers.

    options: the JobOptions (--shots, --edl-rate, --reference, --reference-frame, INPUT);
    reader: INPUT, open; frames: --frames as a FrameRange, or None for the whole input.
    """
    first, last = frames or (reader.first, reader.last)
    if options.shots is not None:
        entries = load_shot_list(options.shots, edl_rate=options.edl_rate, media=options.input)
    else:
        frame = options.reference_frame
        if isinstance(frame, int) and not first <= frame <= last:
            raise UsageError(f"--reference-frame {frame} is outside frames {first}-{last}")
        # A shot entry's keyframe frame: None is found (auto), "none" never pinned.
        entries = single_shot(options.reference, first, last, None if frame == "auto" else frame)
    uncovered = check_shots(entries, reader.first, reader.last, frames)
    if uncovered:
        warnings.warn(uncovered)
    covered = sorted({f for e in entries for f in e.frames_in(first, last)})
    if not covered:
        raise UsageError(f"no shot covers frames {first}-{last}: nothing to render")
    wanted = set(covered)
    missing = [f for f in reader.missing(covered[0], covered[-1]) if f in wanted]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise InputError(
            f"{reader.name}: frame{'s' if len(missing) > 1 else ''} {io.ranges_text(missing)} {verb} "
            f"missing (first missing file: {_frame_path(reader, missing[0])})"
        )
    return entries, FrameRange(first, last), covered


def _frame_path(reader, frame):
    pattern = getattr(reader, "pattern", None)
    return pattern.path(frame) if pattern is not None else reader.name


def chunk_frames(options):
    """The frames of `--frames LO-HI --direction D --chunk-of K:SIZE` as "A-B": the K-th
    (1-based) run of SIZE frames of LO-HI in D's order (forward: from LO up; backward: from HI
    down), or None when it starts past the chain's end (nothing to render). UsageError naming
    --chunk-of when its value or the flags it needs are wrong."""
    text = options.chunk_of
    match = re.fullmatch(r"\s*(-?\d+)\s*:\s*(-?\d+)\s*", text)
    if not match:
        raise UsageError(f"--chunk-of '{text}': expected K:SIZE, the K-th chunk (1, 2, ...) of SIZE frames, "
                         "e.g. 3:50")
    k, size = int(match.group(1)), int(match.group(2))
    if k < 1 or size < 1:
        what = f"chunk {k}: chunks are numbered from 1" if k < 1 else f"size {size}: at least 1 frame"
        raise UsageError(f"--chunk-of {text}: {what}")
    if options.frames is None or options.direction == "both":
        raise UsageError(f"--chunk-of {text}: numbers chunks along one chain: give the chain's frames and "
                         "direction, --frames LO-HI --direction forward|backward")
    low, high = parse_frame_range(options.frames)
    if options.direction == "forward":
        first, last = low + (k - 1) * size, min(low + k * size - 1, high)
    else:
        first, last = max(high - k * size + 1, low), high - (k - 1) * size
    return f"{first}-{last}" if first <= last else None
