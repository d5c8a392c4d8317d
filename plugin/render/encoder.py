"""A video OUTPUT's encoder: the one VideoWriter factory a render job uses, and the check that
tries it on one frame before the render, so whatever the encoder refuses (codec, pixel format,
quality, rate, container) is refused before the first frame renders, naming the option."""
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .. import io
from ..errors import OutputError, UsageError
from ..io.pixel_formats import codec_formats


def video_writer(video_options, reader, path, temp_path, frames):
    """A VideoWriter of `path` (encoding into `temp_path` until finished) for INPUT `reader`'s
    frames `frames` (first, last): the plate's size, a video INPUT's rate, timing and other
    streams, the --codec/--crf/--pix-fmt/--fps/--preset of `video_options` (io.VideoOptions)."""
    return io.VideoWriter(path, reader.width, reader.height, temp_path, video_options,
                          like=reader if reader.kind == "video" else None, source=reader.pixel_format,
                          frames=frames)


def encode_settings(video_options):
    """A video OUTPUT's encoder settings as the flags that set them, JSON-able: what the encode
    depends on besides the frames ({"--codec": "libx264", "--crf": 18, ...}; None: the default)."""
    fps = video_options.fps
    return {"--codec": video_options.codec, "--crf": video_options.crf, "--preset": video_options.preset,
            "--pix-fmt": video_options.pix_fmt, "--fps": None if fps is None else str(Fraction(fps))}


def check_encoder(video_options, reader, output, frames):
    """Encode one black frame of the plate's size with exactly the writer the render will use
    (`video_writer`, for `frames` (first, last): one frame's worth of the input's other streams)
    into a scratch folder outside OUTPUT's: UsageError naming --codec / --pix-fmt / --crf / --fps
    with the encoder's reason if it refuses. output: OUTPUT's path (its container)."""
    formats = codec_formats(video_options.codec)  # UsageError naming --codec when FFmpeg has no such encoder
    with tempfile.TemporaryDirectory(prefix="excolor-encoder-check-") as scratch:
        probe = Path(scratch) / f"probe{Path(output).suffix}"
        try:
            writer = video_writer(video_options, reader, probe, Path(scratch) / "encoding.partial", frames)
            try:
                writer.write(reader.first, np.zeros((reader.height, reader.width, 3), np.float32))
                writer.finish()
            except BaseException:
                writer.abort()
                raise
        # TypeError: PyAV's answer to an audio encoder given video settings.
        except (av.error.FFmpegError, ValueError, TypeError, OverflowError, OutputError) as error:
            reason = str(error).replace(str(probe), Path(output).name)
            raise UsageError(_refusal(video_options, reader, output, formats, reason)) from error


def _refusal(video_options, reader, output, formats, reason):
    codec, pix_fmt = video_options.codec, video_options.pix_fmt
    chosen = f"--codec {codec}" + (f" with --pix-fmt {pix_fmt}" if pix_fmt else "")
    if not formats:
        advice = f"{codec} is not a video encoder"
    elif pix_fmt and (reader.width % 2 or reader.height % 2):
        advice = f"the plate's odd side does not fit --pix-fmt {pix_fmt}'s chroma subsampling; try yuv444p"
    elif not pix_fmt:
        advice = f"give a --pix-fmt it takes: {', '.join(formats)}"
    else:
        advice = f"the {Path(output).suffix} container or these settings do not suit it"
    return (f"{chosen}: the encoder refuses this {reader.width}x{reader.height} plate for OUTPUT "
            f"{Path(output).name} ({advice}); FFmpeg says: {reason}")
