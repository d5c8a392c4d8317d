"""A CMX 3600 EDL as an OpenTimelineIO timeline, read by OTIO's `cmx_3600` adapter at the
rate its timecode is in, drop-frame timecode included.

An EDL does not say its rate: it is --edl-rate, else INPUT's when INPUT is a video, else
29.97 for an EDL whose `FCM:` says DROP FRAME, else 24. Drop-frame timecode (`FCM: DROP FRAME`,
or a `;` before the frames) labels frames with gaps (00:00:59;29 is followed by 00:01:00;02);
the adapter reads a `;` on an event line but skips every locator (`* LOC:`) line written so, and
reads a `:` as non-drop-frame whatever the FCM says. So each drop-frame timecode is handed to
the adapter as the non-drop-frame label of the same frame count, the count it stands for.
"""
import re

from ..errors import InputError, UsageError
from .timecode import DEFAULT_RATE, TIMECODE_RATES, otio, rate_text, same_rate, timecode_rate

_FCM = re.compile(r"^\s*FCM:\s*(NON[- ]?DROP[- ]?FRAME|DROP[- ]?FRAME)\s*$", re.IGNORECASE)
_EVENT = re.compile(r"^\s*\d+\s")  # "001  AX  V  C  ..." (an event line starts with its number)
_LOCATOR = re.compile(r"^\s*\*\s*LOC:", re.IGNORECASE)
_TIMECODE = re.compile(r"\b(\d\d):(\d\d):(\d\d)[:;.,](\d\d)\b")
_DROP_RATES = (30000 / 1001, 60000 / 1001)
DROP_FRAME_RATE = 30000 / 1001


def read_edl(path, edl_rate, timing):
    """(timeline, rate): the EDL at `path` read by OTIO's cmx_3600 adapter, and the rate (an
    exact number) its timecode is read at. edl_rate: --edl-rate, or None; timing: INPUT's
    VideoTiming (excolor.shotlists.timecode), or None. UsageError where the rate is not one
    SMPTE timecode has, is not the video's, or is no drop-frame rate for a drop-frame EDL;
    InputError where the adapter cannot read the file."""
    if timing and edl_rate and not same_rate(edl_rate, timing.rate):
        raise UsageError(f"--edl-rate {rate_text(edl_rate)}: INPUT {timing.path} runs at {rate_text(timing.rate)} "
                         "fps, and its frames are numbered by that rate; give its rate or leave --edl-rate out")
    if edl_rate and timecode_rate(edl_rate) is None:
        raise UsageError(f"--edl-rate {rate_text(edl_rate)}: no SMPTE timecode runs at this rate; an EDL's "
                         f"timecode is read at {TIMECODE_RATES} fps")
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as error:
        raise InputError(f"{path}: not a readable CMX 3600 EDL ({error})") from error
    drop_frame = _says_drop_frame(text)
    rate = edl_rate or (timing.rate if timing else (DROP_FRAME_RATE if drop_frame else DEFAULT_RATE))
    if drop_frame and not any(same_rate(rate, r) for r in _DROP_RATES):
        given = "--edl-rate" if edl_rate else f"INPUT {timing.path}'s rate" if timing else "the rate"
        raise UsageError(f"{path}: drop-frame timecode (FCM: DROP FRAME, or a ';' before the frames) is "
                         f"29.97 or 59.94 fps; {given} is {rate_text(rate)}")
    float_rate = timecode_rate(rate) or float(rate)
    try:
        timeline = otio().adapters.read_from_string(_non_drop_labels(text, float_rate), adapter_name="cmx_3600",
                                                    rate=float_rate)
    except (otio().exceptions.OTIOError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path}: not a readable CMX 3600 EDL ({type(error).__name__}: {error})") from error
    return timeline, rate


def _says_drop_frame(text):
    """True where an event or locator is in drop-frame timecode."""
    return any(state for state, _line in _lines_with_fcm(text)) or any(
        ";" in match.group(0) for line in text.splitlines() if _EVENT.match(line) or _LOCATOR.match(line)
        for match in _TIMECODE.finditer(line))


def _lines_with_fcm(text):
    """(drop frame?, line) for each line: the FCM line last met above it (non-drop at the top)."""
    drop = False
    for line in text.splitlines():
        fcm = _FCM.match(line)
        if fcm:
            drop = not fcm.group(1).upper().startswith("NON")
        yield drop, line


def _non_drop_labels(text, rate):
    """`text` with each drop-frame timecode of its event and locator lines written as the
    non-drop-frame label of the same frame count at `rate` (what the adapter reads as that count)."""
    opentime = otio().opentime
    lines = []
    for drop, line in _lines_with_fcm(text):
        if _EVENT.match(line) or _LOCATOR.match(line):
            def relabel(match, drop=drop):
                if not (drop or ";" in match.group(0)):
                    return match.group(0)
                hours, minutes, seconds, frames = match.groups()
                count = opentime.from_timecode(f"{hours}:{minutes}:{seconds};{frames}", rate)
                return opentime.to_timecode(count, rate, False)
            line = _TIMECODE.sub(relabel, line)
        lines.append(line)
    return "\n".join(lines) + "\n"
