"""The colorize command's options as the render job takes them, and their checks.

- `JobOptions`: one field per option of `excolor colorize` (the flags, defaults and help are
  defined once, in excolor.cli.colorize);
- `check_options`: each option's value on its own and with the others (UsageError naming it),
  before any file is touched;
- `DIRECTIONS`: `--direction`'s words as the directions of the runs a job renders;
- `option_words`: the node's messages in the command's words (`--network-size`, not the node's
  `network_long_side`).
"""
from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from pathlib import Path
from typing import Literal

from .. import io
from ..engine.exemplar import MAX_SATURATION
from ..engine.runs import BACKWARD, FORWARD, direction_word
from ..errors import UsageError
from ..io.frame_rates import rate_text

# --direction's words (what the user types) -> the directions of the runs the job renders.
DIRECTIONS = {"both": (FORWARD, BACKWARD), **{direction_word(d): (d,) for d in (FORWARD, BACKWARD)}}
# `--report` given without a path (excolor.cli.colorize's const): the report as text on stderr.
REPORT_ON_STDERR = "-"
# The node's parameter names as the command's flags, for messages the node raises.
_OPTION_WORDS = (("network_long_side", "--network-size"), ("device='cpu'", "--device cpu"))


@dataclasses.dataclass(frozen=True, kw_only=True)
class JobOptions:
    """The colorize command's settings: one field per option of `excolor colorize`, named as
    its argparse destination. `from_namespace` takes the parsed values from there."""

    input: str
    output: str
    reference: Path | None
    reference_frame: int | Literal["auto", "none"]  # --reference-frame: pinned, found, never pinned
    shots: Path | None
    frames: str | None  # "A-B" as given: parsed after the checks that come before it
    direction: Literal["both", "forward", "backward"]  # one of DIRECTIONS
    chunk_of: str | None = None  # --chunk-of "K:SIZE" as given: a chunk of --frames (excolor.render.frames)
    preroll: int
    state_every: int
    model: str | None
    network_size: int | None
    device: Literal["auto", "cpu", "cuda"]
    io_threads: int
    threads: int | None = None  # --threads: at most this many threads per pool
    motion: Literal["dis", "graph"] = "dis"  # --motion: the node's motion estimator (NodeTuning.motion)
    edl_rate: Fraction | None = None  # --edl-rate: an EDL's timecode rate (excolor.shotlists.editorial)
    ocio_config: str | None  # a file, or a config name OCIO knows (kept as given)
    input_space: str | None
    reference_colorspace: str | None = None  # --reference-colorspace: every reference's, None: by pixel type
    saturation: float | None
    preview: str | None
    report: str | None = None  # --report: None, REPORT_ON_STDERR (no path given) or a JSON file's path
    matte: str | None  # a sequence pattern, or "channel" (excolor.render.matte)
    overwrite: bool
    stream: bool
    codec: str
    crf: int
    preset: str | None
    pix_fmt: str | None
    fps: Fraction | None  # a rate as excolor.io.frame_rates.parse_frame_rate gives it (above 0, at most 1000)

    @classmethod
    def from_namespace(cls, args):
        """The options from `excolor colorize`'s parsed arguments (other attributes ignored)."""
        return cls(**{field.name: getattr(args, field.name) for field in dataclasses.fields(cls)})

    @property
    def report_file(self):
        """The file --report writes its JSON to (a Path), or None (no report, or text on stderr)."""
        return None if self.report in (None, REPORT_ON_STDERR) else Path(self.report)

    def video_options(self):
        """A video OUTPUT's encoder settings (excolor.io.VideoOptions)."""
        return io.VideoOptions(self.codec, self.crf, self.pix_fmt, self.fps, self.preset)


def option_words(message):
    """A message of the node's, with its parameter names replaced by the command's flags."""
    for api, flag in _OPTION_WORDS:
        message = message.replace(api, flag)
    return message


def check_options(options, output_kind):
    """UsageError naming the first option whose value cannot work (no file is touched).
    output_kind: OUTPUT's, as excolor.io.describe_kind names it."""
    if options.reference is None and options.shots is None:
        raise UsageError("give the colours: --reference IMG (one shot) or --shots SHOTS.json")
    if options.reference_frame != "auto" and options.reference is None:
        raise UsageError("--reference-frame goes with --reference; in a shot list each reference's frame is its "
                         '"reference_frame" (or a keyframe\'s "frame"): a frame number, or "none"')
    if options.state_every < 1:
        raise UsageError(f"--state-every {options.state_every}: must be at least 1")
    if options.preroll < 0:
        raise UsageError(f"--preroll {options.preroll}: must be 0 or more frames")
    if options.network_size is not None and options.network_size < 1:
        raise UsageError(f"--network-size {options.network_size}: must be a positive number of pixels")
    if options.saturation is not None and not 0 <= options.saturation <= MAX_SATURATION:
        raise UsageError(f"--saturation {options.saturation}: must be a number in 0..{MAX_SATURATION:g}")
    if options.preview is not None and Path(options.preview).suffix.lower() == ".exr":
        # The sheet is display sRGB (labels, tiles through the display view): in an EXR, which
        # holds scene-linear values, a comp would read it as light and show it wrong.
        raise UsageError(f"--preview {options.preview}: the contact sheet is an 8-bit display sRGB picture, "
                         "and an EXR holds scene-linear values; name a .png")
    if output_kind == "image":
        raise UsageError(
            f"OUTPUT {options.output}: must be a video ({', '.join(io.VIDEO_EXTENSIONS)}) or an image "
            "sequence with a frame field, e.g. out/shot.####.exr"
        )
    if options.preset is not None and options.codec not in io.PRESET_CODECS:
        raise UsageError(f"--preset {options.preset}: presets are for {' and '.join(io.PRESET_CODECS)}, "
                         f"not --codec {options.codec}")
    _check_rates(options, output_kind)
    low, high = io.CRF_RANGES.get(options.codec, (-math.inf, math.inf))
    if not low <= options.crf <= high:
        raise UsageError(f"--crf {options.crf}: {options.codec} takes {low} (best) to {high} (smallest)")


def _check_rates(options, output_kind):
    """--edl-rate and --fps only where they set something: an option silently ignored would
    leave a user believing the output has a rate it has not."""
    if options.edl_rate is not None and (options.shots is None or options.shots.suffix.lower() != ".edl"):
        given = f"SHOTS {options.shots} is not an EDL" if options.shots is not None else "there is no --shots"
        raise UsageError(f"--edl-rate {rate_text(options.edl_rate)}: the rate of a CMX 3600 EDL's timecode "
                         f"(--shots CUT.edl), and {given}; leave it out")
    if options.fps is None:
        return
    if io.describe_kind(options.input) == "video":
        # Frames are never retimed: a video OUTPUT of a video INPUT keeps its rate, time base and
        # every frame's timestamp (and so its sync with the audio it carries over).
        raise UsageError(f"--fps {rate_text(options.fps)}: INPUT {options.input} is a video, whose frame rate "
                         "and timestamps OUTPUT keeps (excolor does not retime); --fps is the rate of a "
                         "video made from an image sequence; leave it out")
    if output_kind != "video":
        raise UsageError(f"--fps {rate_text(options.fps)}: OUTPUT {options.output} is an image sequence, "
                         "whose frames have no rate; --fps is a video OUTPUT's rate; leave it out")
