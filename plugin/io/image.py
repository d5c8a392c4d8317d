"""Single images through OpenImageIO: read as float32, write atomically in a chosen pixel format.

Pixel values are handed to the node as they are in the file, normalized: integer files map
0..max to 0..1 (8-bit /255, 16-bit /65535, 10-bit DPX likewise through OIIO), float and half
files are passed through untouched (scene-linear EXR keeps values above 1). No colour
conversion happens here: that is the node's OCIO step.
"""
import contextlib
import dataclasses
import re
from pathlib import Path

import cv2
import numpy as np
import OpenImageIO as oiio

from ..errors import InputError, OutputError, UsageError
from ..files import replacing
from .channels import colour_channel_names
from .native_messages import held_back

# File extension -> (OIIO format name, pixel types it stores, the type to fall back to).
FORMATS = {
    ".exr": ("openexr", ("half", "float"), "half"),
    ".dpx": ("dpx", ("uint8", "uint16", "half", "float"), "uint16"),
    ".tif": ("tiff", ("uint8", "uint16", "half", "float"), "uint16"),
    ".tiff": ("tiff", ("uint8", "uint16", "half", "float"), "uint16"),
    ".png": ("png", ("uint8", "uint16"), "uint16"),
    ".jpg": ("jpeg", ("uint8",), "uint8"),
    ".jpeg": ("jpeg", ("uint8",), "uint8"),
}
# The most channels a file type holds, where it has a limit (OpenImageIO's PNG writer: gray,
# gray + alpha, RGB, RGBA; its DPX writer: 1, 3 or 4).
_MOST_CHANNELS = {".png": 4, ".dpx": 4}
# Format attributes worth carrying from an input frame to an output frame of the same file type.
_KEPT_ATTRIBUTES = ("compression", "oiio:BitsPerSample", "dpx:Packing", "Orientation")
# EXR and DPX keep their whole header (frame rate, chromaticities, pixel aspect, camera and
# studio attributes) but what no longer holds for a new frame: the file's own bookkeeping, the
# write time and DPX's channel layout (a gray scan comes back as RGB). What describes one frame
# only (timecodes, keycodes, capture dates) is taken from each frame's own file (frame_header).
_HEADER_FORMATS = ("openexr", "dpx")
_NOT_KEPT = re.compile(r"^(oiio:subimages|oiio:RowsPerChunk|openexr:chunkCount|DateTime|dpx:ImageDescriptor)$")
_GEOMETRY = re.compile(r"^(PixelAspectRatio|screenWindowCenter|screenWindowWidth)$")
PER_FRAME = re.compile(r"^(smpte:TimeCode|smpte:KeyCode|dpx:TimeCode|dpx:UserBits|capDate|utcOffset)$")


@dataclasses.dataclass(frozen=True)
class PixelFormat:
    """How an image is stored: pixel type ("uint8", "uint16", "half", "float"), channels.

    `attributes` are (name, value) pairs such as EXR compression or DPX bit depth, copied to
    outputs of the same file format (`source_format`, OIIO's name: "openexr", "png", ...).
    `view`: for outputs, the display view (excolor.colour.display_view.DisplayView) the colour channels
    of scene-linear pixels go through when the file holds integers; None writes values as given.
    `header`: (name, OIIO type, value) of every other EXR/DPX header attribute that still holds
    for a new frame; `window`: (x, y, full_x, full_y, full_width, full_height), the data window's
    origin and the display window (EXR overscan). Both go to outputs of the same file format.
    `frame_header`: None, or callable(frame) -> the attributes of one input frame's own file
    that hold for that frame only (timecodes), added to its output frame (excolor.io.sequence).
    """

    dtype: str
    channel_names: tuple
    source_format: str = ""
    attributes: tuple = ()
    view: object = None
    header: tuple = ()
    window: tuple = ()
    frame_header: object = None

    @property
    def channels(self):
        return len(self.channel_names)

    def for_extension(self, extension):
        """This format adapted to a file type: the same pixel type when it can hold it."""
        _name, allowed, fallback = format_for(extension)
        dtype = self.dtype if self.dtype in allowed else fallback
        names = self.channel_names
        if extension.lower() in (".jpg", ".jpeg") and len(names) > 3:
            names = names[:3]  # JPEG holds no alpha
        return dataclasses.replace(self, dtype=dtype, channel_names=names)

    def matte(self, dtype):
        """A one-channel ("Y") format of pixel type `dtype` for a matte of frames in this format:
        the plate's geometry (data and display window, pixel aspect and screen window) kept,
        where the file type holds it, so the matte lies on its plate in a comp; nothing else of
        the plate's (its compression, bit depth or view would not suit a matte)."""
        geometry = tuple(entry for entry in self.header if _GEOMETRY.match(entry[0]))
        return PixelFormat(dtype, ("Y",), self.source_format, header=geometry, window=self.window)

    def in_colour(self):
        """This format for a colorized output: a gray format's luma channel becomes R, G, B
        (excolor.io.channels), alpha and extra channels stay."""
        return dataclasses.replace(self, channel_names=colour_channel_names(self.channel_names))


