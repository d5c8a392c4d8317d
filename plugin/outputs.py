"""Where a batch's frames go: an OUTPUT's folder, the targets a Batch writes into, the encode.

A target has exists(frame) and write(frame, image HxWxC float32), thread-safe for distinct
frames (excolor.batch writes on background threads):

- SequenceTarget: an image-sequence OUTPUT, one file per frame;
- VideoFramesTarget: a video OUTPUT's frames kept losslessly in `.excolor/` until every frame
  is there, then `encode_video` encodes them in order;
- StreamedVideoTarget: a video OUTPUT encoded as its frames arrive (`--stream`).
"""
import os
from pathlib import Path

from .errors import OutputError, StateError
from .io import PixelFormat, SequencePattern, SequenceWriter, read_image
from .overlap import DEFAULT_READ_AHEAD, ReadAhead


def refuse_input_as_output(reader, output, output_kind):
    """OutputError when OUTPUT names INPUT's own file(s)."""
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


def output_dir_and_name(output, output_kind):
    """(folder that holds OUTPUT, name of its `.excolor/` entry); OutputError if unwritable."""
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


class SequenceTarget:
    """Frames written as image files (OUTPUT is an image sequence)."""

    def __init__(self, writer):
        self.writer = writer

    def exists(self, frame):
        return self.writer.done(frame)

    def write(self, frame, image):
        self.writer.write(frame, image)


class VideoFramesTarget:
    """A video OUTPUT's frames, kept losslessly in `.excolor/<name>/frames/` until encoded.

    PNG at the video's bit depth (8, or 16 for deeper pixel formats), so encoding a resumed
    batch reads exactly the pixels a one-go batch would have encoded. zlib level 1: these files
    live only until the encode, and level 1 writes a 1080p frame 3.7x faster than the default 6
    for 13 % more bytes (measured, benchmarks/results/speed_findings.md).
    """

    def __init__(self, workspace, deep=False):
        folder = workspace.root / "frames"
        folder.mkdir(parents=True, exist_ok=True)
        self.pattern = SequencePattern(folder, "frame.", 6, ".png")
        fmt = PixelFormat("uint16" if deep else "uint8", ("R", "G", "B"), "png",
                          (("png:compressionLevel", 1),))
        self.writer = SequenceWriter(self.pattern, fmt, workspace.tmp)

    def exists(self, frame):
        return self.writer.done(frame)

    def write(self, frame, image):
        self.writer.write(frame, image[..., :3])

    def read(self, frame):
        return read_image(self.pattern.path(frame), f"cached frame {frame}")[0]

    def clear(self):
        for path in self.pattern.directory.iterdir():
            if path.is_file():
                path.unlink()


class StreamedVideoTarget:
    """A video OUTPUT encoded as its frames are delivered, with no frame cache (`--stream`).

    Frames must arrive in order first, first + 1, ..., last (one writer thread); nothing is kept
    on disk but the encoder's temporary file, so an interrupted render starts over.
    """

    def __init__(self, video_writer, first, last):
        self._writer = video_writer
        self._next = first
        self._last = last

    def exists(self, frame):
        return False

    def write(self, frame, image):
        if frame != self._next:
            raise StateError(f"frame {frame} reached the encoder before frame {self._next} "
                             "(a streamed render needs its frames in order)")
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
    or interrupt."""

    def read(frame):
        return frames_target.read(frame) if frame in covered else reader.read(frame)

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
