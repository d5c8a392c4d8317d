"""`excolor colorize` end to end: check the inputs, set up node and `.excolor/`, run, report.

Every check happens before the first frame is rendered, and names what is wrong: the input
(missing frames), the shots (overlaps, ranges, placeholders), the references (missing,
unreadable; gray ones warn), the model (hash, graphs), the output (unwritable, would overwrite
the input or frames made by something else).
"""
import dataclasses
import logging
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from .errors import InputError, OutputError, UsageError

log = logging.getLogger(__name__)
# A reference whose channels differ by less than this (99th percentile) carries no colour.
GRAY_SPREAD = 0.02


@dataclasses.dataclass(frozen=True)
class JobOptions:
    """The colorize command's settings (see `excolor colorize --help`)."""

    input: str
    output: str
    reference: object = None
    reference_frame: object = None
    shots: object = None
    frames: object = None
    direction: str = "both"
    state_every: int = 10
    preroll: int = 0
    model: object = None
    network_size: object = None
    device: str = "auto"
    io_threads: int = 2
    stream: bool = False
    ocio_config: object = None
    input_space: object = None
    saturation: object = None
    preview: object = None
    overwrite: bool = False
    codec: str = "libx264"
    crf: int = 18
    pix_fmt: object = None
    fps: object = None
    preset: object = None


def say(text):
    print(f"excolor colorize: {text}", file=sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    say(f"warning: {message}")


def _terminated(signum, frame):
    # A farm manager cancelling a task sends SIGTERM: stop as Ctrl-C does, saving each run's
    # state at its last finished frame, so the task resumes where it stopped.
    raise KeyboardInterrupt(f"signal {signum}")


def colorize(options):
    """Run the command; returns the exit code (errors are raised as ExcolorError)."""
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = _show_warning
            return _colorize(options)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _colorize(options):
    from . import io
    from .shotlist import check_shots, load_shot_list, parse_frame_range, single_shot

    if options.reference is None and options.shots is None:
        raise UsageError("give the colours: --reference IMG (one shot) or --shots SHOTS.json")
    if options.reference_frame is not None and options.reference is None:
        raise UsageError("--reference-frame goes with --reference")
    if options.state_every < 1:
        raise UsageError(f"--state-every {options.state_every}: must be at least 1")
    if options.preroll < 0:
        raise UsageError(f"--preroll {options.preroll}: must be 0 or more frames")
    if options.preset is not None and options.codec not in io.PRESET_CODECS:
        raise UsageError(f"--preset {options.preset}: presets are for {' and '.join(io.PRESET_CODECS)}, "
                         f"not --codec {options.codec}")
    output_kind = io.describe_kind(options.output)
    if output_kind == "image":
        raise UsageError(
            f"OUTPUT {options.output}: must be a video ({', '.join(io.VIDEO_EXTENSIONS)}) or an image "
            "sequence with a frame field, e.g. out/shot.####.exr"
        )
    frames = parse_frame_range(options.frames) if options.frames else None
    reader = io.open_input(options.input)
    try:
        _refuse_input_as_output(reader, options.output, output_kind)
        first, last = frames or (reader.first, reader.last)
        if options.shots is not None:
            entries = load_shot_list(options.shots)
        else:
            if options.reference_frame is not None and not first <= options.reference_frame <= last:
                raise UsageError(
                    f"--reference-frame {options.reference_frame} is outside frames {first}-{last}"
                )
            entries = single_shot(options.reference, first, last, options.reference_frame)
        uncovered = check_shots(entries, reader.first, reader.last, frames)
        if uncovered:
            warnings.warn(uncovered)
        covered = sorted(
            {f for e in entries for f in range(max(e.start, first), min(e.end, last) + 1)}
        )
        if not covered:
            raise UsageError(f"no shot covers frames {first}-{last}: nothing to render")
        missing = reader.missing(covered[0], covered[-1])
        missing = [f for f in missing if f in set(covered)]
        if missing:
            raise InputError(
                f"{reader.name}: frames {io.ranges_text(missing)} are missing "
                f"(first missing file: {_frame_path(reader, missing[0])})"
            )
        references = _check_references(entries)
        from .colorize_run import render

        return render(options, reader, entries, references, first, last, covered, output_kind)
    finally:
        reader.close()


def _frame_path(reader, frame):
    pattern = getattr(reader, "pattern", None)
    return pattern.path(frame) if pattern is not None else reader.name


def _refuse_input_as_output(reader, output, output_kind):
    from .io import SequencePattern

    if output_kind == "video":
        target = Path(output).resolve()
        same = reader.kind == "video" and target == Path(reader.name).resolve()
    else:
        pattern = SequencePattern.parse(output)
        same = reader.kind == "sequence" and (
            pattern.path(reader.first).resolve() == reader.pattern.path(reader.first).resolve()
        )
    if same:
        raise OutputError(f"OUTPUT {output} is INPUT {reader.name}: excolor never overwrites its input")


def _check_references(entries):
    """{path: sha256} of every keyframe image, after reading each (InputError if unreadable)."""
    from .io import read_reference
    from .workspace import file_sha256

    hashes = {}
    for entry in entries:
        for image, _frame in entry.keyframes:
            if image in hashes:
                continue
            try:
                pixels, _fmt = read_reference(image)
            except InputError as error:
                raise InputError(f"{entry.describe()}: {error}") from error
            spread = np.nan_to_num(pixels.max(axis=2) - pixels.min(axis=2))
            if float(np.percentile(spread, 99)) < GRAY_SPREAD:
                warnings.warn(
                    f"{entry.describe()}: reference {image} is gray (no colour to carry); "
                    "the shot will come out nearly gray"
                )
            hashes[image] = file_sha256(image)
    return hashes


def output_dir_and_name(output, output_kind):
    """(folder that holds OUTPUT, name of its `.excolor/` entry); OutputError if unwritable."""
    from .io import SequencePattern

    if output_kind == "video":
        folder, name = Path(output).parent, Path(output).name
    else:
        pattern = SequencePattern.parse(output)
        folder, name = pattern.directory, Path(pattern.display()).name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"OUTPUT {output}: cannot create folder {folder} ({error.strerror or error})") from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"OUTPUT {output}: folder {folder} is not writable")
    return folder, name
