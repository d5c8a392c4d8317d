"""Contact sheets: input | output | confidence for the first, middle and last frame of each shot.

One row per sampled frame, three tiles per row, written as an 8-bit sRGB PNG. Tiles are in
display values (scene-linear plates go through the node's OCIO view first); the confidence
matte is shown as gray (white = the reference matched well). Labels are drawn with
OpenImageIO's text rendering when a font is available, and left out otherwise.
"""
import dataclasses
import logging

import numpy as np
import OpenImageIO as oiio

from .io import PixelFormat, write_image

log = logging.getLogger(__name__)

TILE_WIDTH = 320
GAP = 4
LABEL_HEIGHT = 18


@dataclasses.dataclass(frozen=True, eq=False)
class SheetRow:
    """One sampled frame: display images (H,W,3 float32 0..1) and the matte (H,W 0..1)."""

    label: str
    input: np.ndarray
    output: np.ndarray
    confidence: np.ndarray


def sample_frames(first, last):
    """The first, middle and last frame of an inclusive range (fewer for short shots)."""
    return sorted({first, (first + last) // 2, last})


def shot_samples(entries, first, last):
    """(shot entry, frame) for the sampled frames of each shot within first..last, shot by shot."""
    for entry in entries:
        frames = entry.frames_in(first, last)
        if frames:
            for frame in sample_frames(frames[0], frames[-1]):
                yield entry, frame


def _resize(image, height, width):
    source = oiio.ImageBuf(np.ascontiguousarray(image, dtype=np.float32))
    target = oiio.ImageBufAlgo.resize(source, roi=oiio.ROI(0, width, 0, height, 0, 1, 0, image.shape[2]))
    return np.asarray(target.get_pixels(oiio.FLOAT)).reshape(height, width, image.shape[2])


def _label(canvas, x, y, text):
    buffer = oiio.ImageBuf(canvas)
    if oiio.ImageBufAlgo.render_text(buffer, x, y, text, 14, "", (1.0, 1.0, 1.0)):
        canvas[...] = np.asarray(buffer.get_pixels(oiio.FLOAT)).reshape(canvas.shape)
    else:
        log.debug("contact sheet labels left out: %s", oiio.geterror())


def contact_sheet(rows, tile_width=TILE_WIDTH):
    """The sheet as float32 (H,W,3) in 0..1 display values."""
    if not rows:
        raise ValueError("a contact sheet needs at least one row")
    height, width = rows[0].input.shape[:2]
    tile_h = max(1, round(height * tile_width / width))
    row_h = tile_h + LABEL_HEIGHT
    sheet = np.full((GAP + len(rows) * (row_h + GAP), GAP + 3 * (tile_width + GAP), 3), 0.08, np.float32)
    for r, row in enumerate(rows):
        top = GAP + r * (row_h + GAP)
        matte = np.repeat(row.confidence[..., None], 3, axis=2)
        for c, (image, name) in enumerate(((row.input, "input"), (row.output, "output"), (matte, "confidence"))):
            left = GAP + c * (tile_width + GAP)
            tile = _resize(np.clip(np.nan_to_num(image[..., :3]), 0.0, 1.0), tile_h, tile_width)
            sheet[top + LABEL_HEIGHT: top + row_h, left: left + tile_width] = tile
            _label(sheet[top: top + LABEL_HEIGHT, left: left + tile_width], 2, LABEL_HEIGHT - 4,
                   f"{row.label}  {name}")
    return sheet


def write_contact_sheet(path, rows, temp_dir, tile_width=TILE_WIDTH):
    """Write the sheet as an 8-bit PNG (atomically, through `temp_dir`)."""
    sheet = contact_sheet(rows, tile_width)
    write_image(path, sheet, PixelFormat("uint8", ("R", "G", "B"), "png"), temp_dir)
    return sheet.shape[:2]
