"""Video files through PyAV: random-access reading by 0-based frame number, and writing that
keeps the input's frame rate, time base and frame timestamps.

Frames are RGB, 8-bit (or 16-bit when the stream has more than 8 bits per sample), given as
float32 HxWx3 in 0..1 display values, the same convention as an 8/16-bit image file.
"""
import collections
import dataclasses
import fractions
import logging
import os
from pathlib import Path

import av
import numpy as np

from ..errors import InputError, OutputError
from .image import PixelFormat

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mxf")
_CACHE_BYTES = 512 << 20  # decoded frames kept for backward runs and scrubbing


PRESET_CODECS = ("libx264", "libx265")  # the encoders that take --preset


@dataclasses.dataclass(frozen=True)
class VideoOptions:
    """Encoder settings for a video OUTPUT: codec (FFmpeg name), crf (quality, lower is
    better; None leaves the codec's default), pix_fmt (None: yuv420p, or yuv444p when a side
    is odd), fps (for a sequence input, which has no rate of its own), preset (libx264/libx265
    speed against file size, e.g. "veryfast" or "slow"; None leaves the codec's "medium")."""

    codec: str = "libx264"
    crf: int | None = 18
    pix_fmt: str | None = None
    fps: float | None = None
    preset: str | None = None


def is_video_path(path):
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


