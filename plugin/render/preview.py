"""Contact sheets: input | reference | output | confidence for the first, middle and last frame
of each shot, and the frames to key next (excolor.engine.key_suggestions).

One row per sampled frame, four tiles per row, written as an 8-bit sRGB PNG; a frame to key
next has its own row (or, when it is sampled already, its row's label) marked "key next". Tiles are in
display values: a scene-linear working space goes through the OCIO config's default display and
view (excolor.colour.display_view, as integer output files do), never clipped linear values; other
working spaces are shown as the network sees them. The reference is the keyframe image whose run
colours the row's frame (the nearer one where two runs blend), as the node says, fitted into the
tile with its aspect kept. The confidence matte is shown as gray (white = the reference matched
well). Labels are drawn with OpenImageIO's text rendering when a font is available, and left out
otherwise.
"""
import dataclasses
import logging

import numpy as np
import OpenImageIO as oiio

from ..colour.display_view import display_view_for
from ..engine.references import reference_display
from ..io import PixelFormat, write_image

log = logging.getLogger(__name__)

TILE_WIDTH = 320
GAP = 4
LABEL_HEIGHT = 18
BACKGROUND = 0.08
KEY_NEXT = (0.5, 0.25, 0.0)  # the label strip of a frame to key next: seen without a font too
COLUMNS = ("input", "reference", "output", "confidence")


@dataclasses.dataclass(frozen=True, eq=False)
class SheetRow:
    """One sampled frame: display images (H,W,3 float32 0..1; the reference at its own size)
    and the matte (H,W 0..1); key_next: a frame to key next (its label strip is KEY_NEXT)."""

    label: str
    input: np.ndarray
    reference: np.ndarray
    output: np.ndarray
    confidence: np.ndarray
    key_next: bool = False


class SheetDisplay:
    """Display values for the tiles of a sheet written to `destination`, from a working space
    described by `converter` (a ColourConverter: the node's)."""

    def __init__(self, converter, destination):
        self._converter = converter
        # None unless the working space is scene-linear (then the config's default display/view).
        self._view = display_view_for(converter, destination, "uint8")
        self._references = {}

    def colour(self, rgb):
        """(H, W, 3+) working-space pixels -> (H, W, 3) display values."""
        if self._view is not None:
            return self._view.apply(rgb[..., :3])
        return self._converter.to_display(rgb[..., :3])

    def reference(self, image, reference):
        """The keyframe image `image` in display values, from its ReferenceFile `reference`
        (excolor.render.reference_files: read once by the job), converted once per image."""
        if image not in self._references:
            self._references[image] = reference_display(reference.pixels, reference.pixel_format, self.colour)
        return self._references[image]


def row_keyframe(node, frame):
    """The node's Keyframe whose run colours `frame`: the one run that does, or of two blended
    runs the one with the larger weight (the nearer keyframe)."""
    run, _weight = max(node.contributions(frame), key=lambda found: found[1])
    return node.shots[run.shot].keyframes[run.keyframe]


def sample_frames(first, last):
    """The first, middle and last frame of an inclusive range (fewer for short shots)."""
    return sorted({first, (first + last) // 2, last})


def sheet_frames(shots, first, last, key_next=()):
    """(shot number, 1-based, frame, True for a frame to key next) for each row of the sheet:
    the sampled frames of each shot (excolor.engine.runs.Shot) within first..last and the frames
    of `key_next` there, shot by shot in frame order."""
    key_next = set(key_next)
    for number, shot in enumerate(shots, start=1):
        low, high = max(shot.first, first), min(shot.last, last)
        if low <= high:
            for frame in sorted(set(sample_frames(low, high)) | {f for f in key_next if low <= f <= high}):
                yield number, frame, frame in key_next


def write_preview(path, node, frames, references, read_input, render, temp_dir, key_next=()):
    """Write the contact sheet of `node`'s shots within `frames` (first, last) to `path`, an
    8-bit PNG written atomically through `temp_dir`; returns its number of rows.

    references: {image Path: ReferenceFile} of the node's keyframe images (read by the job);
    read_input: frame -> INPUT's plate; render: frame -> its FrameResult (as the job wrote
    it); key_next: the frames to key next, marked on the sheet.
    """
    display = SheetDisplay(node.colour, path)
    rows = []
    for number, frame, suggested in sheet_frames(node.shots, *frames, key_next):
        result = render(frame)
        image = row_keyframe(node, frame).image
        rows.append(SheetRow(
            f"shot {number} frame {frame}{' key next' if suggested else ''}",
            display.colour(read_input(frame)),
            display.reference(image, references[image]),
            display.colour(result.image),
            result.confidence,
            suggested,
        ))
    write_contact_sheet(path, rows, temp_dir)
    return len(rows)


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


def fitted(image, tile_h, tile_w):
    """`image` resized into a tile_h x tile_w tile with its aspect kept: the row's height, or
    the tile's width for a wider picture, centred on the sheet's background."""
    height, width = image.shape[:2]
    scale = min(tile_h / height, tile_w / width)
    h, w = max(1, round(height * scale)), max(1, round(width * scale))
    tile = np.full((tile_h, tile_w, 3), BACKGROUND, np.float32)
    top, left = (tile_h - h) // 2, (tile_w - w) // 2
    tile[top: top + h, left: left + w] = _resize(image, h, w)
    return tile


def contact_sheet(rows, tile_width=TILE_WIDTH):
    """The sheet as float32 (H,W,3) in 0..1 display values."""
    if not rows:
        raise ValueError("a contact sheet needs at least one row")
    height, width = rows[0].input.shape[:2]
    tile_h = max(1, round(height * tile_width / width))
    row_h = tile_h + LABEL_HEIGHT
    columns = len(COLUMNS)
    sheet = np.full((GAP + len(rows) * (row_h + GAP), GAP + columns * (tile_width + GAP), 3), BACKGROUND,
                    np.float32)
    for r, row in enumerate(rows):
        top = GAP + r * (row_h + GAP)
        matte = np.repeat(row.confidence[..., None], 3, axis=2)
        for c, (image, name) in enumerate(zip((row.input, row.reference, row.output, matte), COLUMNS)):
            left = GAP + c * (tile_width + GAP)
            image = np.clip(np.nan_to_num(image[..., :3]), 0.0, 1.0)
            # The reference is a picture of its own size; the others are the plate's frame.
            tile = fitted(image, tile_h, tile_width) if name == "reference" else _resize(image, tile_h, tile_width)
            sheet[top + LABEL_HEIGHT: top + row_h, left: left + tile_width] = tile
            if row.key_next:
                sheet[top: top + LABEL_HEIGHT, left: left + tile_width] = KEY_NEXT
            _label(sheet[top: top + LABEL_HEIGHT, left: left + tile_width], 2, LABEL_HEIGHT - 4,
                   f"{row.label}  {name}")
    return sheet


def write_contact_sheet(path, rows, temp_dir, tile_width=TILE_WIDTH):
    """Write the sheet as an 8-bit PNG (atomically, through `temp_dir`)."""
    sheet = contact_sheet(rows, tile_width)
    write_image(path, sheet, PixelFormat("uint8", ("R", "G", "B"), "png"), temp_dir)
    return sheet.shape[:2]
