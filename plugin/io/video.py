"""Video files through PyAV: random-access reading by 0-based frame number, and writing that
keeps the input's frame rate, time base and frame timestamps, its pixel format where the codec
allows (excolor.io.pixel_formats), and everything else the file carries (excolor.io.video_streams).

Frames are RGB, or RGBA when the stream has alpha, 8-bit (or 16-bit when the stream has more
than 8 bits per sample), given as float32 HxWxC in 0..1 display values, the same convention as
an 8/16-bit image file.
"""
import collections
import dataclasses
import fractions
import logging
import os
import warnings
from pathlib import Path

import av
import numpy as np

from ..errors import InputError, OutputError, UsageError
from ..threads import codec_threads
from .image import PixelFormat
from .pixel_formats import choose_pixel_format
from .video_streams import SEQUENCE_TAGS, ColourTags, Passengers, sequence_timecode, tag_colour
from .video_timing import OutputTiming

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mxf")
_CACHE_BYTES = 512 << 20  # decoded frames kept for backward runs and scrubbing


PRESET_CODECS = ("libx264", "libx265")  # the encoders that take --preset
# FFmpeg's pixel-format conversions (swscale) run on one thread: sliced over threads, the
# RGBA -> yuva444p10le conversion of one frame gave 4 different alpha planes in 300 runs (wrong
# from a slice boundary on; one result on one thread), and a render must give the same pixels
# every time.
SWSCALE_THREADS = 1
# The encoders that take --crf, with the range each accepts (best quality first).
CRF_RANGES = {"libx264": (0, 51), "libx265": (0, 51), "libvpx-vp9": (0, 63), "libaom-av1": (0, 63)}
# The encoders a refusal of --codec for a container suggests, where the container holds them.
KNOWN_CODECS = (*CRF_RANGES, "prores_ks", "dnxhd", "ffv1", "mpeg2video")


