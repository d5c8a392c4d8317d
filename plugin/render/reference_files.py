"""The job's reference images: each file read and hashed once, before the first frame renders.

`read_references` reads every keyframe image the shots name (InputError naming the shot when
one is missing or unreadable) and keeps what the rest of the job needs of it: the pixels (the
node encodes them, the contact sheet shows them), their format (whether they hold display
values or the working space's, excolor.engine.references.reference_display) and the file's
sha256 (the output's fingerprint, and what the node knows the picture by). Nothing reads
a reference file again.

A reference far larger than the plates is reduced as it is decoded (excolor.io.read_reference's
`cover`): no user of a reference needs more than the plate's size (a pinned key's colours are
its frame's; the network, the frame scan and the global colour table work smaller), and an
8000x8000 key would otherwise cost gigabytes as floats.

With `--reference-colorspace NAME` every reference is converted from NAME into the working space
(INPUT's colourspace) through the job's OCIO config, and then shown to the network as the plates
are; without it an integer file (PNG, JPEG, 8/16-bit TIFF) is taken as display sRGB and a float
file (EXR) as already in the working space.
"""
import dataclasses
from typing import NamedTuple

import numpy as np

from ..colour.management import ColourConverter, input_kind_for_pixels
from ..engine.runs import refuse_other_aspect
from ..errors import InputError
from ..files import file_sha256
from ..io import PixelFormat, read_reference


class ReferenceFile(NamedTuple):
    """A reference image file as the job read it (the tuple ColorizeNode.use_reference_files
    takes)."""

    pixels: np.ndarray  # (H, W, 3) float32, as excolor.io.read_reference gives them, or converted
    # The pixels' format: the file's (integer files hold display sRGB, float files the working
    # space), or "float" once converted from --reference-colorspace into the working space.
    pixel_format: PixelFormat
    sha256: str  # of the file's bytes

    @property
    def size(self):
        """(height, width) in pixels."""
        return self.pixels.shape[:2]


def reference_space(options, reader):
    """None when --reference-colorspace is not given, else a function taking (H, W, 3) float
    pixels in that colourspace into the working space the node will use (the config and INPUT's
    colourspace as excolor.render.job.ColorizeJob.make_node gives them). UsageError naming the
    option and the nearest colourspace names when the config has no such space."""
    if options.reference_colorspace is None:
        return None
    working = ColourConverter(options.ocio_config, options.input_space,
                              input_kind=input_kind_for_pixels(reader.pixel_format.dtype))
    return working.converter_from(options.reference_colorspace, "--reference-colorspace")


def read_references(entries, plate_size, into_working=None):
    """{image Path: ReferenceFile} of every keyframe image of `entries` (ShotEntry), each read
    and hashed once however many keyframes use it; InputError naming the first shot that uses an
    image that cannot be read. A gray picture is the node's to warn about (excolor.engine.references).

    plate_size: (height, width) of the plates, the most any user of a reference needs: a larger
    picture is reduced as it is read. into_working: None, or `reference_space`'s conversion.
    """
    references = {}
    for entry in entries:
        for image, _frame in entry.keyframes:
            if image in references:
                continue
            try:
                pixels, pixel_format = read_reference(image, cover=plate_size)
            except InputError as error:
                raise InputError(f"{entry.describe()}: {error}") from error
            if into_working is not None:
                pixels, pixel_format = into_working(pixels), dataclasses.replace(pixel_format, dtype="float")
            references[image] = ReferenceFile(pixels, pixel_format, file_sha256(image))
    return references


def refuse_pinned_keys_of_other_aspect(entries, references, plate_size):
    """InputError naming the shot and the image of the first keyframe pinned to a frame whose
    aspect ratio is not the plates': a pinned keyframe is the coloured version of its frame
    (excolor.engine.runs.refuse_other_aspect says how close is close enough). A reference whose
    frame is to be found needs no check: the scan never finds it in plates of another aspect.

    references: {image: ReferenceFile} (read_references); plate_size: (height, width).
    """
    for entry in entries:
        for image, frame in entry.keyframes:
            if not isinstance(frame, int):
                continue
            try:
                refuse_other_aspect(references[image].size, plate_size, f"{image} (pinned to frame {frame})")
            except InputError as error:
                raise InputError(f"{entry.describe()}: {error}") from error