def check_holds(path, pixel_format):
    """UsageError naming `path` (an OUTPUT frame or pattern) when its file type cannot hold the
    channels of `pixel_format`'s colour output (a PNG or DPX holds at most 4: RGB and alpha), so that a render is refused before its first frame rather than at its first write.
    JPEG, which holds no alpha, keeps RGB (PixelFormat.for_extension)."""
    extension = Path(str(path)).suffix.lower()
    colour = pixel_format.in_colour()

    def held(kind):
        names = colour.for_extension(kind).channel_names
        return names if len(names) <= _MOST_CHANNELS.get(kind, len(names)) else None

    if held(extension) is None:
        names = colour.channel_names
        holding = sorted(kind for kind in FORMATS if held(kind) == names)
        raise UsageError(f"OUTPUT {path}: a {extension} file holds at most {_MOST_CHANNELS[extension]} channels, "
                         f"and the colour output of INPUT has {len(names)} ({', '.join(names)}); write "
                         f"{', '.join(holding)}, which hold them all")


def format_for(extension):
    try:
        return FORMATS[extension.lower()]
    except KeyError:
        raise InputError(
            f"unsupported image type '{extension}'; excolor reads and writes "
            f"{', '.join(sorted(FORMATS))}"
        ) from None


def _type_name(oiio_type):
    name = str(oiio_type)
    return {"uint8": "uint8", "uint16": "uint16", "half": "half", "float": "float"}.get(name, "float")


def read_image(path, what="image", cover=None):
    """Read one image file.

    Returns (pixels float32 HxWxC, PixelFormat). Raises InputError naming the file (and `what`,
    e.g. "frame 1012" or "reference") when it is missing, unreadable or truncated.
    cover: None, or (height, width) the pixels must still cover: an image at least twice that
    on both sides is reduced (`reduced_size`) as soon as it is decoded, before its integers
    become floats, so a huge picture never lives in memory as float32.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: {what} is missing (no such file)")
    # libpng prints its own line on stderr for a broken file; the InputError below says it, naming the file.
    with held_back("libpng") if path.suffix.lower() == ".png" else contextlib.nullcontext():
        spec, image_format_name, pixels, error = _read_stored(path, what)
    if pixels is None or error:
        reason = " ".join((error or "no pixels").split())
        raise InputError(f"{path}: {what} is corrupt or truncated ({reason})")
    pixels = np.asarray(pixels).reshape(spec.height, spec.width, spec.nchannels)
    size = reduced_size((spec.height, spec.width), cover)
    if size != (spec.height, spec.width):
        # Area averaging: each output pixel the mean of the input pixels it covers (no aliasing).
        shrunk = cv2.resize(pixels, (size[1], size[0]), interpolation=cv2.INTER_AREA)
        pixels = shrunk.reshape(size[0], size[1], spec.nchannels)
    dtype = _type_name(spec.format)
    if pixels.dtype != np.float32:  # an integer file, read as stored
        pixels = pixels.astype(np.float32) / np.float32(255.0 if dtype == "uint8" else 65535.0)
    attributes = []
    for name in _KEPT_ATTRIBUTES:
        value = spec.getattribute(name)
        if value is not None:
            attributes.append((name, value))
    header = ()
    if image_format_name in _HEADER_FORMATS:
        header = tuple((p.name, str(p.type), p.value) for p in spec.extra_attribs
                       if p.name not in _KEPT_ATTRIBUTES and not _NOT_KEPT.match(p.name)
                       and not PER_FRAME.match(p.name))
    window = (spec.x, spec.y, spec.full_x, spec.full_y, spec.full_width, spec.full_height)
    fmt = PixelFormat(dtype, tuple(spec.channelnames), image_format_name, tuple(attributes), None, header, window)
    return pixels, fmt


def reduced_size(size, cover):
    """(height, width) an image of `size` is read at so that it still covers `cover` (both
    (height, width); None: no bound): `size` itself unless it is at least twice `cover` on
    both sides, else the smallest size of its own aspect that covers `cover`. An image less
    than twice as large is kept whole: its pixels stay exactly as they were read before any
    bound existed, and it costs at most four times the bound's memory."""
    if cover is None:
        return tuple(size)
    height, width = size
    scale = max(cover[0] / height, cover[1] / width)
    if scale > 0.5:
        return height, width
    return max(cover[0], round(height * scale)), max(cover[1], round(width * scale))


def image_shape(path):
    """(width, height, channels) from a file's header, without reading its pixels; None when
    it cannot be opened (reading it then says why)."""
    image = oiio.ImageInput.open(str(path))
    if image is None:
        oiio.geterror()  # clear it: the file's own read reports it
        return None
    try:
        spec = image.spec()
        return spec.width, spec.height, spec.nchannels
    finally:
        image.close()


