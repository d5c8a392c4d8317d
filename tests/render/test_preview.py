"""The contact sheet (`colorize --preview`): input | reference | output | confidence per row,
written by the real command from real PNG and EXR sequences with the test model."""
import json
from pathlib import Path

import numpy as np
from excolor.colour.display_view import display_view_for
from excolor.colour.management import ColourConverter
from excolor.engine.node import ColorizeNode, Keyframe
from excolor.io import read_image, read_reference
from excolor.render.node_shots import node_shot
from excolor.render.preview import BACKGROUND, COLUMNS, GAP, KEY_NEXT, LABEL_HEIGHT, TILE_WIDTH, row_keyframe
from excolor.shotlists.entries import ShotEntry
from skimage.transform import resize

from tests.support.batch import CARPHONE_REFERENCE, carphone_frames, excolor, write_reference, write_sequence
from tests.support.node import colour_photo

DATA = Path(__file__).resolve().parents[1] / "data"


def tiles(sheet, plate_shape):
    """The sheet's tiles as [row][column] arrays, found from its documented geometry."""
    tile_h = round(plate_shape[0] * TILE_WIDTH / plate_shape[1])
    row_h = tile_h + LABEL_HEIGHT
    rows = (sheet.shape[0] - GAP) // (row_h + GAP)
    assert sheet.shape[:2] == (GAP + rows * (row_h + GAP), GAP + len(COLUMNS) * (TILE_WIDTH + GAP))
    return [[sheet[GAP + r * (row_h + GAP) + LABEL_HEIGHT: GAP + r * (row_h + GAP) + row_h,
                   GAP + c * (TILE_WIDTH + GAP): GAP + c * (TILE_WIDTH + GAP) + TILE_WIDTH]
             for c in range(len(COLUMNS))] for r in range(rows)]


