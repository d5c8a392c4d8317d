"""What a video OUTPUT keeps of its input video besides the pictures.

`Passengers` stamps the output's video stream with the input's colour tags and range, sample
aspect ratio, display rotation, stream and container metadata and timecode (moved to the first
rendered frame), and copies the input's audio and subtitle streams packet for packet (no
re-encoding) over the rendered range, interleaved with the video as its frames are written.
What cannot be kept (a stream the output container cannot hold, a data stream) is said once, in
one warning line naming the output.
"""
import dataclasses
import fractions
import re
import warnings
from pathlib import Path

import av

# Metadata the muxer writes itself, or that describes the input file rather than the pictures.
_STALE_KEYS = re.compile(r"^(encoder|major_brand|minor_version|compatible_brands|duration|"
                         r"number_of_frames|number_of_bytes|_statistics_.*)$", re.IGNORECASE)
_COPIED_TYPES = ("audio", "subtitle")
_SAID = set()


@dataclasses.dataclass(frozen=True)
class ColourTags:
    """A video stream's colour description as FFmpeg numbers it (AVColorPrimaries,
    AVColorTransferCharacteristic, AVColorSpace, AVColorRange; 2 and 0 mean unspecified)."""

    primaries: int = 2
    transfer: int = 2
    matrix: int = 2
    range: int = 0


# What a video of an image-sequence INPUT holds: display sRGB (integer plates as stored, and
# scene-linear ones through the OCIO display view, whose default display is sRGB), BT.709
# primaries, converted to Y'CbCr with swscale's default BT.601 matrix (SMPTE 170M) in limited
# range. Tagged so, a player shows it as it was made instead of guessing.
SEQUENCE_TAGS = ColourTags(primaries=1, transfer=13, matrix=6, range=1)


def tag_colour(stream, tags):
    """Stamp an output video `stream` with ColourTags `tags`."""
    context = stream.codec_context
    context.color_primaries, context.color_trc = tags.primaries, tags.transfer
    context.colorspace, context.color_range = tags.matrix, tags.range


def sequence_timecode(attributes):
    """The SMPTE timecode ("HH:MM:SS:FF", ";" before the frames when drop-frame) of an EXR/DPX
    frame's attributes ((name, OIIO type, value), excolor.io.image.frame_attributes), or None."""
    for name, _type, value in attributes:
        if name == "smpte:TimeCode" and isinstance(value, tuple) and value:
            bcd = int(value[0])

            def digits(shift, tens_bits):
                return ((bcd >> (shift + 4)) & ((1 << tens_bits) - 1)) * 10 + ((bcd >> shift) & 0xF)

            separator = ";" if bcd & (1 << 6) else ":"
            return (f"{digits(24, 2):02d}:{digits(16, 3):02d}:{digits(8, 3):02d}{separator}"
                    f"{digits(0, 2):02d}")
    return None


def _say_once(message):
    # The render's encoder check opens a writer too: the same loss is said once per process.
    if message not in _SAID:
        _SAID.add(message)
        warnings.warn(message)


def kept_metadata(metadata):
    return {key: value for key, value in metadata.items() if not _STALE_KEYS.match(key)}


def _stream_tags(metadata):
    """A copied stream's tags, as the output container's muxer reads them: a QuickTime track's
    title reads back as `name`, and the muxers write it from `title`."""
    tags = kept_metadata(metadata)
    if "name" in tags and "title" not in tags:
        tags["title"] = tags.pop("name")
    return tags


