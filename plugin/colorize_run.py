"""The rendering half of `excolor colorize`: node, fingerprint, `.excolor/`, batch, video, sheet."""
import json
import logging
from pathlib import Path

from .batch import (DIRECTIONS, Batch, SequenceTarget, StreamedVideoTarget, VideoFramesTarget,
                    delivery_order, encode_video, waiting_error)
from .colorize_job import say, output_dir_and_name
from .errors import OutputError, UsageError
from .overlap import DEFAULT_READ_AHEAD
from .io.image import temp_name
from .progress import progress_bar
from .workspace import Workspace, file_sha256

log = logging.getLogger(__name__)


def _make_node(options, reader, entries):
    from .colour_management import input_kind_for_pixels
    from .node import ColorizeNode, Keyframe, Shot

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
            Shot(e.start, e.end, [Keyframe(image, frame) for image, frame in e.keyframes])
            for e in entries
        ]
    except ValueError as error:
        raise UsageError(str(error)) from error
    return node, kind


def fingerprint(node, reader, entries, references, options):
    """What the output's pixels depend on, as JSON-able data (see excolor.workspace)."""
    shots = {}
    for entry in entries:
        shots[f"shot {entry.number} (frames {entry.start}-{entry.end})"] = [
            {"image": Path(image).name, "frame": frame, "sha256": references[image]}
            for image, frame in entry.keyframes
        ]
    config = options.ocio_config
    return {
        "model": node.model.sha256(),
        "shots": shots,
        "settings": {
            "network long side": node.network_long_side,
            "saturation": node.saturation,
            "ocio config": file_sha256(config) if config and Path(config).is_file() else (config or "built-in"),
            "input space": options.input_space or "default",
            "pinned start": node.pinned_start,
            "preroll": options.preroll,
        },
        "input size": [reader.width, reader.height],
    }


def render(options, reader, entries, references, first, last, covered, output_kind):
    from .io import SequencePattern, SequenceWriter

    folder, name = output_dir_and_name(options.output, output_kind)
    node, kind = _make_node(options, reader, entries)
    if options.stream:
        _check_streamable(node, options, output_kind, first, last)
    say(f"model {node.model.path} on {node.device}; frames {first}-{last}; {len(entries)} shot(s)")
    workspace = Workspace(folder, name)
    fresh = not (workspace.root / "fingerprint.json").is_file()
    if output_kind == "video":
        if Path(options.output).exists() and not options.overwrite and (fresh or not _complete(workspace)):
            raise OutputError(f"OUTPUT {options.output} exists; pass --overwrite to replace it")
        workspace.open(fingerprint(node, reader, entries, references, options), options.overwrite)
        deep = reader.pixel_format.dtype != "uint8" or "10" in (options.pix_fmt or "")
        target = None if options.stream else VideoFramesTarget(workspace, deep=deep)
        if _complete(workspace) == [first, last] and Path(options.output).exists() and not options.overwrite:
            say(f"{options.output} is already complete")
            return _finish_preview(options, node, reader, entries, first, last, {}, target, workspace)
    else:
        pattern = SequencePattern.parse(options.output)
        if fresh and not options.overwrite:
            existing = [f for f in covered if pattern.path(f).exists()]
            if existing:
                raise OutputError(
                    f"OUTPUT {pattern.display()} already has {len(existing)} frame(s) (e.g. "
                    f"{pattern.path(existing[0])}) not made by this render; pass --overwrite"
                )
        workspace.open(fingerprint(node, reader, entries, references, options), options.overwrite)
        target = SequenceTarget(SequenceWriter(pattern, reader.pixel_format, workspace.tmp))
    captured = {}
    wanted = _preview_frames(entries, first, last) if options.preview else set()

    def keep(result):
        if result.frame in wanted:
            captured[result.frame] = result

    read_ahead = DEFAULT_READ_AHEAD if options.io_threads else 0
    writers = options.io_threads
    if options.stream:
        target = StreamedVideoTarget(_video_writer(options, reader, workspace), first, last)
        writers = min(writers, 1)  # the encoder takes frames in order, on one thread
    batch = Batch(node, target, workspace, first, last, options.state_every, options.direction,
                  on_frame=keep, preroll=options.preroll, read_ahead=read_ahead, writers=writers)
    total = len(batch.frames_to_write())
    progress = progress_bar(total, "colorizing")
    batch.progress = progress
    try:
        report = batch.run()
        if options.stream:
            target.finish()
    except BaseException:
        if options.stream:
            target.abort()  # no partial video is left behind
        raise
    finally:
        if progress is not None:
            progress.close()
    say(f"{len(report.written)} frame(s) written, {len(report.already_done)} already done")
    if report.waiting:
        raise waiting_error(report, f"{first}-{last}")
    if options.stream:
        workspace.write_bytes(workspace.root / "complete.json", json.dumps([first, last]).encode())
        say(f"wrote {options.output}")
        if (workspace.root / "frames").is_dir():  # frames an earlier cached render left
            VideoFramesTarget(workspace).clear()
    elif output_kind == "video":
        pending = [f for f in covered if not target.exists(f)]
        if pending:
            say(f"video not encoded yet: {len(pending)} frame(s) still to render")
            return 0
        encode_video(reader, target, _video_writer(options, reader, workspace), first, last,
                     set(covered), read_ahead)
        workspace.write_bytes(workspace.root / "complete.json", json.dumps([first, last]).encode())
        say(f"wrote {options.output}")
    return _finish_preview(options, node, reader, entries, first, last, captured, target, workspace)


def _video_writer(options, reader, workspace):
    from .io import VideoOptions, VideoWriter

    video_options = VideoOptions(options.codec, options.crf, options.pix_fmt, options.fps, options.preset)
    return VideoWriter(options.output, reader.width, reader.height,
                       workspace.tmp / temp_name("encoding" + Path(options.output).suffix), video_options,
                       like=reader if reader.kind == "video" else None)


def _check_streamable(node, options, output_kind, first, last):
    """--stream needs a video of the whole input whose frames finish in order (checked before
    anything is written)."""
    if output_kind != "video":
        raise UsageError("--stream is for a video OUTPUT (image sequences are written frame by "
                         "frame already)")
    if options.frames:
        raise UsageError("--stream renders a video in one go; farm chunks (--frames) need the frame cache")
    order = delivery_order(node, first, last, DIRECTIONS[options.direction])
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


def _complete(workspace):
    path = workspace.root / "complete.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _preview_frames(entries, first, last):
    from .preview import sample_frames

    frames = set()
    for entry in entries:
        a, b = max(entry.start, first), min(entry.end, last)
        if a <= b:
            frames.update(sample_frames(a, b))
    return frames


def _finish_preview(options, node, reader, entries, first, last, captured, target, workspace):
    if options.preview:
        _write_preview(options, node, reader, entries, first, last, captured, workspace)
    if isinstance(target, VideoFramesTarget) and Path(options.output).exists():
        target.clear()  # the encoded video holds them now
    return 0


def _write_preview(options, node, reader, entries, first, last, captured, workspace):
    from .colour_management import ColourConverter, input_kind_for_pixels
    from .preview import SheetRow, sample_frames, write_contact_sheet

    converter = ColourConverter(config=options.ocio_config, input_space=options.input_space,
                                input_kind=input_kind_for_pixels(reader.pixel_format.dtype))
    rows = []
    for entry in entries:
        a, b = max(entry.start, first), min(entry.end, last)
        if a > b:
            continue
        for frame in sample_frames(a, b):
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
