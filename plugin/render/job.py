"""`excolor colorize` end to end: check the inputs, set up node and `.excolor/`, run, report.

Every check happens before the first frame is rendered, and names what is wrong: the options
and the shots and frames (excolor.render.checks), the references (missing, unreadable), the model
(hash, graphs), the encoder's settings (tried on one frame), every path the job writes
(excolor.render.output_paths: never an input, never a file this job did not write).

`colorize(options)` makes the first checks and holds what they found in a ColorizeJob, whose
`render()` makes the node, makes the last checks, creates OUTPUT's folders, opens the output's
`.excolor/` workspace, runs the Batch (the scheduler, excolor.render.batch) into the output's target
(excolor.render.targets), encodes a video and writes the contact sheet.
"""
from __future__ import annotations

import dataclasses
import signal
import sys
import threading
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Literal

from .. import io
from ..colour.display_view import display_format, display_view_for
from ..colour.management import BUILTIN_CONFIG, ColourConverter, config_source, input_kind_for_pixels
from ..engine.node import ColorizeNode
from ..engine.runs import Keyframe, Shot, refuse_other_aspect
from ..engine.tuning import NodeTuning
from ..errors import ExcolorError, InputError, UsageError
from ..files import file_sha256, temp_name
from ..shotlists.entries import FrameRange, ShotEntry, check_references, parse_frame_range
from ..threads import limit_threads
from .batch import DIRECTIONS, Batch, delivery_order, waiting_error
from .checks import check_encoder, check_frames, check_options, claim_output_paths, option_words
from .matte import Matte
from .output_paths import output_location, record_written
from .overlap import DEFAULT_READ_AHEAD
from .preview import SheetDisplay, SheetRow, row_reference, shot_samples, write_contact_sheet
from .progress import progress_bar
from .targets import EncodedVideoTarget, StreamedVideoTarget, VideoFramesTarget, encode_video
from .workspace import Workspace, fingerprint_digest


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
    threads: int | None = None  # --threads: at most this many threads per pool
    edl_rate: float | None = None  # --edl-rate: an EDL's timecode rate (excolor.shotlists.editorial)
    ocio_config: str | None  # a file, or a config name OCIO knows (kept as given)
    input_space: str | None
    saturation: float | None
    preview: str | None
    matte: str | None  # a sequence pattern, or "channel" (excolor.render.matte)
    overwrite: bool
    stream: bool
    codec: str
    crf: int
    preset: str | None
    pix_fmt: str | None
    fps: Fraction | None

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
    if options.threads is not None:
        # OpenCV, BLAS and the io threads here; ONNX Runtime and the colour bands through the
        # node's tuning (make_node).
        limit_threads(options.threads)
        options = dataclasses.replace(options, io_threads=min(options.io_threads, options.threads))
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


def refuse_pinned_keys_of_other_aspect(entries, sizes, plate_size):
    """InputError naming the shot and the image for a pinned keyframe whose aspect ratio is not
    the plates' (sizes: {image: (height, width)})."""
    for entry in entries:
        for image, frame in entry.keyframes:
            if frame is not None:
                try:
                    refuse_other_aspect(sizes[image], plate_size, f"{image} (pinned to frame {frame})")
                except InputError as error:
                    raise InputError(f"{entry.describe()}: {error}") from error


