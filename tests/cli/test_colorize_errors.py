"""`excolor colorize` refuses bad input with the documented exit code and a message that names
the file / frame / shot and what is wrong. Each case runs the real command in a subprocess."""
import json
import shutil

import numpy as np
import pytest
from excolor.io import PixelFormat, write_image

from tests.support.batch import CARPHONE, carphone_frames, excolor, files_of, write_reference, write_sequence


def shots(tmp_path, entries):
    path = tmp_path / "SHOTS.json"
    path.write_text(json.dumps({"shots": entries}))
    return path


def test_needs_a_reference_or_shots(tmp_path, plate):
    result = excolor("colorize", plate[0], tmp_path / "out.####.png")
    assert result.returncode == 2 and "--reference IMG" in result.stderr and "--shots" in result.stderr


def test_missing_frame_names_the_file(tmp_path, plate):
    (tmp_path / "in" / "plate.1003.png").unlink()
    result = excolor("colorize", plate[0], tmp_path / "out.####.png", "--reference", plate[1])
    assert result.returncode == 3
    assert "frame 1003 is missing" in result.stderr and "plate.1003.png" in result.stderr
    (tmp_path / "in" / "plate.1002.png").unlink()
    result = excolor("colorize", plate[0], tmp_path / "out.####.png", "--reference", plate[1])
    assert result.returncode == 3 and "frames 1002-1003 are missing" in result.stderr


def test_corrupt_frame_names_the_file_and_frame(tmp_path, plate, lite_model_dir):
    path = tmp_path / "in" / "plate.1003.png"
    path.write_bytes(path.read_bytes()[:200])
    # Finding the reference's frame reads the whole shot first: refused before anything is written.
    result = excolor("colorize", plate[0], tmp_path / "out" / "o.####.png", "--reference", plate[1],
                     "--model", lite_model_dir)
    assert result.returncode == 3, result.stderr
    assert "plate.1003.png: frame 1003" in result.stderr and not (tmp_path / "out").exists()
    result = excolor("colorize", plate[0], tmp_path / "out" / "o.####.png", "--reference", plate[1],
                     "--reference-frame", "none", "--model", lite_model_dir)
    assert result.returncode == 3, result.stderr
    assert "plate.1003.png: frame 1003" in result.stderr
    # Frames before the bad one are finished and kept; nothing partial is left.
    assert files_of(tmp_path / "out") == ["o.1001.png", "o.1002.png"]


def test_missing_and_unreadable_reference(tmp_path, plate):
    result = excolor("colorize", plate[0], tmp_path / "o.####.png", "--reference", tmp_path / "nope.png")
    assert result.returncode == 3 and "nope.png: reference image is missing" in result.stderr
    (tmp_path / "junk.png").write_bytes(b"\x89PNG not really")
    result = excolor("colorize", plate[0], tmp_path / "o.####.png", "--reference", tmp_path / "junk.png")
    assert result.returncode == 3 and "junk.png: reference image cannot be read" in result.stderr


def test_a_pinned_key_of_another_aspect_is_refused_before_rendering(tmp_path, plate):
    narrow = write_reference(tmp_path / "narrow.png", carphone_frames(count=1)[0][:, :50])
    result = excolor("colorize", plate[0], tmp_path / "out" / "o.####.png", "--reference", narrow,
                     "--reference-frame", "1002")
    assert result.returncode == 3, result.stderr
    assert "narrow.png (pinned to frame 1002): the keyframe is 50x72 but the plate is 88x72" in result.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was written
    # Unpinned, the same picture is an exemplar and is welcome.
    result = excolor("colorize", plate[0], tmp_path / "out" / "o.####.png", "--reference", narrow, "--frames", "1001-1001")
    assert result.returncode == 0, result.stderr


def test_overlapping_shots(tmp_path, plate):
    path = shots(tmp_path, [{"start": 1001, "end": 1003, "reference": str(plate[1])},
                            {"start": 1003, "end": 1004, "reference": str(plate[1])}])
    result = excolor("colorize", plate[0], tmp_path / "o.####.png", "--shots", path)
    assert result.returncode == 2
    assert "shot 1 (frames 1001-1003) and shot 2 (frames 1003-1004) overlap" in result.stderr


def test_shot_outside_the_input(tmp_path, plate):
    path = shots(tmp_path, [{"start": 1001, "end": 1010, "reference": "key.png"}])
    result = excolor("colorize", plate[0], tmp_path / "o.####.png", "--shots", path)
    assert result.returncode == 2
    assert "shot 1 (frames 1001-1010) reaches outside the input (frames 1001-1004)" in result.stderr


@pytest.mark.parametrize("frames, message", [("1004-1002", "is after last frame"),
                                             ("1001-1020", "reaches outside the input"),
                                             ("10:20", "expected A-B")])
def test_bad_frame_range(tmp_path, plate, frames, message):
    result = excolor("colorize", plate[0], tmp_path / "o.####.png", "--reference", plate[1], "--frames", frames)
    assert result.returncode == 2 and message in result.stderr


