"""Sequences that start before frame 0 (a handle or a slate counted back from 0): frames -3..-1
are read, rendered and written under their own numbers, named as printf's `%04d` names them
(`-003`); a file whose sign comes on top of the padding (`-0003`) is refused by name."""
from excolor.io import SequencePattern

from tests.support.batch import carphone_frames, excolor, files_of, write_reference, write_sequence


def test_frames_before_zero_are_rendered_under_their_own_numbers(tmp_path, lite_model_dir):
    frames = carphone_frames(count=6)
    plate = write_sequence(tmp_path / "in" / "plate.####.png", frames, first=-3)
    assert files_of(tmp_path / "in")[:3] == ["plate.-001.png", "plate.-002.png", "plate.-003.png"]
    key = write_reference(tmp_path / "key.png", frames[0])
    out = tmp_path / "out"
    result = excolor("colorize", plate, out / "c.####.png", "--reference", key, "--model", lite_model_dir, "-q")
    assert result.returncode == 0, result.stderr
    assert files_of(out) == ["c.-001.png", "c.-002.png", "c.-003.png", "c.0000.png", "c.0001.png", "c.0002.png"]
    chunk = tmp_path / "chunk"
    result = excolor("colorize", plate, chunk / "c.####.png", "--reference", key, "--model", lite_model_dir,
                     "--frames=-3--2", "-q")  # with "=": argparse takes "-3..." for an option
    assert result.returncode == 0, result.stderr
    assert files_of(chunk) == ["c.-002.png", "c.-003.png"]


def test_a_negative_frame_padded_past_its_sign_is_refused_by_name(tmp_path, lite_model_dir):
    frames = carphone_frames(count=3)
    plate = write_sequence(tmp_path / "in" / "plate.####.png", frames, first=-1)
    (tmp_path / "in" / "plate.-001.png").rename(tmp_path / "in" / "plate.-0001.png")
    assert SequencePattern.parse(tmp_path / "in" / "plate.%04d.png").path(-1).name == "plate.-001.png"
    key = write_reference(tmp_path / "key.png", frames[0])
    result = excolor("colorize", plate, tmp_path / "out" / "c.####.png", "--reference", key,
                     "--model", lite_model_dir)
    assert result.returncode == 3, result.stderr
    assert "plate.-0001.png: frame -1 is numbered '-0001'" in result.stderr and "plate.-001.png" in result.stderr
