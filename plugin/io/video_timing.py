"""The timestamps of a video OUTPUT's frames: each output frame carries its source frame's time.

    timing = OutputTiming.choose(".mp4", rate, like=reader, frames=(0, 19))
    timing.time_base                  # the encoder's and the stream's time base (Fraction)
    timing.pts(7, 3)                  # input frame 7's timestamp in it (the 4th frame written)

Most containers keep any time base, so a video INPUT's own time base and every frame's own
timestamp are kept, uneven ones (variable frame rate: phones, screen recordings) included. AVI
and MXF count time in frames (their muxers take one tick per frame, 1/rate): there a frame's
time is its source time in frames of the rate, which holds only for evenly timed frames; a
variable-rate INPUT is refused for them, naming the frames, rather than given other times. An
image-sequence INPUT has no times of its own: its frames follow each other at the rate.
"""
import dataclasses
import fractions
from pathlib import Path

from ..errors import UsageError
from .frame_rates import rate_text

FRAME_COUNTED = (".avi", ".mxf")  # containers whose muxer takes one time-base tick per frame
TIMED = (".mp4", ".mov", ".mkv", ".m4v")  # what to write a variable-rate video as instead


@dataclasses.dataclass(frozen=True)
class OutputTiming:
    """time_base (Fraction) and each input frame's pts in it (`pts(frame, written)`)."""

    time_base: fractions.Fraction
    _pts: dict  # input frame -> pts; empty for a sequence INPUT (its frames are counted)

    @classmethod
    def choose(cls, output, rate, *, like=None):
        """The timing of OUTPUT `output` (its path: the container) at `rate` (Fraction): for a
        video INPUT `like` (a VideoReader), its time base and timestamps; None: a sequence,
        1/rate and frame counts. UsageError for a variable-rate INPUT into a frame-counted
        container: judged on the whole INPUT, so that the encoder check before a render (which
        writes one frame) refuses it as the encode would."""
        if like is None:
            return cls(fractions.Fraction(1) / rate, {})
        numbers = range(like.first, like.decoded_last + 1)
        if Path(output).suffix.lower() not in FRAME_COUNTED:
            return cls(fractions.Fraction(like.time_base), dict(zip(numbers, like.pts)))
        tick = fractions.Fraction(1) / rate
        counted = {n: round(like.pts[n] * like.time_base / tick) for n in numbers}
        uneven = next((n for n in numbers[1:] if counted[n] - counted[n - 1] != 1), None)
        if uneven is not None:
            raise UsageError(_uneven(output, like, uneven, rate))
        return cls(tick, counted)

    def pts(self, frame, written):
        """The pts of input frame `frame`, the frame after `written` others: a video INPUT's
        frame keeps its time, a sequence's frames follow each other one tick apart."""
        return self._pts[frame] if self._pts else written


def _uneven(output, like, frame, rate):
    def seconds(n):
        return f"{float(like.pts[n] * like.time_base):.3f} s"

    return (f"INPUT {like.path.name} has a variable frame rate (frame {frame - 1} at {seconds(frame - 1)}, "
            f"frame {frame} at {seconds(frame)}; {rate_text(rate)} fps on average), and a "
            f"{Path(output).suffix} OUTPUT holds frames at one steady rate, so their timing cannot be "
            f"kept there; write {', '.join(TIMED)}, which keep each frame's time")