def _colorize(options):
    output_kind = io.describe_kind(options.output)
    check_options(options, output_kind)
    frames = parse_frame_range(options.frames) if options.frames else None
    reader = io.open_input(options.input)
    try:
        entries, frame_range, covered = check_frames(options, reader, frames)
        matte = Matte.parse(options.matte, options.output, output_kind)
        references, sizes = check_references(entries)
        refuse_pinned_keys_of_other_aspect(entries, sizes, (reader.height, reader.width))
        return ColorizeJob(options=options, reader=reader, entries=entries, references=references,
                           frames=frame_range, covered=covered, output_kind=output_kind, matte=matte).render()
    finally:
        reader.close()


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
    matte: Matte  # where --matte writes the confidence matte (a Matte writing nothing without it)

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
                tuning=NodeTuning(threads=options.threads),
            )
        except ValueError as error:
            raise UsageError(option_words(str(error))) from error
        except ExcolorError as error:  # the model or the device: same error, the command's words
            raise type(error)(option_words(str(error))) from error
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
        """What the output's pixels depend on, as JSON-able data (see excolor.render.workspace)."""
        shots = {}
        for entry in self.entries:
            shots[f"shot {entry.number} (frames {entry.first}-{entry.last})"] = [
                {"image": Path(image).name, "frame": frame, "sha256": self.references[image]}
                for image, frame in entry.keyframes
            ]
        config = config_source(self.options.ocio_config)  # $OCIO's config when no --ocio-config
        return {
            "model": node.model.sha256(),
            "shots": shots,
            "settings": {
                "network long side": node.network_long_side,
                "saturation": node.saturation,
                "ocio config": file_sha256(config) if Path(config).is_file() else config.replace(BUILTIN_CONFIG, "built-in"),
                "input space": self.options.input_space or "default",
                "pinned start": node.pinned_start,
                "preroll": self.options.preroll,
                **self.matte.fingerprint(),
            },
            "input size": [self.reader.width, self.reader.height],
        }

    def render(self):
        """Render the frames into OUTPUT, resuming from `.excolor/`; returns the exit code."""
        options = self.options
        node = self.make_node()
        if options.stream:
            self._check_streamable(node)
        if self.output_kind == "video":
            # One frame's worth of the input's audio and other streams, not the whole file's.
            check_encoder(options, self.reader, lambda path, temp: self.video_writer(path, temp, (self.first,) * 2))
        workspace = Workspace(*output_location(options.output, self.output_kind))
        # Every path checked before anything is created: a refused job leaves no folder behind.
        fingerprint = self.fingerprint(node)
        claim_output_paths(self, workspace, fingerprint_digest(fingerprint)).create_folders()
        say(f"model {node.model.path} on {node.device}; frames {self.first}-{self.last}; {len(self.entries)} shot(s)")
        target, complete = self._open_output(node, workspace, fingerprint)
        if complete and not self.matte.missing(self.covered):
            say(f"{options.output} is already complete")
            return self._finish_preview(node, {}, target, workspace)
        if complete:  # only matte files are missing: render their frames, keep the video
            target = EncodedVideoTarget()
        captured = {}
        read_ahead = DEFAULT_READ_AHEAD if options.io_threads else 0
        if options.stream:
            target = StreamedVideoTarget(self._video_writer(workspace), self.first, self.last,
                                         view=display_view_for(node.colour, options.output, "uint16"))
        report = self._run_batch(node, workspace, target, captured)
        say(f"{len(report.written)} frame(s) written, {len(report.already_done)} already done")
        if report.waiting:
            raise waiting_error(report, f"{self.first}-{self.last}")
        if options.stream:
            self._mark_complete(workspace)
            if (workspace.root / "frames").is_dir():  # frames an earlier cached render left
                VideoFramesTarget(workspace).clear()
        elif self.output_kind == "video" and not complete:
            pending = [f for f in self.covered if not target.exists(f)]
            if pending:
                say(f"video not encoded yet: {len(pending)} frame(s) still to render")
                return 0
            encode_video(self.reader, target, self._video_writer(workspace), self.frames, set(self.covered),
                         read_ahead=read_ahead)
            self._mark_complete(workspace)
        return self._finish_preview(node, captured, target, workspace)

    def _open_output(self, node, workspace, fingerprint):
        """Open the workspace under this job's `fingerprint` (OUTPUT's paths were claimed before)
        -> (target, True when a video OUTPUT is already complete). A streamed video's target is
        made later (None here)."""
        options = self.options
        if self.output_kind == "video":
            workspace.open(fingerprint, options.overwrite)
            deep = self.reader.pixel_format.dtype != "uint8" or "10" in (options.pix_fmt or "")
            target = None if options.stream else VideoFramesTarget(
                workspace, deep=deep, view=display_view_for(node.colour, options.output, "uint16"))
            complete = (workspace.completed() == [self.first, self.last] and Path(options.output).exists()
                        and not options.overwrite)
            if target is not None:  # the cached frames of an encoded video are gone
                workspace.frame_files = (*(() if complete else (target.pattern.path,)), *self._matte_files())
            return target, complete
        pattern = io.SequencePattern.parse(options.output)
        workspace.open(fingerprint, options.overwrite)
        workspace.frame_files = (pattern.path, *self._matte_files())
        pixel_format = display_format(self.reader.pixel_format, node.colour, pattern.display(), pattern.extension)
        return self.matte.output_target(pattern, pixel_format, workspace.tmp), False

    def _matte_files(self):
        return (self.matte.pattern.path,) if self.matte.form == "sequence" else ()

    def _run_batch(self, node, workspace, target, captured):
        """Run the Batch into `target` with a progress bar; the contact sheet's frames rendered
        here go into `captured`. A streamed video is finished, or aborted on any error (no
        partial video is left behind)."""
        options = self.options
        wanted = {frame for _entry, frame in self._samples()} if options.preview else set()

        def keep(result):
            if result.frame in wanted:
                captured[result.frame] = result

        writers, read_ahead = options.io_threads, DEFAULT_READ_AHEAD if options.io_threads else 0
        if options.stream:
            writers = min(writers, 1)  # the encoder takes frames in order, on one thread
        batch = Batch(node, self.matte.beside(target, workspace.tmp), workspace, self.frames,
                      state_every=options.state_every, direction=options.direction, on_frame=keep,
                      preroll=options.preroll, read_ahead=read_ahead, writers=writers)
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
        """OUTPUT's VideoWriter, encoding into the workspace's tmp/ until finished."""
        output = self.options.output
        return self.video_writer(output, workspace.tmp / temp_name("encoding" + Path(output).suffix))

    def video_writer(self, path, temp_path, frames=None):
        """A VideoWriter of `path` with OUTPUT's encoder settings, for `frames` (first, last)
        (default: the job's; check_encoder's one-frame probe gives its own)."""
        options, reader = self.options, self.reader
        video_options = io.VideoOptions(options.codec, options.crf, options.pix_fmt, options.fps, options.preset)
        return io.VideoWriter(path, reader.width, reader.height, temp_path, video_options,
                              like=reader if reader.kind == "video" else None, source=reader.pixel_format,
                              frames=frames or (self.first, self.last))

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
        display = SheetDisplay(converter, options.preview)
        rows = []
        for entry, frame in self._samples():
            # Frames rendered by this process were kept; others (done earlier) are replayed.
            result = captured.get(frame) or node.render_result(frame)
            rows.append(SheetRow(
                f"shot {entry.number} frame {frame}",
                display.colour(reader.read(frame)),
                display.reference(row_reference(entry, frame)),
                display.colour(result.image),
                result.confidence,
            ))
        sheet = Path(options.preview)  # its folder was made with OUTPUT's (claim_output_paths)
        write_contact_sheet(sheet, rows, sheet.parent)
        record_written(workspace, sheet)  # so that the same command again may rewrite it
        say(f"wrote contact sheet {sheet} ({len(rows)} row(s))")
