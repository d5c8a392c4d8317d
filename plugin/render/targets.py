"""Where a batch's frames go: the targets a Batch writes into, and the encode (an OUTPUT's
folder and every path the job writes are checked by excolor.render.output_paths).

A target has exists(frame) and write(frame, result), result a FrameResult (image HxWxC
float32, confidence HxW), thread-safe for distinct frames (excolor.render.batch writes on background
threads):

- SequenceTarget: an image-sequence OUTPUT, one file per frame;
- VideoFramesTarget: a video OUTPUT's frames kept losslessly in `.excolor/` until every frame
  is there, then `encode_video` encodes them in order;
- StreamedVideoTarget: a video OUTPUT encoded as its frames arrive (`--stream`);
- EncodedVideoTarget: a video OUTPUT encoded already (only a --matte beside it is missing).
"""
import dataclasses

from ..errors import StateError
from ..io import PixelFormat, SequencePattern, SequenceWriter, read_image
from .overlap import DEFAULT_READ_AHEAD, ReadAhead


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
        folder = workspace.root / "frames"
        folder.mkdir(parents=True, exist_ok=True)
        self.pattern = SequencePattern(folder, "frame.", 6, ".png")
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

    def clear(self):
        for path in self.pattern.directory.iterdir():
            if path.is_file():
                path.unlink()


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
        self._next = first
        self._last = last
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
