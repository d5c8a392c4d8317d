"""`--preroll N`: chunks that need no other chunk's state; exact when the preroll reaches back
to the run's start, approximate (and kept apart from exact renders) otherwise."""
import pytest

from tests.support.batch import carphone_frames, excolor, files_of, write_reference, write_sequence


@pytest.mark.slow
def test_preroll_chunks_run_independently(tmp_path, lite_model_dir):
    frames = carphone_frames(count=6)
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1)
    key = write_reference(tmp_path / "key.png", frames[0])
    exact = excolor("colorize", plate, tmp_path / "exact" / "p.####.png", "--reference", key,
                    "--model", lite_model_dir)
    assert exact.returncode == 0, exact.stderr
    # Second chunk first, with a preroll that reaches back to the shot's start: exactly the
    # one-go frames, though no chunk waited for another.
    shots = tmp_path / "SHOTS.json"
    shots.write_text('{"shots": [{"start": 1, "end": 6, "reference": "key.png"}]}')
    for chunk in ("4-6", "1-3"):
        result = excolor("colorize", plate, tmp_path / "pre" / "p.####.png", "--shots", shots,
                         "--model", lite_model_dir, "--frames", chunk, "--preroll", "10")
        assert result.returncode == 0, result.stderr
    for name in files_of(tmp_path / "exact"):
        assert (tmp_path / "pre" / name).read_bytes() == (tmp_path / "exact" / name).read_bytes()
    # A short preroll still needs no other chunk (no exit 6), and its frames are marked as
    # approximate: an exact rerun into the same output is refused, naming the preroll.
    short = excolor("colorize", plate, tmp_path / "short" / "p.####.png", "--shots", shots,
                    "--model", lite_model_dir, "--frames", "5-6", "--preroll", "1")
    assert short.returncode == 0, short.stderr
    assert files_of(tmp_path / "short") == ["p.0005.png", "p.0006.png"]
    mixed = excolor("colorize", plate, tmp_path / "short" / "p.####.png", "--shots", shots,
                    "--model", lite_model_dir, "--frames", "5-6")
    assert mixed.returncode == 6 and "preroll: 1 -> 0" in mixed.stderr