@dataclasses.dataclass(frozen=True)
class VideoOptions:
    """Encoder settings for a video OUTPUT: codec (FFmpeg name), crf (quality, lower is
    better; None leaves the codec's default), pix_fmt (None: chosen by
    excolor.io.pixel_formats.choose_pixel_format to keep the input's depth, subsampling and
    alpha), fps (for a sequence input, which has no rate of its own; None: its header's, else 24), preset (libx264/libx265
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
    pts (tuple: presentation timestamp of each frame in the file), pixel_format, kind ("video"),
    decoded_last (the last frame the file holds: below `last` when the file is cut short of the
    length its header declares; `missing` then names the frames after it, and a warning says so).
    """

    kind = "video"

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: input video is missing (no such file)")
        try:
            self._container = av.open(str(self.path))
        except av.error.FFmpegError as error:
            raise InputError(f"{self.path}: not a readable video ({error})") from error
        if not self._container.streams.video:
            held = ", ".join(f"{s.type} ({s.codec_context.name if s.codec_context else '?'})"
                             for s in self._container.streams) or "no streams"
            self._container.close()
            raise InputError(f"{self.path}: the file has no video stream (it holds {held}): there is no "
                             "picture to colorize")
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"  # frame + slice threads: same pixels, faster on HD
        if codec_threads() is not None:
            stream.thread_count = codec_threads()
        self._stream = stream
        self.width = stream.codec_context.width
        self.height = stream.codec_context.height
        self.fps = fractions.Fraction(stream.average_rate or stream.guessed_rate or 24)
        self.time_base = fractions.Fraction(stream.time_base)
        context = stream.codec_context
        self.colour_tags = ColourTags(context.color_primaries, context.color_trc, context.colorspace,
                                      context.color_range)
        self.sample_aspect_ratio = stream.sample_aspect_ratio
        self.source_pix_fmt = context.format.name if context.format else None
        bits = context.format.components[0].bits if context.format else 8
        alpha = bool(context.format) and any(c.is_alpha for c in context.format.components)
        self._rgb_format = _rgb_layout(alpha, bits > 8)
        self.pixel_format = PixelFormat("uint16" if bits > 8 else "uint8", ("R", "G", "B", "A")[: 3 + alpha], "video")
        self.pts = self._index()
        if not self.pts:
            raise InputError(f"{self.path}: the video holds no frames")
        self._frame_of_pts = {pts: n for n, pts in enumerate(self.pts)}
        self.first, self.decoded_last = 0, len(self.pts) - 1
        self.last = max(self.decoded_last, self._declared_count() - 1)
        if self.last > self.decoded_last:
            warnings.warn(
                f"{self.path}: the file is cut short: its header declares {self.last + 1} frames, "
                f"frames {self.decoded_last + 1}-{self.last} are not in it (first missing frame: "
                f"{self.decoded_last + 1}); --frames {self.first}-{self.decoded_last} renders what it holds"
            )
        self._cache = collections.OrderedDict()
        self._cache_limit = max(4, _CACHE_BYTES // (self.width * self.height * 4 * (bits > 8 and 2 or 1)))
        self._decoder = None
        self._next = None  # the frame number the open decoder yields next
        self._rotation = None
        self._first_rotation = 0

    @property
    def rotation(self):
        """The display rotation in degrees, counter-clockwise, as the stream's display matrix says
        (0 when it has none): decoded frames carry it."""
        if self._rotation is None:
            self.read(self.first)
            self._rotation = self._first_rotation
        return self._rotation

    @property
    def name(self):
        return str(self.path)

    def _index(self):
        """Presentation timestamps of every frame, from the packets (no decoding)."""
        try:
            pts = [p.pts for p in self._container.demux(self._stream)
                   if p.size and p.pts is not None and not p.is_corrupt]
            self._container.seek(0, stream=self._stream)
        except av.error.FFmpegError as error:
            raise InputError(f"{self.path}: the video is corrupt ({error})") from error
        return tuple(sorted(pts))

    def _declared_count(self):
        """The frame count the header declares: the stream's (mp4/mov sample tables), else the
        container's duration at the stream's rate (Matroska), less one frame of rounding."""
        if self._stream.frames:
            return self._stream.frames
        if self._container.duration:
            seconds = fractions.Fraction(self._container.duration, av.time_base)
            return int(seconds * self.fps) - 1
        return 0

    def missing(self, first, last):
        return [n for n in range(first, last + 1) if not self.first <= n <= self.decoded_last]

    def read(self, frame):
        """Frame `frame` (0-based) as float32 HxWx3 in 0..1."""
        if not self.first <= frame <= self.last:
            raise InputError(
                f"{self.path}: frame {frame} is outside the video (frames 0-{self.last})"
            )
        if frame > self.decoded_last:
            raise InputError(f"{self.path}: frame {frame} is missing: the file is cut short after frame "
                             f"{self.decoded_last} (its header declares {self.last + 1} frames)")
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
            self._decoder = self._frames()
            self._next = None
        try:
            while True:
                decoded = next(self._decoder)
                number = self._frame_of_pts.get(decoded.pts)
                if number is None:
                    continue
                if number == self.first:
                    self._first_rotation = int(decoded.rotation or 0)
                self._keep(number, decoded.to_ndarray(format=self._rgb_format, threads=SWSCALE_THREADS))
                self._next = number + 1
                if number >= frame:
                    break
        except StopIteration:
            self._decoder = None
        except av.error.FFmpegError as error:
            raise InputError(f"{self.path}: frame {frame} cannot be decoded ({error})") from error
        if frame not in self._cache:
            raise InputError(f"{self.path}: frame {frame} cannot be decoded (stream ended early)")

    def _frames(self):
        """Decoded frames from the current position, the file's last packet left out when the
        file is cut inside it (the demuxer marks it corrupt; the decoder would refuse it)."""
        for packet in self._container.demux(self._stream):
            if not packet.is_corrupt:
                yield from packet.decode()

    def _keep(self, number, pixels):
        self._cache[number] = pixels
        self._cache.move_to_end(number)
        while len(self._cache) > self._cache_limit:
            self._cache.popitem(last=False)

    def close(self):
        self._container.close()


class VideoWriter:
    """Writes frames in order to a temporary file, renamed to `path` by `finish()`.

    `like` is the VideoReader the frames come from (its rate, time base, timestamps, pixel
    format, colour tags, aspect ratio, rotation, metadata, timecode, audio and other streams are
    kept: excolor.io.video_streams), or None for a sequence input (then `options.fps`, else the
    frame rate its EXR/DPX header declares, else 24, sets the rate). `source`: the input's PixelFormat (bit depth and alpha of a sequence).
    `frames`: the (first, last) input frames the video will hold (streams are cut to them).
    """

    def __init__(self, path, width, height, temp_path, options=VideoOptions(), *, like=None, source=None,
                 frames=None):
        self.path = Path(path)
        self.temp_path = Path(temp_path)
        source = like.pixel_format if like is not None else source
        encoder = choose_pixel_format(
            options.codec, source=like.source_pix_fmt if like is not None else None, bits=_bits(source),
            alpha=source is not None and "A" in source.channel_names, width=width, height=height,
            requested=options.pix_fmt)
        pix_fmt = encoder.pix_fmt
        rate = like.fps if like is not None else fractions.Fraction(options.fps or _header_rate(source) or 24)
        self._timing = OutputTiming.choose(self.path, rate, like=like)
        self.temp_path.parent.mkdir(parents=True, exist_ok=True)
        self._passengers = None
        try:
            self._container = av.open(str(self.temp_path), mode="w", format=_container_format(self.path))
            self._refuse_foreign_codec(options.codec)
            stream = self._container.add_stream(options.codec, rate=rate)
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
            # The encoder's time base too: left unset it is 1/rate, and uneven timestamps
            # (a variable-rate INPUT) rounded to it collide, which the muxer refuses.
            stream.time_base = stream.codec_context.time_base = self._timing.time_base
            codec_options = dict(encoder.options)
            if options.crf is not None and options.codec in CRF_RANGES:
                codec_options["crf"] = str(options.crf)
            if options.preset is not None and options.codec in PRESET_CODECS:
                codec_options["preset"] = options.preset
            stream.codec_context.options = codec_options
            if codec_threads() is not None:
                stream.thread_count = codec_threads()
            if like is not None:
                self._tags = like.colour_tags
                self._passengers = Passengers(like, self._container, stream, frames or (like.first, like.last),
                                              self.path)
            else:
                self._tags = SEQUENCE_TAGS
                tag_colour(stream, self._tags)
        except (av.error.FFmpegError, ValueError) as error:
            self._discard()
            raise OutputError(
                f"{self.path}: cannot encode with codec '{options.codec}' and pixel format "
                f"'{pix_fmt}' ({error})"
            ) from error
        self._stream = stream
        self._source = source
        # The muxer may change the stream's time base when it writes the header (mp4 picks
        # 1/12800 for 25 fps): frame timestamps stay in the one chosen here.
        self._time_base = stream.time_base
        self._pix_fmt = pix_fmt
        self._bits16 = encoder.bits > 8
        self._alpha = encoder.alpha
        self._count = 0

    def _refuse_foreign_codec(self, codec):
        """UsageError naming the container and the encoders it holds when it cannot hold
        `codec`'s streams (libx264 in a .webm): no --pix-fmt would change that."""
        supported = self._container.supported_codecs

        def held(name):  # None: not an encoder this FFmpeg has
            try:
                return name in supported or av.codec.Codec(name, "w").name in supported
            except (av.error.FFmpegError, ValueError):
                return None

        if held(codec) is False:  # an unknown one: the check before the render names --codec
            self._container.close()
            self._discard()
            takes = [name for name in KNOWN_CODECS if held(name)]
            raise UsageError(f"--codec {codec}: a {self.path.suffix} file cannot hold {codec} video; for "
                             f"{self.path.suffix} give --codec {' or '.join(takes) or 'another codec'}, or write "
                             "another container")

    def write(self, frame, pixels):
        """Append input frame number `frame` (float32 HxWxC, 0..1): RGB, and channel 3 as alpha
        when the pixel format holds alpha (opaque when the frame has none); others dropped."""
        colour = np.nan_to_num(pixels[..., : 4 if self._alpha else 3])
        if colour.shape[2] == 3 and self._alpha:
            colour = np.concatenate([colour, np.ones_like(colour[..., :1])], axis=2)
        layout = _rgb_layout(self._alpha, self._bits16)
        scale = 65535.0 if self._bits16 else 255.0
        data = np.clip(np.rint(colour * scale), 0, scale).astype(np.uint16 if self._bits16 else np.uint8)
        image = av.VideoFrame.from_ndarray(data, format=layout)
        tags = self._tags
        image = image.reformat(format=self._pix_fmt, dst_colorspace=tags.matrix if tags.matrix != 2 else None,
                               dst_color_range=tags.range or None, threads=SWSCALE_THREADS)
        if self._passengers is not None:
            self._passengers.until(frame)
        elif self._count == 0:
            self._carry_timecode(frame)
        image.pts = self._timing.pts(frame, self._count)
        image.time_base = self._time_base
        self._mux(self._stream.encode(image))
        self._count += 1

    def _carry_timecode(self, frame):
        """A sequence INPUT's timecode (its first written frame's EXR/DPX header) on the video
        stream, set before the first packet, when the muxer writes the header (MOV/MP4 keep it
        as a timecode track, Matroska as a tag)."""
        frame_header = self._source.frame_header if self._source is not None else None
        timecode = sequence_timecode(frame_header(frame)) if frame_header is not None else None
        if timecode:
            self._stream.metadata["timecode"] = timecode

    def _mux(self, packets):
        for packet in packets:
            self._container.mux(packet)

    def finish(self):
        """Flush the encoder and move the finished file to its place."""
        try:
            self._mux(self._stream.encode(None))
            if self._passengers is not None:
                self._passengers.finish()
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
        if self._passengers is not None:
            self._passengers.close()
        self._discard()

    def _discard(self):
        if self.temp_path.exists():
            self.temp_path.unlink()


def _rgb_layout(alpha, deep):
    """The packed RGB(A) pixel format frames are converted through: 8 or 16 bits a sample."""
    if alpha:
        return "rgba64le" if deep else "rgba"
    return "rgb48le" if deep else "rgb24"


def _header_rate(pixel_format):
    """The frame rate an EXR/DPX sequence's header declares (None when it has none)."""
    header = {name: value for name, _type, value in (pixel_format.header if pixel_format else ())}
    rate = header.get("FramesPerSecond")
    if isinstance(rate, tuple) and len(rate) == 2 and rate[0] > 0 and rate[1] > 0:
        return fractions.Fraction(*rate)
    return rate if isinstance(rate, (int, float)) and rate > 0 else None


def _bits(pixel_format):
    """Bits per sample of an input PixelFormat (8 when unknown)."""
    if pixel_format is None or pixel_format.dtype == "uint8":
        return 8
    declared = dict(pixel_format.attributes).get("oiio:BitsPerSample")
    return int(declared) if pixel_format.dtype == "uint16" and declared else 16


def _container_format(path):
    return {".mkv": "matroska", ".m4v": "mp4"}.get(Path(path).suffix.lower(), Path(path).suffix.lower()[1:])
