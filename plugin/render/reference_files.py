"""The job's reference images: each file read and hashed once, before the first frame renders.

`read_references` reads every keyframe image the shots name (InputError naming the shot when
one is missing or unreadable) and keeps what the rest of the job needs of it: the pixels (the
node encodes them, the contact sheet shows them), their format (whether they hold display
values or the working space's, excolor.engine.references.reference_display) and the file's
sha256 (the output's fingerprint, and what the node knows the picture by). Nothing reads
a reference file again.
"""
from typing import NamedTuple

import numpy as np

from ..engine.runs import refuse_other_aspect
from ..errors import InputError
from ..files import file_sha256
from ..io import PixelFormat, read_reference


class ReferenceFile(NamedTuple):
    """A reference image file as the job read it (the tuple ColorizeNode.use_reference_files
    takes)."""

    pixels: np.ndarray  # (H, W, 3) float32, as excolor.io.read_reference gives them
    pixel_format: PixelFormat  # the file's: integer files hold display sRGB, float files the working space
    sha256: str  # of the file's bytes

    @property
    def size(self):
        """(height, width) in pixels."""
        return self.pixels.shape[:2]


def read_references(entries):
    """{image Path: ReferenceFile} of every keyframe image of `entries` (ShotEntry), each read
    and hashed once however many keyframes use it; InputError naming the first shot that uses an
    image that cannot be read. A gray picture is the node's to warn about (excolor.engine.references)."""
    references = {}
    for entry in entries:
        for image, _frame in entry.keyframes:
            if image in references:
                continue
            try:
                pixels, pixel_format = read_reference(image)
            except InputError as error:
                raise InputError(f"{entry.describe()}: {error}") from error
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
