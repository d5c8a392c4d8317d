"""Frame rates as people type them, as the exact ratios video files and timecode use.

    parse_frame_rate("25")          -> Fraction(25, 1)
    parse_frame_rate("23.976")      -> Fraction(24000, 1001)   (so are "23.98" and "24000/1001")
    parse_frame_rate("29.97")       -> Fraction(30000, 1001)
    parse_frame_rate("12.5")        -> Fraction(25, 2)
    rate_text(Fraction(30000, 1001))  -> "29.97 (30000/1001)"

The NTSC family of rates is N x 1000/1001 frames per second (23.976, 29.97, 47.952, 59.94,
119.88, ...): no decimal writes one exactly, and a decimal read as it is would be another rate
(23.976 = 2997/125 drifts from 24000/1001 by a frame every 11.6 hours, and SMPTE timecode has no
2997/125 rate at all). So a decimal with two or more places that is such a rate rounded to the
places typed means that rate; any other decimal means itself. Every option of the `excolor`
commands that takes a rate (`--fps`, `--edl-rate`) reads it here.
"""
import re
from fractions import Fraction

MAX_FRAME_RATE = 1000  # beyond any camera's rate; FFmpeg's time bases overflow far above it
NTSC = Fraction(1000, 1001)  # an NTSC rate is a whole number of frames per second times this

_WHOLE = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d*\.(\d+)")
_RATIO = re.compile(r"-?\d+/\d+")


def parse_frame_rate(text):
    """A frame rate typed as a whole number ("25"), a decimal ("23.976", "12.5") or a ratio
    ("24000/1001") -> Fraction above 0 and at most MAX_FRAME_RATE. A decimal that is an NTSC
    rate rounded to its places (module docstring) gives that rate. ValueError naming `text`
    otherwise."""
    text = str(text).strip()
    decimal = _DECIMAL.fullmatch(text)
    if decimal:
        rate = _typed_decimal(Fraction(text), len(decimal.group(1)))
    elif _WHOLE.fullmatch(text) or _RATIO.fullmatch(text):
        numerator, _, denominator = text.partition("/")
        denominator = int(denominator or 1)
        rate = Fraction(int(numerator), denominator) if denominator else Fraction(0)  # n/0: refused below
    else:
        raise ValueError(f"'{text}' is not a frame rate: give a whole number (25), a decimal (23.976) "
                         "or a ratio (24000/1001)")
    if not 0 < rate <= MAX_FRAME_RATE:
        raise ValueError(f"{text}: a frame rate is above 0 and at most {MAX_FRAME_RATE}")
    return rate


def _typed_decimal(value, places):
    """The rate a decimal typed with `places` places means: the NTSC rate it rounds (two places
    or more, so that 59.9 stays 59.9), else the decimal itself."""
    whole = round(value / NTSC)
    if places >= 2 and whole >= 1 and value != whole and round(whole * NTSC, places) == value:
        return whole * NTSC
    return value


def rate_text(rate):
    """A rate as messages show it: "25", "12.5", "29.97 (30000/1001)" (an NTSC rate also as the
    ratio it is), or "2997/125" for any other ratio."""
    rate = Fraction(rate)
    ratio = f"{rate.numerator}/{rate.denominator}"
    if rate.denominator == 1:
        return str(rate.numerator)
    if (rate / NTSC).denominator == 1:
        return f"{round(float(rate), 3):g} ({ratio})"
    decimal = f"{float(rate):g}"
    # A decimal only where it reads back as this rate: 2997/125 is not what "23.976" means.
    return decimal if _DECIMAL.fullmatch(decimal) and parse_frame_rate(decimal) == rate else ratio
