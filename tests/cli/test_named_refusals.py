"""Command-line values that mean nothing, or would make a file that misleads, are refused
naming what was given: `--frames ""` (not the whole input) for `colorize` and `shots`, a file
given to `excolor info` where a model folder or name belongs, and an EXR contact sheet (its
display values would read as scene-linear light)."""
from tests.support.batch import CARPHONE, CARPHONE_REFERENCE, excolor


def test_empty_frames_are_refused_not_taken_as_the_whole_input(tmp_path, lite_model_dir):
    colorize = excolor("colorize", CARPHONE, tmp_path / "out.mp4", "--reference", CARPHONE_REFERENCE,
                       "--model", lite_model_dir, "--frames", "")
    assert colorize.returncode == 2 and "--frames '': expected A-B" in colorize.stderr
    assert not (tmp_path / "out.mp4").exists() and "colorizing" not in colorize.stderr
    shots = excolor("shots", CARPHONE, "-o", tmp_path / "shots.json", "--frames", "")
    assert shots.returncode == 2 and "--frames '': expected A-B" in shots.stderr
    assert not (tmp_path / "shots.json").exists()


def test_info_on_a_file_says_it_is_a_file_not_a_model():
    result = excolor("info", CARPHONE)
    assert result.returncode == 4
    assert f"{CARPHONE} is a file, not a model: a model is a folder" in result.stderr
    assert "not found as a folder" not in result.stderr


def test_an_exr_contact_sheet_is_refused_naming_why(tmp_path, lite_model_dir):
    result = excolor("colorize", CARPHONE, tmp_path / "out.mp4", "--reference", CARPHONE_REFERENCE,
                     "--model", lite_model_dir, "--preview", tmp_path / "sheet.exr")
    assert result.returncode == 2, result.stderr
    assert "sheet.exr: the contact sheet is an 8-bit display sRGB picture, and an EXR holds scene-linear" \
        in result.stderr
    assert not (tmp_path / "sheet.exr").exists() and not (tmp_path / "out.mp4").exists()
