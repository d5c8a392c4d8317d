"""A colorist keys iteratively: a rerun after a key or a plate changed renders again exactly the
runs the change touches (and the runs they blend with), keeps every other frame as written, and
equals a fresh render of the new inputs byte for byte. Through the real command on real
footage: 12 frames of the carphone clip, two shots, the second with two keys."""
import shutil

import pytest

from tests.render.clips import file_bytes, key, plate_sequence, shot_list
from tests.support.batch import excolor


@pytest.fixture
def job(tmp_path):
    pattern, frames = plate_sequence(tmp_path / "in", 12)
    keys = {"a": key(tmp_path / "a.png", frames[0]), "b": key(tmp_path / "b.png", frames[6]),
            "c": key(tmp_path / "c.png", frames[10])}
    shots = shot_list(tmp_path / "shots.json", [
        {"start": 1001, "end": 1006, "reference": str(keys["a"]), "reference_frame": "none"},
        {"start": 1007, "end": 1012, "reference": [{"image": str(keys["b"]), "frame": "none"},
                                                   {"image": str(keys["c"]), "frame": 1011}]},
    ])
    return {"pattern": pattern, "frames": frames, "keys": keys, "shots": shots, "folder": tmp_path}


def _colorize(job, out, model):
    return excolor("colorize", job["pattern"], out / "c.####.png", "--shots", job["shots"], "--model", model,
                   "--state-every", "2")


def _mtimes(out):
    return {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}


def _names(frames):
    return {f"c.{frame}.png" for frame in frames}


def _rerun(job, model, change):
    """Render, make `change`, render again -> (rerun's stderr, names of the frames the rerun wrote,
    its frames' bytes, a fresh render's bytes of the changed inputs)."""
    out = job["folder"] / "out"
    first = _colorize(job, out, model)
    assert first.returncode == 0, first.stderr
    before = _mtimes(out)
    change()
    rerun = _colorize(job, out, model)
    assert rerun.returncode == 0, rerun.stderr
    after = _mtimes(out)
    written = {name for name in after if after[name] != before[name]}
    fresh = job["folder"] / "fresh"
    assert _colorize(job, fresh, model).returncode == 0
    return rerun.stderr, written, file_bytes(out), file_bytes(fresh)


def test_an_unpinned_key_changed_renders_its_run_and_the_run_it_blends_with(job, lite_model_dir):
    def change():
        key(job["keys"]["b"], job["frames"][6][:, ::-1])  # the same name, another picture

    stderr, written, rerun, fresh = _rerun(job, lite_model_dir, change)
    assert "shot 1 (frames 1001-1006): kept shot000.k0.fwd; rendering again nothing" in stderr
    assert "shot 2 (frames 1007-1012): kept shot001.k1.fwd; rendering again shot001.k0.fwd (keyframe sha256: " in stderr
    assert "shot001.k1.bwd (its frames 1008-1010 blend with shot001.k0.fwd)" in stderr
    assert "4 frame(s) written, 8 already done" in stderr
    assert written == _names(range(1007, 1011))
    assert rerun == fresh


def test_a_pinned_key_changed_renders_its_shot_again(job, lite_model_dir):
    """The finish weighs a shot's pinned keys together: each frame of the shot is finished again."""
    def change():
        key(job["keys"]["c"], job["frames"][10][::-1])

    stderr, written, rerun, fresh = _rerun(job, lite_model_dir, change)
    assert "shot 1 (frames 1001-1006): kept shot000.k0.fwd; rendering again nothing" in stderr
    assert "shot001.k0.fwd (the shot's pinned keys changed" in stderr
    assert written == _names(range(1007, 1013))
    assert rerun == fresh


def test_a_replaced_plate_renders_the_runs_that_read_it(job, lite_model_dir):
    """A plate rewritten after the render (another size or time) is noticed from its file's
    stamp, without reading every plate."""
    def change():
        plate = job["folder"] / "in" / "plate.1004.png"
        shutil.copyfile(job["folder"] / "in" / "plate.1003.png", plate)

    stderr, written, rerun, fresh = _rerun(job, lite_model_dir, change)
    assert "shot 2 (frames 1007-1012): kept shot001.k0.fwd, shot001.k1.fwd, shot001.k1.bwd; rendering again nothing" \
        in stderr
    assert "shot 1 (frames 1001-1006): kept nothing; rendering again shot000.k0.fwd (plates: " in stderr
    assert written == _names(range(1004, 1007)) | (_names([1001, 1002, 1003]) & written)
    assert _names(range(1004, 1007)) <= written and rerun == fresh


def test_nothing_changed_renders_nothing(job, lite_model_dir):
    out = job["folder"] / "out"
    assert _colorize(job, out, lite_model_dir).returncode == 0
    again = _colorize(job, out, lite_model_dir)
    assert again.returncode == 0 and "0 frame(s) written, 12 already done" in again.stderr
    assert "rendering again" not in again.stderr
