"""Where a batch's frames go: the targets a Batch writes into, the one factory that makes them
(`output_targets`), and the encode (an OUTPUT's folder and every path the job writes are checked
by excolor.render.output_paths).

A target has exists(frame) and write(frame, result), result a FrameResult (image HxWxC
float32, confidence HxW), thread-safe for distinct frames (excolor.render.batch writes on background
threads):

- SequenceTarget: an image-sequence OUTPUT, one file per frame; ChannelTarget: the same with
  the confidence as the files' channel `excolor.confidence` (`--matte channel`);
- VideoFramesTarget: a video OUTPUT's frames kept losslessly in `.excolor/` until every frame
  is there, then `encode_video` encodes them in order;
- StreamedVideoTarget: a video OUTPUT encoded as its frames arrive (`--stream`);
- EncodedVideoTarget: a video OUTPUT encoded already (only a --matte beside it is missing);
- WithMatte: any of these with the `--matte` sequence written beside it.
"""
import dataclasses
from typing import NamedTuple

import numpy as np

from .. import io
from ..colour.display_view import display_format, display_view_for
from ..errors import StateError
from ..io import PixelFormat, SequencePattern, SequenceWriter, read_image
from .matte import CHANNEL, CHANNEL_FORM, MATTE_TYPES
from .overlap import DEFAULT_READ_AHEAD, ReadAhead


class OutputTargets(NamedTuple):
    """What a render job writes its frames into."""

    output: object  # OUTPUT's own target: its encode or stream is finished through it
    with_matte: object  # what a Batch writes each frame into: `output`, with the matte sequence beside it


def output_targets(output, output_kind, matte, workspace, *, source, colour, pix_fmt=None, stream=None,
                   frames=None, encoded=False):
    """The targets of a render job (OutputTargets): the one place they are made.

    output: OUTPUT as given, of output_kind "sequence" or "video"; matte: the job's Matte
    (excolor.render.matte); workspace: OUTPUT's opened Workspace (temp files, a video's frame
    cache); source: INPUT's PixelFormat (a sequence OUTPUT keeps its type and channels, a video's
    cache its depth); colour: the node's ColourConverter (scene-linear frames go through its
    display view in integer files, excolor.colour.display_view); pix_fmt: --pix-fmt (a 10-bit
    one caches 16-bit frames). A video OUTPUT only: stream, a VideoWriter to encode `frames`
    (first, last) into as they arrive (`--stream`), or encoded: the video holds every frame
    already (only a matte sequence is written).
    """
    if output_kind == "sequence":
        pattern = SequencePattern.parse(output)
        pixel_format = display_format(source, colour, pattern.display(), pattern.extension)
        if matte.form == CHANNEL_FORM:
            target = ChannelTarget(SequenceWriter(pattern, _with_channel(pixel_format), workspace.tmp))
        else:
            target = SequenceTarget(SequenceWriter(pattern, pixel_format, workspace.tmp))
    elif stream is not None:
        target = StreamedVideoTarget(stream, *frames, view=display_view_for(colour, output, "uint16"))
    elif encoded:
        target = EncodedVideoTarget()
    else:
        deep = source.dtype != "uint8" or "10" in (pix_fmt or "")
        target = VideoFramesTarget(workspace, deep=deep, view=display_view_for(colour, output, "uint16"))
    if matte.form == "sequence":
        return OutputTargets(target, WithMatte(target, matte.pattern, workspace.tmp, source))
    return OutputTargets(target, target)


def _with_channel(pixel_format):
    names = pixel_format.channel_names
    return pixel_format if CHANNEL in names else dataclasses.replace(pixel_format, channel_names=(*names, CHANNEL))


def frame_cache(workspace_root):
    """The SequencePattern of a video OUTPUT's frames kept in its workspace until encoded."""
    return SequencePattern(workspace_root / "frames", "frame.", 6, ".png")


def clear_frame_cache(workspace_root):
    """Delete the frames a video OUTPUT's workspace keeps (once the video holds them)."""
    folder = frame_cache(workspace_root).directory
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file():
                path.unlink()


class SequenceTarget:
    """Frames written as image files (OUTPUT is an image sequence)."""

    def __init__(self, writer):
        self.writer = writer

    def exists(self, frame):
        return self.writer.done(frame)

    def write(self, frame, result):
        self.writer.write(frame, result.image)