def test_png_sequence_sheet_has_gray_input_and_the_reference(tmp_path, lite_model_dir):
    frames = [np.repeat(f.mean(axis=2, keepdims=True), 3, axis=2) for f in carphone_frames(count=3)]
    plate = write_sequence(tmp_path / "gray" / "plate.####.png", frames)
    colour, _fmt = read_reference(CARPHONE_REFERENCE)
    reference = write_reference(tmp_path / "key.png", colour[:, :100])  # narrower than the plate
    result = excolor("colorize", plate, tmp_path / "out.####.png", "--reference", reference,
                     "--preview", tmp_path / "sheet.png", "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    sheet, fmt = read_image(tmp_path / "sheet.png")
    assert fmt.dtype == "uint8"
    grid = tiles(sheet, frames[0].shape)
    assert len(grid) == 3  # first, middle and last frame
    expected = read_reference(reference)[0]
    for row in grid:
        given, key, output, matte = row
        assert np.array_equal(given[..., 0], given[..., 1]) and np.array_equal(given[..., 0], given[..., 2])
        assert np.abs(output[..., 0] - output[..., 2]).mean() > np.abs(given[..., 0] - given[..., 2]).mean()
        assert np.array_equal(matte[..., 0], matte[..., 2])
        # The reference fills the row's height at its own aspect, centred on the background.
        height = key.shape[0]
        width = round(expected.shape[1] * height / expected.shape[0])
        left = (TILE_WIDTH - width) // 2
        inside = key[:, left: left + width]
        assert np.abs(inside - resize(expected, (height, width), order=1, anti_aliasing=True)).mean() < 3 / 255
        assert np.allclose(key[:, : left - 1], round(BACKGROUND * 255) / 255, atol=1 / 255)


def test_exr_sequence_sheet_goes_through_the_view(tmp_path, lite_model_dir):
    hdr, _fmt = read_image(DATA / "hdr_courtyard.exr")
    hdr = resize(hdr.astype(np.float32), (80, 160), order=1, anti_aliasing=True).astype(np.float32)
    converter = ColourConverter(input_kind="scene_linear")
    gray = np.repeat(converter.luma(hdr)[..., None], 3, axis=2).astype(np.float32)
    plate = write_sequence(tmp_path / "plate.####.exr", [gray, gray], dtype="half")
    reference = tmp_path / "key.exr"
    write_sequence(tmp_path / "key.#.exr", [hdr], first=1, dtype="half")
    (tmp_path / "key.1.exr").rename(reference)
    result = excolor("colorize", plate, tmp_path / "out.####.exr", "--reference", reference,
                     "--preview", tmp_path / "sheet.png", "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert "goes through OCIO display" in result.stderr
    sheet, _fmt = read_image(tmp_path / "sheet.png")
    grid = tiles(sheet, gray.shape)
    assert len(grid) == 2
    view = display_view_for(converter, "sheet.png", "uint8")
    tile_h = grid[0][0].shape[0]
    size = (tile_h, TILE_WIDTH)
    shown = resize(np.clip(view.apply(gray), 0, 1), size, order=1, anti_aliasing=True)
    clipped = resize(np.clip(gray, 0, 1), size, order=1, anti_aliasing=True)
    given = grid[0][0]
    # Shown through the display view, not as clipped linear values: measured 0.9 levels from the
    # view, 24 from the clipped plate, whose sky is 40% flat white (the view's tone curve happens
    # to keep this picture's mean close, so pixels are compared, not means).
    assert np.abs(given - shown).mean() < 2 / 255
    assert np.abs(given - clipped).mean() > 15 / 255
    assert (clipped >= 1).mean() > 0.3 and (given >= 1).mean() < 0.01
    key_shown = resize(np.clip(view.apply(hdr), 0, 1), size, order=1, anti_aliasing=True)
    assert np.abs(grid[0][1] - key_shown).mean() < 3 / 255


def test_row_reference_is_the_nodes_keyframe_whose_run_colours_the_frame(lite_model_dir):
    a, b = Path("a.png"), Path("b.png")
    node = ColorizeNode(lite_model_dir, device="cpu")
    node.shots = [node_shot(entry) for entry in (ShotEntry(1, 1001, 1020, ((a, "none"), (b, 1012))),
                                                               ShotEntry(2, 1021, 1029, ((b, 1025),)))]
    assert [row_keyframe(node, f).image for f in (1001, 1005, 1006, 1011, 1012, 1020)] == [a, a, a, b, b, b]
    assert row_keyframe(node, 1021) == Keyframe(b, 1025)  # backward from its pinned frame


def test_sheet_shows_the_frames_to_key_next(tmp_path, lite_model_dir):
    """The frames the report names to key next get rows of their own (or their sampled row),
    marked by the label strip's colour; frames the batch did not keep are finished again from
    the saved run states, equal to the frames written."""
    frames = carphone_frames(count=12)
    plate = write_sequence(tmp_path / "in" / "plate.####.png", frames)
    reference = write_reference(tmp_path / "photo.png", colour_photo("coffee", (72, 88)))
    result = excolor("colorize", plate, tmp_path / "out.####.png", "--reference", reference,
                     "--preview", tmp_path / "sheet.png", "--report", tmp_path / "report.json",
                     "--matte", tmp_path / "matte.####.png", "--state-every", "4", "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    key_next = [s["frame"] for s in json.loads((tmp_path / "report.json").read_text())["shots"][0]["key_next"]]
    samples = {1001, 1006, 1012}
    assert len(key_next) == 3 and set(key_next) - samples, "frames the batch did not keep"
    rows = sorted(samples | set(key_next))
    sheet, _fmt = read_image(tmp_path / "sheet.png")
    grid = tiles(sheet, frames[0].shape)
    assert len(grid) == len(rows)
    tile_h = grid[0][0].shape[0]
    mattes = {n: resize(read_image(tmp_path / f"matte.{n}.png")[0][..., 0], (tile_h, TILE_WIDTH), order=1,
                        anti_aliasing=True) for n in range(1001, 1013)}
    for r, (frame, row) in enumerate(zip(rows, grid)):
        top = GAP + r * (tile_h + LABEL_HEIGHT + GAP)
        strip = sheet[top: top + LABEL_HEIGHT, GAP: GAP + TILE_WIDTH].reshape(-1, 3)
        marked = KEY_NEXT if frame in key_next else (BACKGROUND,) * 3
        assert np.allclose(np.median(strip, axis=0), np.round(np.array(marked) * 255) / 255, atol=1 / 255)
        matte = row[3][..., 0]
        assert min(mattes, key=lambda n: np.abs(mattes[n] - matte).mean()) == frame
        written = read_image(tmp_path / f"out.{frame}.png")[0]
        assert np.abs(row[2] - resize(written, (tile_h, TILE_WIDTH), order=1, anti_aliasing=True)).mean() < 2 / 255
