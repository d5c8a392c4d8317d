"""The encoder pixel format (and profile) of a video OUTPUT: the input's bit depth, chroma
subsampling and alpha kept as far as the codec allows.

    choose_pixel_format("libx265", source="yuv420p10le")        # -> EncoderFormat("yuv420p10le", {})
    choose_pixel_format("prores_ks", alpha=True)                # -> 4444 (yuva444p10le, profile 4)
    choose_pixel_format("dnxhd", width=1920, height=1080)       # -> DNxHR HQX (yuv422p10le)

ProRes and DNxHR are mastering codecs with fixed profiles: ProRes 422 HQ, or 4444 when the
plate has alpha (or a 4:4:4 format is asked for); DNxHR HQX (10-bit 4:2:2). Other codecs take
the input's own format when they can encode it, else the closest one they can: at least the
input's bits, no more chroma subsampling than it had, its alpha. An image-sequence or gray input
has no chroma subsampling of its own: it gets 4:2:0 (what players expect), 4:4:4 when a side is
odd.
"""
import dataclasses

import av

from ..errors import UsageError

# codec -> {alpha: (pix_fmt, encoder options)}. prores_ks profiles: 3 = 422 HQ, 4 = 4444.
_MASTERING = {
    "prores_ks": {False: ("yuv422p10le", {"profile": "3"}), True: ("yuva444p10le", {"profile": "4"})},
    "dnxhd": {False: ("yuv422p10le", {"profile": "dnxhr_hqx"})},
}
_PRORES_4444_FORMATS = ("yuv444p10le", "yuva444p10le")
DNXHR_MIN = (256, 120)  # FFmpeg's DNxHR encoder refuses smaller pictures


@dataclasses.dataclass(frozen=True)
class EncoderFormat:
    """pix_fmt (FFmpeg's name) and the encoder options its profile needs."""

    pix_fmt: str
    options: dict = dataclasses.field(default_factory=dict)

    @property
    def alpha(self):
        return _describe(self.pix_fmt)["alpha"]

    @property
    def bits(self):
        return _describe(self.pix_fmt)["bits"]


def _describe(name):
    fmt = av.VideoFormat(name)
    return {
        "bits": fmt.components[0].bits,
        "alpha": any(c.is_alpha for c in fmt.components),
        "rgb": fmt.is_rgb,
        # Chroma samples across and down per 64 pixels: 64 (4:4:4), 32 (4:2:2 across, 4:2:0).
        "chroma": (fmt.chroma_width(64), fmt.chroma_height(64)),
    }


def codec_formats(codec):
    """The pixel formats FFmpeg's encoder `codec` takes (UsageError naming it when unknown)."""
    try:
        return [f.name for f in (av.codec.Codec(codec, "w").video_formats or ())]
    except (av.error.FFmpegError, ValueError) as error:
        raise UsageError(f"--codec {codec}: not a video encoder this FFmpeg has ({error})") from error


def choose_pixel_format(codec, *, source=None, bits=8, alpha=False, width=None, height=None, requested=None):
    """The EncoderFormat for `codec`: `requested` (--pix-fmt) when given, else the codec's
    profile (ProRes, DNxHR), else `source` (the input video's pix_fmt) or the closest format the
    codec takes to `bits`/`alpha` (an image-sequence input). width/height: the picture's, when
    known (an odd side rules out chroma subsampling). UsageError names a pix_fmt the codec
    cannot encode, and the ones it can, or a picture DNxHR refuses."""
    formats = codec_formats(codec)
    if codec == "dnxhd" and width and height and (width < DNXHR_MIN[0] or height < DNXHR_MIN[1]):
        raise UsageError(f"--codec dnxhd: DNxHR needs a picture of at least {DNXHR_MIN[0]}x{DNXHR_MIN[1]}; "
                         f"the plate is {width}x{height}")
    if requested is not None:
        if formats and requested not in formats:
            raise UsageError(f"--pix-fmt {requested}: {codec} encodes {', '.join(formats)}")
        return EncoderFormat(requested, _profile_options(codec, requested))
    if codec in _MASTERING:
        profiles = _MASTERING[codec]
        pix_fmt, options = profiles.get(alpha, profiles[False])
        return EncoderFormat(pix_fmt, dict(options))
    odd = bool(width and width % 2) or bool(height and height % 2)
    colour_source = source is not None and _usable(source)
    if colour_source and source in formats and not (odd and _describe(source)["chroma"] != (64, 64)):
        return EncoderFormat(source)
    if colour_source:
        wanted = _describe(source)
    else:  # a sequence, or a gray / packed / full-range video: its depth and alpha, 4:2:0
        if source is not None:
            bits, alpha = _describe(source)["bits"], _describe(source)["alpha"]
        wanted = {"bits": bits, "alpha": alpha, "rgb": False, "chroma": (64, 64) if odd else (32, 32)}
    candidates = [f for f in formats if _usable(f) and not (odd and _describe(f)["chroma"] != (64, 64))]
    if not candidates:
        return EncoderFormat(formats[0] if formats else "yuv420p")
    return EncoderFormat(min(candidates, key=lambda name: _distance(_describe(name), wanted)))


def _usable(name):
    # Planar colour formats only: no gray (the output is colour), palettes, packed or
    # full-range (yuvj) aliases; the colour range travels as a tag instead.
    return name.startswith(("yuv", "gbr")) and not name.startswith("yuvj")


def _distance(have, wanted):
    """Sort key: losing bits, chroma or alpha costs most; carrying more than needed, a little."""
    fewer_bits = max(wanted["bits"] - have["bits"], 0)
    more_bits = max(have["bits"] - wanted["bits"], 0)
    less_chroma = sum(max(w - h, 0) for h, w in zip(have["chroma"], wanted["chroma"]))
    more_chroma = sum(max(h - w, 0) for h, w in zip(have["chroma"], wanted["chroma"]))
    lost_alpha = wanted["alpha"] and not have["alpha"]
    extra_alpha = have["alpha"] and not wanted["alpha"]
    other_family = have["rgb"] != wanted["rgb"]
    return (fewer_bits + less_chroma + 100 * lost_alpha, more_bits + more_chroma + extra_alpha + other_family)


def _profile_options(codec, pix_fmt):
    if codec == "prores_ks":
        return {"profile": "4" if pix_fmt in _PRORES_4444_FORMATS else "3"}
    if codec == "dnxhd":
        if "444" in pix_fmt or pix_fmt.startswith("gbr"):
            return {"profile": "dnxhr_444"}
        return {"profile": "dnxhr_hqx" if "10" in pix_fmt else "dnxhr_hq"}
    return {}
