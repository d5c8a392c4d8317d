"""What a video OUTPUT holds across renders: `--frames` chunks into one video, and its encoder.

A video is encoded in one go, in order, from frames kept losslessly in `.excolor/`
(excolor.render.targets.VideoFramesTarget). A chunk into a video that holds other frames adds
to it: the video is encoded again over the span of both, from the cached frames, once every
frame of that span is rendered; until then it keeps what it held. So the cache stays until the
video holds the whole INPUT (then it is cleared: `excolor clean` clears it earlier).

The encoder's settings (--codec, --crf, --preset, --pix-fmt, --fps) are recorded with the
encode: the same command with other settings encodes again from the cached frames, or, when
they are no longer cached, is refused naming the change (the frames would have to be rendered
again: --overwrite does that).
"""
import dataclasses
from pathlib import Path

from ..errors import StateError
from ..shotlists.entries import FrameRange
from .targets import frame_cache
from .workspace import describe_changes


@dataclasses.dataclass(frozen=True)
class VideoPlan:
    """span: the frames (a FrameRange) the video holds once this render is done; encoded: it
    holds them already, from the runs and with the encoder settings of this render; whole: span
    is the whole INPUT (the frame cache is cleared once it is encoded)."""

    span: FrameRange
    encoded: bool
    whole: bool


def plan_video(workspace, options, encode, frames, covered_in, input_range):
    """The VideoPlan of a render of `frames` (a FrameRange) into the video OUTPUT of `options`
    (JobOptions), whose opened `workspace` recorded its earlier encode. encode: the encoder
    settings (excolor.render.encoder.encode_settings); covered_in(span) -> the frames of span some
    shot covers; input_range: INPUT's (first, last). StateError when the settings changed and
    the video's frames are no longer cached."""
    held = workspace.completed()
    if held is None or options.overwrite or not Path(options.output).exists():
        return VideoPlan(frames, encoded=False, whole=tuple(frames) == tuple(input_range))
    low, high = held["frames"]
    span = FrameRange(min(low, frames.first), max(high, frames.last))
    whole = tuple(span) == tuple(input_range)
    if held["encode"] != encode:
        cache = frame_cache(workspace.root)
        gone = [f for f in covered_in((low, high)) if not cache.path(f).is_file()]
        if gone:
            changed = "; ".join(describe_changes(held["encode"], encode))
            raise StateError(
                f"{options.output} holds frames {low}-{high} encoded with other settings ({changed}), and "
                f"{len(gone)} of its frames are no longer kept to encode again (e.g. frame {gone[0]}); "
                "pass --overwrite to render it again, or leave the settings as they were"
            )
        return VideoPlan(span, encoded=False, whole=whole)
    inside = low <= frames.first and frames.last <= high
    encoded = inside and all(workspace.made_from_runs(f) for f in covered_in(tuple(frames)))
    return VideoPlan(FrameRange(low, high) if encoded else span, encoded=encoded, whole=whole)