class VideoReader:
    """Frames 0..count-1 of a video's first video stream.

    Attributes: first (0), last, width, height, fps (Fraction), time_base (Fraction),
    pts (tuple: presentation timestamp of each frame), pixel_format, kind ("video").
    """

    kind = "video"

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: input video is missing (no such file)")
        try:
            self._container = av.open(str(self.path))
            stream = self._container.streams.video[0]
        except (av.error.FFmpegError, IndexError) as error:
            raise InputError(f"{self.path}: not a readable video ({error})") from error
        stream.thread_type = "AUTO"  # frame + slice threads: same pixels, faster on HD
        self._stream = stream
        self.width = stream.codec_context.width
        self.height = stream.codec_context.height
        self.fps = fractions.Fraction(stream.average_rate or stream.guessed_rate or 24)
        self.time_base = fractions.Fraction(stream.time_base)
        self.colorspace = stream.codec_context.colorspace
        self.color_range = stream.codec_context.color_range
        bits = stream.codec_context.format.components[0].bits if stream.codec_context.format else 8
        self._rgb_format = "rgb48le" if bits > 8 else "rgb24"
        self.pixel_format = PixelFormat("uint16" if bits > 8 else "uint8", ("R", "G", "B"), "video")
        self.pts = self._index()
        if not self.pts:
            raise InputError(f"{self.path}: the video holds no frames")
        self._frame_of_pts = {pts: n for n, pts in enumerate(self.pts)}
        self.first, self.last = 0, len(self.pts) - 1
        self._cache = collections.OrderedDict()
        self._cache_limit = max(4, _CACHE_BYTES // (self.width * self.height * 3 * (bits > 8 and 2 or 1)))
        self._decoder = None
        self._next = None  # the frame number the open decoder yields next

    @property
    def name(self):
        return str(self.path)

    def _index(self):
        """Presentation timestamps of every frame, from the packets (no decoding)."""
        try:
            pts = [p.pts for p in self._container.demux(self._stream) if p.size and p.pts is not None]
            self._container.seek(0, stream=self._stream)
        except av.error.FFmpegError as error:
            raise InputError(f"{self.path}: the video is corrupt ({error})") from error
        return tuple(sorted(pts))

    def missing(self, first, last):
        return [n for n in range(first, last + 1) if not self.first <= n <= self.last]

    def read(self, frame):
        """Frame `frame` (0-based) as float32 HxWx3 in 0..1."""
        if not self.first <= frame <= self.last:
            raise InputError(
                f"{self.path}: frame {frame} is outside the video (frames 0-{self.last})"
            )
        if frame not in self._cache:
            self._decode_to(frame)
        pixels = self._cache[frame]
        self._cache.move_to_end(frame)
        scale = 65535.0 if pixels.dtype == np.uint16 else 255.0
        return pixels.astype(np.float32) / np.float32(scale)

    def _decode_to(self, frame):
        if self._decoder is None or self._next is None or not self._next <= frame <= self._next + 32:
            # Jump: seek to the keyframe at or before the target, decode forward from there.
            self._container.seek(self.pts[frame], stream=self._stream, backward=True, any_frame=False)
            self._decoder = self._container.decode(self._stream)
            self._next = None
        try:
            while True:
                decoded = next(self._decoder)
                number = self._frame_of_pts.get(decoded.pts)
                if number is None:
                    continue
                self._keep(number, decoded.to_ndarray(format=self._rgb_format))
                self._next = number + 1
                if number >= frame:
                    break
        except StopIteration:
            self._decoder = None
        except av.error.FFmpegError as error:
            raise InputError(f"{self.path}: frame {frame} cannot be decoded ({error})") from error
        if frame not in self._cache:
            raise InputError(f"{self.path}: frame {frame} cannot be decoded (stream ended early)")

    def _keep(self, number, pixels):
        self._cache[number] = pixels
        self._cache.move_to_end(number)
        while len(self._cache) > self._cache_limit:
            self._cache.popitem(last=False)

    def close(self):
        self._container.close()


class VideoWriter:
    """Writes frames in order to a temporary file, renamed to `path` by `finish()`.

    `like` is the VideoReader the frames come from (its rate, time base and timestamps are
    kept), or None for a sequence input (then `options.fps`, default 24, sets the rate).
    """

    def __init__(self, path, width, height, temp_path, options=VideoOptions(), *, like=None):
        self.path = Path(path)
        self.temp_path = Path(temp_path)
        self._like = like
        pix_fmt = options.pix_fmt or ("yuv444p" if width % 2 or height % 2 else "yuv420p")
        rate = like.fps if like is not None else fractions.Fraction(options.fps or 24)
        self.temp_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._container = av.open(str(self.temp_path), mode="w", format=_container_format(self.path))
            stream = self._container.add_stream(options.codec, rate=rate)
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
            stream.time_base = like.time_base if like is not None else 1 / rate
            codec_options = {}
            if options.crf is not None and options.codec in ("libx264", "libx265", "libvpx-vp9", "libaom-av1"):
                codec_options["crf"] = str(options.crf)
            if options.preset is not None and options.codec in PRESET_CODECS:
                codec_options["preset"] = options.preset
            stream.codec_context.options = codec_options
            if like is not None and like.colorspace not in (None, 2):
                stream.codec_context.colorspace = like.colorspace
        except (av.error.FFmpegError, ValueError) as error:
            self._discard()
            raise OutputError(
                f"{self.path}: cannot encode with codec '{options.codec}' and pixel format "
                f"'{pix_fmt}' ({error})"
            ) from error
        self._stream = stream
        # The muxer may change the stream's time base when it writes the header (mp4 picks
        # 1/12800 for 25 fps): frame timestamps stay in the one chosen here.
        self._time_base = stream.time_base
        self._pix_fmt = pix_fmt
        self._bits16 = "10" in pix_fmt or "12" in pix_fmt or "16" in pix_fmt
        self._count = 0

    def write(self, frame, pixels):
        """Append input frame number `frame` (float32 HxWxC, 0..1; extra channels dropped)."""
        rgb = np.nan_to_num(pixels[..., :3])
        if self._bits16:
            data = np.clip(np.rint(rgb * 65535.0), 0, 65535).astype(np.uint16)
            image = av.VideoFrame.from_ndarray(data, format="rgb48le")
        else:
            data = np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)
            image = av.VideoFrame.from_ndarray(data, format="rgb24")
        colorspace = self._like.colorspace if self._like is not None and self._like.colorspace not in (None, 2) else None
        image = image.reformat(format=self._pix_fmt, dst_colorspace=colorspace)
        if self._like is not None:
            image.pts = self._like.pts[frame]
        else:
            image.pts = self._count
        image.time_base = self._time_base
        self._mux(self._stream.encode(image))
        self._count += 1

    def _mux(self, packets):
        for packet in packets:
            self._container.mux(packet)

    def finish(self):
        """Flush the encoder and move the finished file to its place."""
        try:
            self._mux(self._stream.encode(None))
            self._container.close()
            os.replace(self.temp_path, self.path)
        except OSError as error:
            self._discard()
            raise OutputError(f"{self.path}: cannot write ({error})") from error

    def abort(self):
        """Drop the unfinished file (Ctrl-C, error): nothing partial is left at `path`."""
        try:
            self._container.close()
        except Exception as error:  # noqa: BLE001 - closing a half-written file may fail any way
            log.debug("closing %s after an abort: %s", self.temp_path, error)
        self._discard()

    def _discard(self):
        if self.temp_path.exists():
            self.temp_path.unlink()


def _container_format(path):
    return {".mkv": "matroska", ".m4v": "mp4"}.get(Path(path).suffix.lower(), Path(path).suffix.lower()[1:])