class VideoFramesTarget:
    """A video OUTPUT's frames, kept losslessly in `.excolor/<name>/frames/` until encoded.

    PNG at the video's bit depth (8, or 16 for deeper pixel formats), so encoding a resumed
    batch reads exactly the pixels a one-go batch would have encoded. zlib level 1: these files
    live only until the encode, and level 1 writes a 1080p frame 3.7x faster than the default 6
    for 13 % more bytes (measured, benchmarks/results/speed_findings.md).
    `view`: the DisplayView (excolor.colour.display_view) scene-linear frames go through before they are
    kept (16-bit then), so the cache holds what the video will show.
    """

    def __init__(self, workspace, deep=False, view=None):
        self.pattern = frame_cache(workspace.root)
        self.pattern.directory.mkdir(parents=True, exist_ok=True)
        self.view = view
        fmt = PixelFormat("uint16" if deep or view else "uint8", ("R", "G", "B"), "png",
                          (("png:compressionLevel", 1),), view)
        # Frames with alpha keep it (RGBA PNG): a pixel format with alpha encodes it.
        self._writers = {channels: SequenceWriter(self.pattern, dataclasses.replace(fmt, channel_names=names),
                                                  workspace.tmp)
                         for channels, names in ((3, ("R", "G", "B")), (4, ("R", "G", "B", "A")))}

    def exists(self, frame):
        return self._writers[3].done(frame)

    def write(self, frame, result):
        self._writers[min(result.image.shape[2], 4)].write(frame, result.image)

    def read(self, frame):
        return read_image(self.pattern.path(frame), f"cached frame {frame}")[0]


class EncodedVideoTarget:
    """A video OUTPUT already encoded: it holds every frame, so a render into it only writes
    what goes beside the video (a matte sequence whose files went missing)."""

    def exists(self, frame):
        return True

    def write(self, frame, result):
        pass  # the frame is in the video already


class StreamedVideoTarget:
    """A video OUTPUT encoded as its frames are delivered, with no frame cache (`--stream`).

    Frames must arrive in order first, first + 1, ..., last (one writer thread); nothing is kept
    on disk but the encoder's temporary file, so an interrupted render starts over.
    """

    def __init__(self, video_writer, first, last, view=None):
        self._writer = video_writer
        self._next, self._last = first, last
        self._view = view  # a DisplayView for scene-linear frames (excolor.colour.display_view)

    def exists(self, frame):
        return False

    def write(self, frame, result):
        if frame != self._next:
            raise StateError(f"frame {frame} reached the encoder before frame {self._next} "
                             "(a streamed render needs its frames in order)")
        image = result.image if self._view is None else self._view.show(result.image, f"frame {frame}")
        self._writer.write(frame, image)
        self._next += 1

    def finish(self):
        """Close the video once every frame arrived (raises StateError naming the first missing)."""
        if self._next != self._last + 1:
            raise StateError(f"the streamed video stops before frame {self._next} (frames up to "
                             f"{self._last} were expected)")
        self._writer.finish()

    def abort(self):
        self._writer.abort()


class ChannelTarget(SequenceTarget):
    """An image-sequence OUTPUT whose files hold the matte as their channel CHANNEL (the last
    one; or, for an INPUT that has that channel already, in its place)."""

    def write(self, frame, result):
        names = self.writer.pixel_format.channel_names
        image = result.image
        if image.shape[2] < len(names):
            image = np.concatenate([image, np.zeros_like(image[..., :1])], axis=2)
        else:
            image = image.copy()
        image[..., names.index(CHANNEL)] = result.confidence
        self.writer.write(frame, image)


class WithMatte:
    """A target and the matte sequence written beside it: a frame exists once both files do.

    The matte files are written by io.write_image itself, not a SequenceWriter: that one makes
    a one-channel format colour (R, G, B) for colorized frames, and a matte stays one channel.
    `source`: INPUT's PixelFormat, whose geometry (EXR overscan, pixel aspect) the matte keeps.
    """

    def __init__(self, target, pattern, temp_dir, source):
        self.target = target
        self.pattern = pattern
        self.format = source.matte(MATTE_TYPES[pattern.extension.lower()])
        self.temp_dir = temp_dir

    def exists(self, frame):
        return self.target.exists(frame) and self.pattern.path(frame).is_file()

    def write(self, frame, result):
        self.target.write(frame, result)
        io.write_image(self.pattern.path(frame), result.confidence[..., None], self.format, self.temp_dir)


def encode_video(reader, frames_target, video_writer, frames, covered, *, read_ahead=DEFAULT_READ_AHEAD):
    """Encode `frames` (a FrameRange) in order: rendered frames from `frames_target` (a
    VideoFramesTarget), the input's own frames where no shot covers them (a video keeps its
    length and timing), read `read_ahead` frames ahead on a background thread while the encoder
    works. covered: the frames a shot covers. Aborts the writer (no partial file) on any error
    or interrupt. The input's own frames go through the target's display view as rendered ones
    did."""
    view = frames_target.view

    def read(frame):
        if frame in covered:
            return frames_target.read(frame)
        pixels = reader.read(frame)
        return pixels if view is None else view.show(pixels, f"frame {frame}")

    numbers = range(frames.first, frames.last + 1)
    pixels = ReadAhead(read, read_ahead)
    pixels.plan(numbers)
    try:
        for frame in numbers:
            video_writer.write(frame, pixels(frame))
        video_writer.finish()
    except BaseException:
        video_writer.abort()
        raise
    finally:
        pixels.close()
