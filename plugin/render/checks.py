"""The checks `excolor colorize` makes before its first frame renders.

- `check_options`: each option's value on its own and with the others (UsageError naming it);
- `check_frames`: the shots and `--frames` against INPUT, and INPUT's frames on disk;
- `check_encoder`: a video OUTPUT's codec, pixel format, quality and rate, by encoding one frame
  of the plate's size into a scratch file with exactly the writer the render will use, so
  whatever the encoder refuses is refused before the render, naming the option;
- `claim_output_paths`: every path the job writes, through the one rule of excolor.render.output_paths;
- `option_words`: the node's messages in the command's words (`--network-size`, not the
  node's `network_long_side`).
"""
import math
import tempfile
import warnings
from pathlib import Path

import av
import numpy as np

from .. import io
from ..colour.management import config_source
from ..errors import InputError, OutputError, UsageError
from ..io.pixel_formats import codec_formats
from ..shotlists.entries import FrameRange, check_shots, load_shot_list, single_shot
from .output_paths import OutputPaths, written_earlier

MAX_FPS = 1000  # beyond any camera's rate; FFmpeg's time bases overflow far above it
# The node's parameter names as the command's flags, for messages the node raises.
_OPTION_WORDS = (("network_long_side", "--network-size"), ("device='cpu'", "--device cpu"))


def option_words(message):
    """A message of the node's, with its parameter names replaced by the command's flags."""
    for api, flag in _OPTION_WORDS:
        message = message.replace(api, flag)
    return message


def check_options(options, output_kind):
    """UsageError naming the first option whose value cannot work (no file is touched)."""
    if options.reference is None and options.shots is None:
        raise UsageError("give the colours: --reference IMG (one shot) or --shots SHOTS.json")
    if options.reference_frame is not None and options.reference is None:
        raise UsageError("--reference-frame goes with --reference")
    if options.state_every < 1:
        raise UsageError(f"--state-every {options.state_every}: must be at least 1")
    if options.preroll < 0:
        raise UsageError(f"--preroll {options.preroll}: must be 0 or more frames")
    if options.network_size is not None and options.network_size < 1:
        raise UsageError(f"--network-size {options.network_size}: must be a positive number of pixels")
    if options.saturation is not None and not (math.isfinite(options.saturation) and options.saturation >= 0):
        raise UsageError(f"--saturation {options.saturation}: must be a number, 0 or more")
    if output_kind == "image":
        raise UsageError(
            f"OUTPUT {options.output}: must be a video ({', '.join(io.VIDEO_EXTENSIONS)}) or an image "
            "sequence with a frame field, e.g. out/shot.####.exr"
        )
    if options.preset is not None and options.codec not in io.PRESET_CODECS:
        raise UsageError(f"--preset {options.preset}: presets are for {' and '.join(io.PRESET_CODECS)}, "
                         f"not --codec {options.codec}")
    if options.fps is not None and not 0 < options.fps <= MAX_FPS:
        raise UsageError(f"--fps {options.fps}: must be a frame rate above 0 and at most {MAX_FPS}")
    low, high = io.CRF_RANGES.get(options.codec, (-math.inf, math.inf))
    if not low <= options.crf <= high:
        raise UsageError(f"--crf {options.crf}: {options.codec} takes {low} (best) to {high} (smallest)")


def check_frames(options, reader, frames):
    """(shot entries, FrameRange to render, frames some shot covers) once the shots and frames
    pass their checks; a warning names frames no shot covers."""
    first, last = frames or (reader.first, reader.last)
    if options.shots is not None:
        entries = load_shot_list(options.shots, edl_rate=options.edl_rate, media=options.input)
    else:
        if options.reference_frame is not None and not first <= options.reference_frame <= last:
            raise UsageError(
                f"--reference-frame {options.reference_frame} is outside frames {first}-{last}"
            )
        entries = single_shot(options.reference, first, last, options.reference_frame)
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


def check_encoder(options, reader, make_writer):
    """Encode one black frame of the plate's size with `make_writer(path, temp_path)` (the
    render's own VideoWriter factory) into a scratch folder outside OUTPUT's: UsageError naming
    --codec / --pix-fmt / --crf / --fps with the encoder's reason if it refuses."""
    formats = codec_formats(options.codec)  # UsageError naming --codec when FFmpeg has no such encoder
    with tempfile.TemporaryDirectory(prefix="excolor-encoder-check-") as scratch:
        probe = Path(scratch) / f"probe{Path(options.output).suffix}"
        try:
            writer = make_writer(probe, Path(scratch) / "encoding.partial")
            try:
                writer.write(reader.first, np.zeros((reader.height, reader.width, 3), np.float32))
                writer.finish()
            except BaseException:
                writer.abort()
                raise
        # TypeError: PyAV's answer to an audio encoder given video settings.
        except (av.error.FFmpegError, ValueError, TypeError, OverflowError, OutputError) as error:
            reason = str(error).replace(str(probe), Path(options.output).name)
            raise UsageError(_encoder_refusal(options, reader, formats, reason)) from error


def _encoder_refusal(options, reader, formats, reason):
    chosen = f"--codec {options.codec}" + (f" with --pix-fmt {options.pix_fmt}" if options.pix_fmt else "")
    if not formats:
        advice = f"{options.codec} is not a video encoder"
    elif options.pix_fmt and (reader.width % 2 or reader.height % 2):
        advice = f"the plate's odd side does not fit --pix-fmt {options.pix_fmt}'s chroma subsampling; try yuv444p"
    elif not options.pix_fmt and formats:
        advice = f"give a --pix-fmt it takes: {', '.join(formats)}"
    else:
        advice = f"the {Path(options.output).suffix} container or these settings do not suit it"
    return (f"{chosen}: the encoder refuses this {reader.width}x{reader.height} plate for OUTPUT "
            f"{Path(options.output).name} ({advice}); FFmpeg says: {reason}")


def claim_output_paths(job, workspace, digest):
    """The OutputPaths of `job` (a ColorizeJob): OUTPUT, --preview and the `.excolor/` folder,
    checked against INPUT, the references, the shot list and the OCIO config. `digest`: the
    job's fingerprint digest (files recorded under it were written by this job)."""
    options, reader = job.options, job.reader
    protected = {image: "a reference image" for image in job.references}
    sequences = []
    if reader.kind == "video":
        protected[Path(reader.name)] = "INPUT"
    else:
        sequences.append((reader.pattern, "INPUT"))
    if options.shots is not None:
        protected[Path(options.shots)] = "the shot list"
    config = config_source(options.ocio_config)  # --ocio-config, else $OCIO's, else built in
    if Path(config).is_file():
        protected[Path(config)] = "the OCIO config"
    paths = OutputPaths(protected, sequences, overwrite=options.overwrite)
    known = (workspace.root / "fingerprint.json").is_file()  # a render of OUTPUT started before
    if job.output_kind == "video":
        paths.claim(Path(options.output), "OUTPUT", ours=known and workspace.completed() is not None)
    else:
        paths.claim_sequence(io.SequencePattern.parse(options.output), job.covered, "OUTPUT",
                             ours=lambda _frame: known)
    paths.claim_folder(workspace.root, "OUTPUT", options.output)
    if job.matte.form == "sequence":
        paths.claim_sequence(job.matte.pattern, job.covered, "--matte", ours=lambda _frame: known)
    if options.preview:
        sheet = Path(options.preview)
        paths.claim(sheet, "--preview", ours=written_earlier(workspace.root, sheet, digest))
    return paths