def shift_timecode(timecode, frames, fps):
    """SMPTE `timecode` ("HH:MM:SS:FF", drop-frame with ';') `frames` frames later at `fps`."""
    drop = ";" in timecode or "." in timecode
    hours, minutes, seconds, frame = (int(part) for part in re.split(r"[:;.]", timecode))
    base = round(fps)
    dropped = round(base / 15) if drop else 0  # 2 labels a minute at 29.97, 4 at 59.94
    total_minutes = 60 * hours + minutes
    number = (3600 * hours + 60 * minutes + seconds) * base + frame
    number -= dropped * (total_minutes - total_minutes // 10)
    number += frames
    if drop:  # back to labels: skip the dropped ones of every minute but each tenth
        per_ten, per_minute = base * 600 - dropped * 9, base * 60 - dropped
        tens, rest = divmod(number, per_ten)
        number += dropped * 9 * tens + (dropped * ((rest - dropped) // per_minute) if rest > dropped else 0)
    frame, seconds = number % base, number // base
    separator = ";" if drop else ":"
    return f"{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{separator}{frame:02d}"


def _timecode(container, video):
    for metadata in [video.metadata] + [s.metadata for s in container.streams.data] + [container.metadata]:
        if "timecode" in metadata:
            return metadata["timecode"]
    return None


class Passengers:
    """Everything of `reader`'s (a VideoReader) file but its pictures, for the output
    `container` whose video `stream` will hold input frames `frames` (first, last).
    `until(frame)` muxes what plays before that frame; `finish()` the rest of the range."""

    def __init__(self, reader, container, stream, frames, destination):
        self._reader = reader
        self._container = container
        source = av.open(str(reader.path))
        self._source = source
        video = source.streams.video[0]
        first, last = frames
        tag_colour(stream, reader.colour_tags)
        if reader.sample_aspect_ratio:
            stream.codec_context.sample_aspect_ratio = reader.sample_aspect_ratio
        if reader.rotation:
            stream.set_display_rotation(reader.rotation)
        container.metadata.update(kept_metadata(source.metadata))
        stream.metadata.update(kept_metadata(video.metadata))
        timecode = _timecode(source, video)
        if timecode:
            stream.metadata["timecode"] = shift_timecode(timecode, first - reader.first, reader.fps)
        lost, self._streams = [], {}
        for copied in source.streams:
            if copied.index == video.index or (copied.type == "data" and "timecode" in copied.metadata):
                continue  # the pictures; a timecode track (its timecode is on the video now)
            name = copied.codec_context.name if copied.codec_context else copied.type
            if copied.type not in _COPIED_TYPES or name not in container.supported_codecs:
                lost.append(f"{copied.type} stream {copied.index} ({name})")
                continue
            kept = self._streams[copied.index] = container.add_stream_from_template(copied)
            kept.metadata.update(_stream_tags(copied.metadata))  # language and title: which track is which
        if lost:
            _say_once(f"{', '.join(lost)} of {reader.path} cannot go into a {Path(destination).suffix} "
                      "and are left out")
        # The rendered range in seconds; open ends when it reaches the input's ends, so audio
        # before the first picture (encoder priming) or after the last is kept whole.
        self._start = None if first == reader.first else self._seconds(first)
        self._end = None if last == reader.last else self._seconds(last + 1)
        self._packets = iter(())
        if self._streams:
            if self._start is not None:
                source.seek(int(self._start * av.time_base), backward=True)
            self._packets = source.demux(*[source.streams[i] for i in self._streams])
        self._pending = None

    def _seconds(self, frame):
        reader = self._reader
        if frame <= reader.decoded_last:
            return fractions.Fraction(reader.pts[frame]) * reader.time_base
        return fractions.Fraction(reader.pts[reader.decoded_last]) * reader.time_base + 1 / reader.fps

    def until(self, frame):
        """Mux the copied packets that play before input frame `frame`."""
        self._mux_before(self._seconds(frame))

    def finish(self):
        self._mux_before(self._end)
        self.close()

    def close(self):
        self._source.close()

    def _mux_before(self, limit):
        while True:
            packet = self._pending or next(self._packets, None)
            self._pending = None
            if packet is None:
                return
            if packet.pts is None or packet.dts is None:
                continue  # a demuxer flush packet
            time = packet.pts * packet.time_base
            if limit is not None and time >= limit:
                if self._end is None or time < self._end:
                    self._pending = packet  # plays later in the range
                    return
                continue  # beyond the range
            if self._start is not None and time < self._start:
                continue
            packet.stream = self._streams[packet.stream.index]
            self._container.mux(packet)
