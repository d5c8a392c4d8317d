"""`excolor colorize` end to end: check the inputs, set up node and `.excolor/`, run, report.

Every check happens before the first frame is rendered, and names what is wrong: the input
(missing frames), the shots (overlaps, ranges, placeholders), the references (missing,
unreadable; gray ones warn), the model (hash, graphs), the output (unwritable, would overwrite
the input or frames made by something else).

`colorize(options)` makes those checks and holds what they found in a ColorizeJob, whose
`render()` makes the node, opens the output's `.excolor/` workspace, runs the Batch (the
scheduler, excolor.batch) into the output's target (excolor.outputs), encodes a video and
writes the contact sheet.
"""
from __future__ import annotations

import dataclasses
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Literal

from . import io
from .batch import DIRECTIONS, Batch, delivery_order, waiting_error
from .colour_management import ColourConverter, input_kind_for_pixels
from .errors import InputError, OutputError, UsageError
from .files import file_sha256, temp_name
from .node import ColorizeNode
from .outputs import (SequenceTarget, StreamedVideoTarget, VideoFramesTarget, encode_video, output_dir_and_name,
                      refuse_input_as_output)
from .overlap import DEFAULT_READ_AHEAD
from .preview import SheetRow, shot_samples, write_contact_sheet
from .progress import progress_bar
from .runs import Keyframe, Shot
from .shotlist import (FrameRange, ShotEntry, check_references, check_shots, load_shot_list, parse_frame_range,
                       single_shot)
from .workspace import Workspace


@dataclasses.dataclass(frozen=True, kw_only=True)
class JobOptions:
    """The colorize command's settings: one field per option of `excolor colorize`, named as
    its argparse destination. The flags, defaults and help are defined once, in
    excolor.cli.colorize; `from_namespace` takes the parsed values from there."""

    input: str
    output: str
    reference: Path | None
    reference_frame: int | None
    shots: Path | None
    frames: str | None  # "A-B" as given: parsed after the checks that come before it
    direction: Literal["both", "forward", "backward"]
    preroll: int
    state_every: int
    model: str | None
    network_size: int | None
    device: Literal["auto", "cpu", "cuda"]
    io_threads: int
    ocio_config: str | None  # a file, or a config name OCIO knows (kept as given)
    input_space: str | None
    saturation: float | None
    preview: str | None
    overwrite: bool
    stream: bool
    codec: str
    crf: int
    preset: str | None
    pix_fmt: str | None
    fps: float | None

    @classmethod
    def from_namespace(cls, args):
        """The options from `excolor colorize`'s parsed arguments (other attributes ignored)."""
        return cls(**{field.name: getattr(args, field.name) for field in dataclasses.fields(cls)})


def say(text):
    print(f"excolor colorize: {text}", file=sys.stderr)


def _show_warning(message, *_where, **_file_and_line):
    # warnings.showwarning's signature: only the message is shown, as one of the command's lines.
    say(f"warning: {message}")


def _terminated(signum, frame):
    # A farm manager cancelling a task sends SIGTERM: stop as Ctrl-C does, saving each run's
    # state at its last finished frame, so the task resumes where it stopped.
    raise KeyboardInterrupt(f"signal {signum}")


def colorize(options):
    """Run the command; returns the exit code (errors are raised as ExcolorError)."""
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
        refuse_input_as_output(reader, options.output, output_kind)
        return _checked_job(options, reader, frames, output_kind).render()
    finally:
        reader.close()


def _checked_job(options, reader, frames, output_kind):
    """The ColorizeJob once the shots, frames and references pass their checks."""
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
    covered = sorted({f for e in entries for f in e.frames_in(first, last)})
    if not covered:
        raise UsageError(f"no shot covers frames {first}-{last}: nothing to render")
    missing = reader.missing(covered[0], covered[-1])
    missing = [f for f in missing if f in set(covered)]
    if missing:
        raise InputError(
            f"{reader.name}: frames {io.ranges_text(missing)} are missing "
            f"(first missing file: {_frame_path(reader, missing[0])})"
        )
    return ColorizeJob(options=options, reader=reader, entries=entries, references=check_references(entries),
                       frames=FrameRange(first, last), covered=covered, output_kind=output_kind)


def _frame_path(reader, frame):
    pattern = getattr(reader, "pattern", None)
    return pattern.path(frame) if pattern is not None else reader.name


