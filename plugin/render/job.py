"""`excolor colorize` end to end: check the inputs, then render, resuming from `.excolor/`.

Every check happens before the first frame is rendered, and names what is wrong: the options
(excolor.render.options), the shots and frames (excolor.render.frames), the reference images,
each read once (excolor.render.reference_files), the model (hash, graphs), the encoder's settings
(tried on one frame, excolor.render.encoder), every path the job writes (excolor.render.output_paths:
never an input, never a file this job did not write).

`colorize(options)` makes the first checks and holds what they found in a ColorizeJob, whose
`render()` tells the rest in order: the node, the last checks and OUTPUT's paths, the output's
`.excolor/` workspace under the job's fingerprint (one part per run: a rerun renders again the
runs whose key or plates changed, excolor.render.run_fingerprints), what a video OUTPUT will
hold (excolor.render.video_output), the output's target (excolor.render.targets), the batch over
the node's runs (excolor.render.batch), the states of finished runs pruned, the confidence
report (excolor.render.confidence_report), a video's encode, the contact sheet
(excolor.render.preview), and what was done.
"""
from __future__ import annotations

import dataclasses
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Literal

from .. import io
from ..colour.management import BUILTIN_CONFIG, config_source, input_kind_for_pixels
from ..engine.node import ColorizeNode
from ..engine.optical_flow import refuse_small_plate
from ..engine.tuning import NodeTuning
from ..errors import ExcolorError, UsageError
from ..files import file_sha256, temp_name
from ..shotlists.entries import FrameRange, ShotEntry, parse_frame_range
from ..threads import limit_threads
from .batch import Batch, delivery_order, waiting_error
from .confidence_report import WithSummaries, report_data, report_lines, shot_confidences, write_report
from .encoder import check_encoder, encode_settings, video_writer
from .frames import check_frames, chunk_frames
from .matte import Matte
from .node_shots import node_shot
from .options import DIRECTIONS, JobOptions, check_options, option_words
from .output_paths import claim_output_paths, output_location, protected_inputs, record_written
from .overlap import DEFAULT_READ_AHEAD, ReadAhead
from .preview import sheet_frames, write_preview
from .progress import informing, progress_bar
from .reference_files import ReferenceFile, read_references, reference_space, refuse_pinned_keys_of_other_aspect
from .replay import replayed_frame
from .run_fingerprints import finish_parts, frame_parts, prune_finished_runs, rerun_lines, run_parts, shot_label
from .targets import clear_frame_cache, encode_video, frame_cache, output_targets
from .video_output import VideoPlan, plan_video
from .workspace import FINISH, RUNS, Workspace, fingerprint_digest, job_part


def say(text, always=False):
    """One line of the command on stderr. Informational lines are left out under -q; `always`
    for warnings and lines the user asked for (`--report` without a path)."""
    if always or informing():
        print(f"excolor colorize: {text}", file=sys.stderr)


def _show_warning(message, *_where, **_file_and_line):
    # warnings.showwarning's signature: only the message is shown, as one of the command's lines.
    say(f"warning: {message}", always=True)


def _terminated(signum, frame):
    # A farm manager cancelling a task sends SIGTERM: stop as Ctrl-C does, saving each run's
    # state at its last finished frame, so the task resumes where it stopped.
    raise KeyboardInterrupt(f"signal {signum}")


def colorize(options):
    """Run the command for `options` (JobOptions); returns the exit code (errors are raised as
    ExcolorError)."""
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


def _colorize(options):
    output_kind = io.describe_kind(options.output)
    check_options(options, output_kind)
    if options.chunk_of is not None:  # from here on the chunk is `--frames A-B` of its frames
        chunk = chunk_frames(options)
        if chunk is None:
            say(f"--chunk-of {options.chunk_of}: past the end of frames {options.frames} "
                f"({options.direction}); nothing to render")
            return 0
        options = dataclasses.replace(options, frames=chunk, chunk_of=None)
    frames = parse_frame_range(options.frames) if options.frames is not None else None  # "" is refused
    reader = io.open_input(options.input)
    try:
        return checked_job(options, reader, output_kind, frames).render()
    finally:
        reader.close()