def test_model_dir_with_wrong_hash_or_missing_graph(tmp_path, plate, lite_model_dir):
    broken = tmp_path / "broken_model"
    shutil.copytree(lite_model_dir, broken)
    with open(broken / "colorization.onnx", "ab") as handle:
        handle.write(b"\0")
    result = excolor("colorize", plate[0], tmp_path / "o.####.png", "--reference", plate[1], "--model", broken)
    assert result.returncode == 4 and "colorization.onnx: sha256" in result.stderr
    (broken / "correspondence.onnx").unlink()
    result = excolor("colorize", plate[0], tmp_path / "o.####.png", "--reference", plate[1], "--model", broken)
    assert result.returncode == 4 and "correspondence.onnx: missing" in result.stderr
    result = excolor("colorize", plate[0], tmp_path / "o.####.png", "--reference", plate[1], "--model", "no-such-model")
    assert result.returncode == 4 and "not found" in result.stderr


def test_unwritable_output(tmp_path, plate):
    (tmp_path / "afile").write_text("a file, not a folder")
    result = excolor("colorize", plate[0], tmp_path / "afile" / "o.####.png", "--reference", plate[1])
    assert result.returncode == 5 and "cannot create folder" in result.stderr


def test_preset_for_an_encoder_without_presets(tmp_path, plate):
    result = excolor("colorize", plate[0], tmp_path / "out.mp4", "--reference", plate[1],
                     "--codec", "mpeg4", "--preset", "fast")
    assert result.returncode == 2 and "--preset fast" in result.stderr and "mpeg4" in result.stderr
    assert not (tmp_path / "out.mp4").exists()


def test_output_that_is_the_input_is_refused(tmp_path, plate):
    same = str(tmp_path / "in" / "plate.%04d.png")
    result = excolor("colorize", plate[0], same, "--reference", plate[1])
    assert result.returncode == 5 and "never overwrites its input" in result.stderr
    result = excolor("colorize", CARPHONE, CARPHONE, "--reference", plate[1])
    assert result.returncode == 5 and "never overwrites its input" in result.stderr
    assert (tmp_path / "in" / "plate.1001.png").is_file()


def test_output_must_be_a_video_or_sequence(tmp_path, plate):
    result = excolor("colorize", plate[0], tmp_path / "single.png", "--reference", plate[1])
    assert result.returncode == 2 and "must be a video" in result.stderr


def test_nan_pixels_warn_naming_the_frame(tmp_path, lite_model_dir):
    frames = [np.clip(f, 0, 1) ** 2.2 for f in carphone_frames(count=3)]  # scene-linear
    frames[1] = frames[1].copy()
    frames[1][10:12, 20:25] = np.nan
    plate = write_sequence(tmp_path / "in" / "lin.####.exr", frames, first=1, dtype="float")
    reference = write_reference(tmp_path / "key.png", carphone_frames(count=1)[0])
    result = excolor("colorize", plate, tmp_path / "out" / "lin.####.exr", "--reference", reference,
                     "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert "warning: frame 2: 10 pixels with NaN/inf replaced by 0" in result.stderr
    assert files_of(tmp_path / "out") == ["lin.0001.exr", "lin.0002.exr", "lin.0003.exr"]


def test_gray_reference_warns(tmp_path, plate, lite_model_dir):
    gray = carphone_frames(count=1)[0].mean(axis=2, keepdims=True).repeat(3, axis=2)
    reference = tmp_path / "gray.png"
    write_image(reference, gray, PixelFormat("uint8", ("R", "G", "B")), tmp_path)
    result = excolor("colorize", plate[0], tmp_path / "out" / "o.####.png", "--reference", reference,
                     "--frames", "1001-1002", "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("gray.png is nearly gray") == 1


@pytest.mark.slow
def test_foreign_frames_changed_settings_and_waiting_chunks(tmp_path, plate, lite_model_dir):
    out = tmp_path / "out" / "o.####.png"
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "o.1002.png").write_bytes(b"someone else's frame")
    args = ("colorize", plate[0], out, "--reference", plate[1], "--model", lite_model_dir)
    result = excolor(*args)
    assert result.returncode == 5 and "not made by this render" in result.stderr
    assert (tmp_path / "out" / "o.1002.png").read_bytes() == b"someone else's frame"
    assert excolor(*args, "--overwrite").returncode == 0
    # Same command again: everything is done, nothing is rendered.
    again = excolor(*args)
    assert again.returncode == 0 and "0 frame(s) written, 4 already done" in again.stderr
    changed = excolor(*args, "--saturation", "1.3")
    assert changed.returncode == 6
    assert "saturation: 1.0 -> 1.3" in changed.stderr and "--overwrite" in changed.stderr
    # A farm chunk whose run has no saved state before it waits, naming the frame.
    path = shots(tmp_path, [{"start": 1001, "end": 1004, "reference": str(plate[1])}])
    chunk = excolor("colorize", plate[0], tmp_path / "farm" / "o.####.png", "--shots", path,
                    "--frames", "1003-1004", "--model", lite_model_dir)
    assert chunk.returncode == 6
    assert "waits for the chunk that renders frame 1002" in chunk.stderr
    assert not (tmp_path / "farm" / "o.1003.png").exists()