@dataclasses.dataclass(frozen=True, kw_only=True)
class ColorizeJob:
    """One `excolor colorize` that passed its checks, ready to render."""

    options: JobOptions
    reader: io.VideoReader | io.SequenceReader  # INPUT, open for the job's lifetime
    entries: list[ShotEntry]
    references: dict[Path, str]  # keyframe image -> sha256 of its file
    frames: FrameRange  # the frames to render: --frames, or the whole input
    covered: list[int]  # the frames of `frames` some shot covers, in order
    output_kind: Literal["video", "sequence"]

    @property
    def first(self):
        return self.frames.first

    @property
    def last(self):
        return self.frames.last

    def make_node(self):
        """The ColorizeNode for the job's model, settings, input and shots (UsageError if refused)."""
        options, reader, entries = self.options, self.reader, self.entries
        kind = input_kind_for_pixels(reader.pixel_format.dtype)
        try:
            node = ColorizeNode(
                model=options.model, device=options.device, network_long_side=options.network_size,
                ocio_config=options.ocio_config, input_space=options.input_space,
                saturation=options.saturation, input_kind=kind,
            )
        except ValueError as error:
            raise UsageError(str(error)) from error
        node.source = reader.read
        try:
            node.shots = [
                Shot(e.first, e.last, [Keyframe(image, frame) for image, frame in e.keyframes])
                for e in entries
            ]
        except ValueError as error:
            raise UsageError(str(error)) from error
        return node

    def fingerprint(self, node):
        """What the output's pixels depend on, as JSON-able data (see excolor.workspace)."""
        shots = {}
        for entry in self.entries:
            shots[f"shot {entry.number} (frames {entry.first}-{entry.last})"] = [
                {"image": Path(image).name, "frame": frame, "sha256": self.references[image]}
                for image, frame in entry.keyframes
            ]
        config = self.options.ocio_config
        return {
            "model": node.model.sha256(),
            "shots": shots,
            "settings": {
                "network long side": node.network_long_side,
                "saturation": node.saturation,
                "ocio config": file_sha256(config) if config and Path(config).is_file() else (config or "built-in"),
                "input space": self.options.input_space or "default",
                "pinned start": node.pinned_start,
                "preroll": self.options.preroll,
            },
            "input size": [self.reader.width, self.reader.height],
        }

    def render(self):
        """Render the frames into OUTPUT, resuming from `.excolor/`; returns the exit code."""
        options = self.options
        folder, name = output_dir_and_name(options.output, self.output_kind)
        node = self.make_node()
        if options.stream:
            self._check_streamable(node)
        say(f"model {node.model.path} on {node.device}; frames {self.first}-{self.last}; {len(self.entries)} shot(s)")
        workspace = Workspace(folder, name)
        target, complete = self._open_output(node, workspace)
        if complete:
            say(f"{options.output} is already complete")
            return self._finish_preview(node, {}, target, workspace)
        captured = {}
        read_ahead = DEFAULT_READ_AHEAD if options.io_threads else 0
        if options.stream:
            target = StreamedVideoTarget(self._video_writer(workspace), self.first, self.last)
        report = self._run_batch(node, workspace, target, captured)
        say(f"{len(report.written)} frame(s) written, {len(report.already_done)} already done")
        if report.waiting:
            raise waiting_error(report, f"{self.first}-{self.last}")
        if options.stream:
            self._mark_complete(workspace)
            if (workspace.root / "frames").is_dir():  # frames an earlier cached render left
                VideoFramesTarget(workspace).clear()
        elif self.output_kind == "video":
            pending = [f for f in self.covered if not target.exists(f)]
            if pending:
                say(f"video not encoded yet: {len(pending)} frame(s) still to render")
                return 0
            encode_video(self.reader, target, self._video_writer(workspace), self.frames, set(self.covered),
                         read_ahead=read_ahead)
            self._mark_complete(workspace)
        return self._finish_preview(node, captured, target, workspace)

    def _open_output(self, node, workspace):
        """Check OUTPUT against what `.excolor/` knows and open the workspace under this job's
        fingerprint -> (target, True when a video OUTPUT is already complete). A streamed video's
        target is made later (None here)."""
        options = self.options
        fresh = not (workspace.root / "fingerprint.json").is_file()
        if self.output_kind == "video":
            if Path(options.output).exists() and not options.overwrite and (fresh or not workspace.completed()):
                raise OutputError(f"OUTPUT {options.output} exists; pass --overwrite to replace it")
            workspace.open(self.fingerprint(node), options.overwrite)
            deep = self.reader.pixel_format.dtype != "uint8" or "10" in (options.pix_fmt or "")
            target = None if options.stream else VideoFramesTarget(workspace, deep=deep)
            complete = (workspace.completed() == [self.first, self.last] and Path(options.output).exists()
                        and not options.overwrite)
            return target, complete
        pattern = io.SequencePattern.parse(options.output)
        if fresh and not options.overwrite:
            existing = [f for f in self.covered if pattern.path(f).exists()]
            if existing:
                raise OutputError(
                    f"OUTPUT {pattern.display()} already has {len(existing)} frame(s) (e.g. "
                    f"{pattern.path(existing[0])}) not made by this render; pass --overwrite"
                )
        workspace.open(self.fingerprint(node), options.overwrite)
        return SequenceTarget(io.SequenceWriter(pattern, self.reader.pixel_format, workspace.tmp)), False

    def _run_batch(self, node, workspace, target, captured):
        """Run the Batch into `target` with a progress bar; the contact sheet's frames rendered
        here go into `captured`. A streamed video is finished, or aborted on any error (no
        partial video is left behind)."""
        options = self.options
        wanted = {frame for _entry, frame in self._samples()} if options.preview else set()

        def keep(result):
            if result.frame in wanted:
                captured[result.frame] = result

        writers = options.io_threads
        if options.stream:
            writers = min(writers, 1)  # the encoder takes frames in order, on one thread
        batch = Batch(node, target, workspace, self.frames, state_every=options.state_every,
                      direction=options.direction, on_frame=keep, preroll=options.preroll,
                      read_ahead=DEFAULT_READ_AHEAD if options.io_threads else 0, writers=writers)
        progress = progress_bar(len(batch.frames_to_write()), "colorizing")
        batch.progress = progress
        try:
            report = batch.run()
            if options.stream:
                target.finish()
        except BaseException:
            if options.stream:
                target.abort()
            raise
        finally:
            if progress is not None:
                progress.close()
        return report

    def _mark_complete(self, workspace):
        workspace.mark_complete(self.frames)
        say(f"wrote {self.options.output}")

    def _video_writer(self, workspace):
        options, reader = self.options, self.reader
        video_options = io.VideoOptions(options.codec, options.crf, options.pix_fmt, options.fps, options.preset)
        return io.VideoWriter(options.output, reader.width, reader.height,
                              workspace.tmp / temp_name("encoding" + Path(options.output).suffix), video_options,
                              like=reader if reader.kind == "video" else None)

    def _check_streamable(self, node):
        """--stream needs a video of the whole input whose frames finish in order (checked before
        anything is written)."""
        first, last = self.frames
        if self.output_kind != "video":
            raise UsageError("--stream is for a video OUTPUT (image sequences are written frame by "
                             "frame already)")
        if self.options.frames:
            raise UsageError("--stream renders a video in one go; farm chunks (--frames) need the frame cache")
        order = delivery_order(node, first, last, DIRECTIONS[self.options.direction])
        for position, frame in enumerate(order):
            if frame != first + position:
                raise UsageError(
                    f"--stream: frame {frame} would finish before frame {first + position} (frames "
                    "rendered backwards from a keyframe pinned inside a shot, blended between two "
                    "keyframes, or covered by no shot reach the encoder out of order); render without "
                    "--stream, which keeps finished frames until the video can be encoded in order"
                )
        if len(order) != last - first + 1:
            raise UsageError(f"--stream: frames {first + len(order)}-{last} are in no shot; render "
                             "without --stream, which encodes the input's own frames there")

    def _samples(self):
        """(shot entry, frame) of each contact-sheet row."""
        return shot_samples(self.entries, self.first, self.last)

    def _finish_preview(self, node, captured, target, workspace):
        if self.options.preview:
            self._write_preview(node, captured, workspace)
        if isinstance(target, VideoFramesTarget) and Path(self.options.output).exists():
            target.clear()  # the encoded video holds them now
        return 0

    def _write_preview(self, node, captured, workspace):
        options, reader = self.options, self.reader
        converter = ColourConverter(config=options.ocio_config, input_space=options.input_space,
                                    input_kind=input_kind_for_pixels(reader.pixel_format.dtype))
        rows = []
        for entry, frame in self._samples():
            # Frames rendered by this process were kept; others (done earlier) are replayed.
            result = captured.get(frame) or node.render_result(frame)
            plate = reader.read(frame)
            rows.append(SheetRow(
                f"shot {entry.number} frame {frame}",
                converter.to_display(plate[..., :3]),
                converter.to_display(result.image[..., :3]),
                result.confidence,
            ))
        sheet = Path(options.preview)
        try:
            sheet.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"--preview {sheet}: cannot create its folder ({error})") from error
        write_contact_sheet(sheet, rows, sheet.parent)
        say(f"wrote contact sheet {sheet} ({len(rows)} row(s))")