def _read_stored(path, what):
    """(spec, OIIO format name, pixels as stored (integers as integers), OIIO's error or "")."""
    # Pixels as stored: PNG/TIFF alpha is unassociated on disk and OIIO would premultiply it.
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)
    image = oiio.ImageInput.open(str(path), config)
    if image is None:
        reason = " ".join((oiio.geterror() or "unknown format").split())
        raise InputError(f"{path}: {what} cannot be read ({reason})")
    try:
        spec = image.spec()
        # Integers are read as stored and scaled by read_image, the same way the video reader
        # scales, so an 8-bit frame gives the same floats whichever container it came in.
        dtype = _type_name(spec.format)
        pixels = image.read_image(0, 0, 0, spec.nchannels, dtype if dtype in ("uint8", "uint16") else "float")
        return spec, image.format_name(), pixels, image.geterror()
    finally:
        image.close()


def frame_attributes(path):
    """(name, OIIO type, value) of the attributes of an EXR/DPX file that describe its frame
    only (timecode, keycode, capture date); () when the file has none or cannot be opened."""
    image = oiio.ImageInput.open(str(path))
    if image is None:
        oiio.geterror()  # clear it: the frame's own read reports a broken file
        return ()
    try:
        spec = image.spec()
    finally:
        image.close()
    return tuple((p.name, str(p.type), p.value) for p in spec.extra_attribs if PER_FRAME.match(p.name))


def write_image(path, pixels, fmt, temp_dir):
    """Write `pixels` (float32 HxWxC) to `path` atomically: a temp file in `temp_dir`, then rename.

    `temp_dir` must be on the same filesystem as `path` (the output's `.excolor/tmp`). The file
    type follows `path`'s extension; `fmt` is adapted to it (see PixelFormat.for_extension).
    An interruption removes the temp file, so no partial image is ever left at `path`.
    """
    path = Path(path)
    extension = path.suffix
    oiio_name, _allowed, _fallback = format_for(extension)
    fmt = fmt.for_extension(extension)
    height, width = pixels.shape[:2]
    if fmt.view is not None and fmt.dtype in ("uint8", "uint16"):
        pixels = fmt.view.show(pixels, str(path))
    pixels = np.ascontiguousarray(pixels[..., : fmt.channels], dtype=np.float32)
    if pixels.shape[2] != fmt.channels:
        raise ValueError(f"{path}: {pixels.shape[2]} channels given, format has {fmt.channels}")
    spec = oiio.ImageSpec(width, height, fmt.channels, fmt.dtype)
    spec.channelnames = fmt.channel_names
    if "A" in fmt.channel_names:
        spec.alpha_channel = fmt.channel_names.index("A")
        if oiio_name != "openexr":
            # The data is as read (unassociated where the format stores it so): write it as is.
            spec.attribute("oiio:UnassociatedAlpha", 1)
    if fmt.source_format == oiio_name:
        # Compression, DPX bit depth and the like only mean the same within one file format.
        for name, value in fmt.attributes:
            spec.attribute(name, value)
        for name, type_name, value in fmt.header:
            spec.attribute(name, oiio.TypeDesc(type_name), value)
        if fmt.window:
            spec.x, spec.y, spec.full_x, spec.full_y, spec.full_width, spec.full_height = fmt.window
    output = oiio.ImageOutput.create(oiio_name)
    if output is None:
        raise OutputError(f"{path}: OpenImageIO cannot write {oiio_name} ({oiio.geterror()})")
    try:
        with replacing(path, temp_dir) as temp:
            if not output.open(str(temp), spec):
                raise OutputError(f"{path}: cannot write ({output.geterror()})")
            ok = output.write_image(_quantised(pixels, fmt, oiio_name))
            output.close()
            if not ok:
                raise OutputError(f"{path}: writing failed ({output.geterror()})")
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error})") from error


def _quantised(pixels, fmt, oiio_name):
    """The pixels in the file's type. Integer files are rounded and clamped here so every
    writer quantises the same way."""
    if fmt.dtype in ("uint8", "uint16"):
        scale = 255.0 if fmt.dtype == "uint8" else 65535.0
        bits = dict(fmt.attributes).get("oiio:BitsPerSample") if fmt.source_format == oiio_name else None
        if fmt.dtype == "uint16" and bits and int(bits) < 16:
            # 10/12-bit files: round on their own grid, not truncate from 16 bits.
            steps = float(2 ** int(bits) - 1)
            pixels = np.rint(np.clip(np.nan_to_num(pixels), 0, 1) * steps) / steps
        data = np.clip(np.rint(np.nan_to_num(pixels) * scale), 0, scale)
        return data.astype(np.uint8 if fmt.dtype == "uint8" else np.uint16)
    if fmt.dtype == "half":
        return pixels.astype(np.float16)
    return pixels