def checked_job(options, reader, output_kind, frames):
    """The ColorizeJob of `options` once its shots, frames, matte and reference images pass their
    checks. reader: INPUT, open (the caller closes it); output_kind: OUTPUT's ("video" or
    "sequence"); frames: --frames as a FrameRange, or None for the whole input. A plate too
    small for the motion step is refused first, before anything is written."""
    refuse_small_plate(reader.height, reader.width, f"INPUT {options.input}")
    entries, frame_range, covered = check_frames(options, reader, frames)
    matte = Matte.parse(options.matte, options.output, output_kind)
    references = read_references(entries, (reader.height, reader.width), reference_space(options, reader))
    refuse_pinned_keys_of_other_aspect(entries, references, (reader.height, reader.width))
    return ColorizeJob(options=options, reader=reader, entries=entries, references=references,
                       frames=frame_range, covered=covered, output_kind=output_kind, matte=matte)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ColorizeJob:
    """One `excolor colorize` that passed its checks, ready to render."""

    options: JobOptions
    reader: io.VideoReader | io.SequenceReader  # INPUT, open for the job's lifetime
    entries: list[ShotEntry]
    references: dict[Path, ReferenceFile]  # every keyframe image, read once
    frames: FrameRange  # the frames to render: --frames, or the whole input
    covered: list[int]  # the frames of `frames` some shot covers, in order
    output_kind: Literal["video", "sequence"]
    matte: Matte  # where --matte writes the confidence matte (a Matte writing nothing without it)

    def render(self):
        """Render the frames into OUTPUT, resuming from `.excolor/`; returns the exit code."""
        # The node's one source: INPUT, read ahead of the node while the batch renders.
        reads = ReadAhead(self.reader.read, DEFAULT_READ_AHEAD if self.options.io_threads else 0)
        try:
            return self._render(self.make_node(reads), reads)
        finally:
            reads.close()

    def _render(self, node, reads):
        options = self.options
        self._find_reference_frames(node)
        self._check_output(node)
        workspace, video = self._open_workspace(node)
        rendered = {}
        if video.encoded and not self.matte.missing(self.covered):
            say(f"{options.output} is already complete")
            prune_finished_runs(node, workspace, self.frames)
            shots = self._report(node, workspace)
        else:
            targets = self._targets(node, workspace, video.encoded)
            report = self._render_frames(node, reads, workspace, targets)
            reads.close()  # from here INPUT is read on this thread alone (the encode, the sheet)
            say(f"{len(report.written)} frame(s) written, {len(report.already_done)} already done")
            # Runs whose every frame is done need no state: no chunk continues them.
            prune_finished_runs(node, workspace, self.frames)
            if report.waiting:
                raise waiting_error(report, f"{self.first}-{self.last}")
            shots = self._report(node, workspace)
            if not self._finish_video(workspace, targets.output, video):
                return 0  # the video waits for frames other chunks render
            rendered = report.kept
        if video.whole:
            clear_frame_cache(workspace.root)  # the video holds every frame of INPUT now
        if options.preview:
            self._write_preview(node, rendered, workspace, shots)
        return 0

    # -- the node ------------------------------------------------------------------------------
    def make_node(self, source):
        """The ColorizeNode for the job's model, settings, shots and reference images, pulling
        its frames from `source` (UsageError if refused)."""
        options = self.options
        try:
            node = ColorizeNode(
                model=options.model, device=options.device, network_long_side=options.network_size,
                ocio_config=options.ocio_config, input_space=options.input_space,
                saturation=options.saturation, input_kind=input_kind_for_pixels(self.reader.pixel_format.dtype),
                tuning=NodeTuning(threads=options.threads, motion=options.motion),
            )
        except ValueError as error:
            raise UsageError(option_words(str(error))) from error
        except ExcolorError as error:  # the model or the device: same error, the command's words
            raise type(error)(option_words(str(error))) from error
        node.source = source
        try:
            node.shots = [node_shot(entry) for entry in self.entries]
        except ValueError as error:
            raise UsageError(str(error)) from error
        node.use_reference_files(self.references)
        return node

    def _find_reference_frames(self, node):
        """Find the frames of the references that have none (excolor.engine.found_frames), each
        shot scanned whole, its plates read from INPUT in frame order (not through the batch's
        read-ahead, which plans its own order); one line per reference scanned."""
        for found in node.find_reference_frames(read=self.reader.read):
            say(f"{self.entries[found.shot].describe()}: {found.describe(Path(found.keyframe.image).name)}")

    def fingerprint(self, node, config):
        """What the output's pixels depend on, as JSON-able data (see excolor.render.workspace):
        the job's part (model, settings, plate size, the shots' frames), each run's (excolor.render.run_fingerprints:
        its keyframe with the frame the node uses once reference frames are found, a frame number
        or "none", its frames and its plates' stamps) and each shot's finish (its pinned keys).
        config: the OCIO config the node uses (a file, or a name OCIO knows)."""
        ocio_config = file_sha256(config) if Path(config).is_file() else config.replace(BUILTIN_CONFIG, "built-in")
        return {
            "model": node.model.sha256(),
            "settings": {
                "network long side": node.network_long_side,
                "saturation": node.saturation,
                "ocio config": ocio_config,
                "input space": self.options.input_space or "default",
                # Only when given: the outputs of renders made before the option stay resumable.
                **({"reference space": self.options.reference_colorspace}
                   if self.options.reference_colorspace is not None else {}),
                "pinned start": node.pinned_start,
                "preroll": self.options.preroll,
                "motion": node.motion,
                **self.matte.fingerprint(),
            },
            "input size": [self.reader.width, self.reader.height],
            # The cuts are the job's: frames of other shots are another render (--reference
            # makes each --frames range a shot of its own).
            "shots": [shot_label(entry) for entry in self.entries],
            RUNS: run_parts(node, self.entries, self.references, self.reader),
            FINISH: finish_parts(node, self.entries, self.references),
        }

    # -- the last checks and OUTPUT's paths ---------------------------------------------------
    def _check_output(self, node):
        """--stream's order of frames, and a video OUTPUT's encoder on one frame (one frame's
        worth of the input's audio and other streams, not the whole file's)."""
        if self.options.stream:
            self._check_streamable(node)
        if self.output_kind == "sequence":
            io.check_holds(self.options.output, self.reader.pixel_format)
        if self.output_kind == "video":
            check_encoder(self.options.video_options(), self.reader, self.options.output, (self.first, self.first))

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
                self._refuse_found_inside(node)
                raise UsageError(
                    f"--stream: frame {frame} would finish before frame {first + position} (frames "
                    "rendered backwards from a keyframe pinned inside a shot, blended between two "
                    "keyframes, or covered by no shot reach the encoder out of order); render without "
                    "--stream, which keeps finished frames until the video can be encoded in order"
                )
        if len(order) != last - first + 1:
            raise UsageError(f"--stream: frames {first + len(order)}-{last} are in no shot; render "
                             "without --stream, which encodes the input's own frames there")

    def _refuse_found_inside(self, node):
        """--stream's refusal when a reference was found to be a frame after its shot's first:
        name that frame, and how to render anyway."""
        for found in node.find_reference_frames():
            entry = self.entries[found.shot]
            if found.frame is not None and found.frame > entry.first:
                unpin = ("--reference-frame none" if self.options.reference is not None else
                         'its "reference_frame" (or "frame") set to "none" in the shot list')
                raise UsageError(
                    f"--stream: {entry.describe()}: {Path(found.keyframe.image).name} is frame {found.frame}, "
                    f"after the shot's first frame, so the frames before it render backwards from it and reach "
                    f"the encoder out of order; keep it unpinned with {unpin}, or render without --stream"
                )

    def _claim_paths(self, workspace, digest, config):
        options = self.options
        inputs = protected_inputs(options.input, self.references, options.shots, config)
        return claim_output_paths(inputs, output=options.output, output_kind=self.output_kind, covered=self.covered,
                                  matte=self.matte, preview=options.preview, report=options.report_file,
                                  workspace=workspace, digest=digest, overwrite=options.overwrite)

    # -- the workspace -------------------------------------------------------------------------
    def _open_workspace(self, node):
        """OUTPUT's `.excolor/` Workspace, opened under the job's fingerprint once every path the
        job writes was claimed and its folders made -> (workspace, VideoPlan: what a video OUTPUT
        will hold, and whether it holds it already; excolor.render.video_output). One line per
        shot says what a rerun keeps of an earlier render with other keys or plates."""
        options = self.options
        workspace = Workspace(*output_location(options.output, self.output_kind))
        config = config_source(options.ocio_config)  # --ocio-config, else $OCIO's, else built in
        fingerprint = self.fingerprint(node, config)
        # Every path checked before anything is created: a refused job leaves no folder behind.
        self._claim_paths(workspace, fingerprint_digest(job_part(fingerprint)), config).create_folders()
        say(f"model {node.model.path} on {node.device}; frames {self.first}-{self.last}; {len(self.entries)} shot(s)")
        changes = workspace.open(fingerprint, options.overwrite, self._frame_files(workspace),
                                 frame_parts(node, self.entries))
        for line in rerun_lines(node, self.entries, changes, workspace, self.frames, DIRECTIONS[options.direction]):
            say(line)
        if self.output_kind != "video":
            return workspace, VideoPlan(self.frames, encoded=False, whole=False)
        video = plan_video(workspace, options, encode_settings(options.video_options()), self.frames,
                           self._covered_in, (self.reader.first, self.reader.last))
        if video.encoded:
            workspace.frame_files = tuple(self.matte.files)  # the frames are in the video, not cached
        return workspace, video

    def _frame_files(self, workspace):
        """(frame -> Path, ...) of the files each frame writes: OUTPUT's (a sequence's file, or
        a video's cached frame) and its matte file."""
        if self.output_kind == "sequence":
            return (io.SequencePattern.parse(self.options.output).path, *self.matte.files)
        if self.options.stream:
            return self.matte.files
        return (frame_cache(workspace.root).path, *self.matte.files)

    def _covered_in(self, frames):
        """The frames of `frames` (first, last) some shot covers, in order."""
        first, last = frames
        return sorted({f for entry in self.entries for f in entry.frames_in(first, last)})

    # -- the targets and the batch ---------------------------------------------------------------
    def _targets(self, node, workspace, encoded):
        """OUTPUT's OutputTargets (excolor.render.targets). An encoded video whose matte files went
        missing gets only those written; a streamed one is streamed again."""
        options = self.options
        return output_targets(options.output, self.output_kind, self.matte, workspace,
                              source=self.reader.pixel_format, colour=node.colour, pix_fmt=options.pix_fmt,
                              stream=self._video_writer(workspace) if options.stream else None,
                              frames=self.frames, encoded=encoded)

    def _render_frames(self, node, reads, workspace, targets):
        """Run the Batch into `targets` (OutputTargets) with a progress bar -> BatchReport,
        keeping the contact sheet's frames. A streamed video is finished, or aborted on any
        error (no partial video is left behind)."""
        options = self.options
        keep = [frame for _shot, frame, _next in sheet_frames(node.shots, *self.frames)] if options.preview else ()
        # The encoder of a streamed video takes frames in order, on one thread.
        writers = min(options.io_threads, 1) if options.stream else options.io_threads
        # Each frame's confidence summary is kept with it, for --report on this or a later run.
        batch = Batch(node, WithSummaries(targets.with_matte, workspace), workspace, self.frames, reads,
                      directions=DIRECTIONS[options.direction], state_every=options.state_every,
                      preroll=options.preroll, keep=keep, writers=writers)
        progress = progress_bar(len(batch.frames_to_write()), "colorizing")
        try:
            report = batch.render(progress)
            if options.stream:
                targets.output.finish()
        except BaseException:
            if options.stream:
                targets.output.abort()
            raise
        finally:
            if progress is not None:
                progress.close()
        return report

    # -- a video OUTPUT ------------------------------------------------------------------------
    def _finish_video(self, workspace, output, video):
        """Encode a cached video OUTPUT of the frames `video` (a VideoPlan) spans from its target
        `output` (a VideoFramesTarget) once each is there (a streamed one is encoded already, an
        encoded one was) and record the encode; False while frames are still to render (other
        chunks: they stay cached meanwhile)."""
        options = self.options
        if self.output_kind != "video" or (video.encoded and not options.stream):
            return True
        span = video.span
        if not options.stream:
            covered = self._covered_in(span)
            pending = [f for f in covered if not workspace.is_done(f)]
            if pending:
                say(f"video not encoded yet: it holds frames {span.first}-{span.last} once {len(pending)} more "
                    f"are rendered ({io.ranges_text(pending)}); the rendered ones wait in {output.pattern.directory}")
                return False
            read_ahead = DEFAULT_READ_AHEAD if options.io_threads else 0
            encode_video(self.reader, output, self._video_writer(workspace, span), span, set(covered),
                         read_ahead=read_ahead)
        workspace.mark_complete(span, encode_settings(options.video_options()))
        say(f"wrote {options.output} (frames {span.first}-{span.last})")
        return True

    def _video_writer(self, workspace, span=None):
        """OUTPUT's VideoWriter of the frames `span` (first, last; default: the job's), encoding
        into the workspace's tmp/ until finished."""
        output = self.options.output
        return video_writer(self.options.video_options(), self.reader, output,
                            workspace.tmp / temp_name("encoding" + Path(output).suffix), span or self.frames)

    # -- the confidence report and the contact sheet -------------------------------------------
    def _report(self, node, workspace):
        """Each shot's ShotConfidence over the job's frames (excolor.render.confidence_report),
        reported as --report asks; [] when neither --report nor --preview needs them."""
        options = self.options
        if not (options.report or options.preview):
            return []
        shots = shot_confidences(node, workspace, self.first, self.last)
        if options.report_file is not None:
            write_report(options.report_file, report_data(shots, options.output, self.frames))
            record_written(workspace, options.report_file)  # so that the same command may rewrite it
            say(f"wrote report {options.report_file}")
        elif options.report:
            for line in report_lines(shots):
                say(line, always=True)
        return shots

    def _write_preview(self, node, rendered, workspace, shots):
        """The contact sheet: frames the batch kept as they are, the others (done earlier, or
        to key next) finished again from the run states the workspace saved."""
        sheet = Path(self.options.preview)  # its folder was made with OUTPUT's (claim_output_paths)
        key_next = [suggestion.frame for shot in shots for suggestion in shot.key_next]
        rows = write_preview(sheet, node, self.frames, self.references, self.reader.read,
                             lambda frame: rendered.get(frame) or replayed_frame(node, workspace, frame),
                             sheet.parent, key_next)
        record_written(workspace, sheet)  # so that the same command again may rewrite it
        say(f"wrote contact sheet {sheet} ({rows} row(s))")

    @property
    def first(self):
        return self.frames.first

    @property
    def last(self):
        return self.frames.last
