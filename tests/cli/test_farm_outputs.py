"""`excolor farm` follows the rule of every path excolor writes (excolor.render.output_paths): `-o`
never lands on an input (a frame of INPUT, a reference image, the shot list), even with
--overwrite; a job whose tasks would write OUTPUT or --matte over INPUT is refused when it is
written, as `excolor colorize` refuses it; a refused command creates nothing. Each case runs the
real command on real frames."""
import json

import pytest

from tests.support.batch import excolor


def snapshot(folder):
    """Every path under `folder` with its bytes (files) or None (folders)."""
    return {str(p): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def shot_list(tmp_path, frame):
    """SHOTS.json beside the plate: frames 1001-1004 keyed by key.png (frame: pinned to it, None: found)."""
    shots = tmp_path / "shots.json"
    pinned = {} if frame is None else {"reference_frame": frame}
    shots.write_text(json.dumps({"shots": [{"start": 1001, "end": 1004, "reference": "key.png", **pinned}]}))
    return shots


def farm(plate, output, shots, *extra):
    return excolor("farm", "openjd", plate[0], output, "--shots", shots, "--chunk", "2", *extra)


@pytest.mark.parametrize("job, words", [
    ("shots.json", "is the shot list"),
    ("key.png", "is a reference image"),
    ("in/plate.1003.png", "is a frame of INPUT"),
    ("in/plate.0099.png", "is a frame of INPUT"),  # any frame number of INPUT's sequence
])
@pytest.mark.parametrize("frame", [1001, None])
def test_the_job_file_is_never_an_input(tmp_path, plate, job, words, frame):
    shots = shot_list(tmp_path, frame)
    before = snapshot(tmp_path)
    result = farm(plate, tmp_path / "out" / "c.####.png", shots, "-o", tmp_path / job, "--overwrite")
    assert result.returncode == 5, result.stderr
    assert f"-o {tmp_path / job} {words}: excolor never overwrites its inputs" in result.stderr
    assert "similarity" not in result.stderr  # refused before any reference was looked for
    assert snapshot(tmp_path) == before  # nothing replaced, nothing made


@pytest.mark.parametrize("output, matte, code, words", [
    ("in/plate.####.png", None, 5, "OUTPUT {tmp}/in/plate.1001.png is a frame of INPUT"),
    ("in/plate.%04d.png", None, 5, "OUTPUT {tmp}/in/plate.1001.png is a frame of INPUT"),
    ("out/c.####.png", "in/plate.####.png", 5, "--matte {tmp}/in/plate.1001.png is a frame of INPUT"),
    ("out/c.####.png", "out/c.####.png", 2, "--matte {tmp}/out/c.####.png is also written by OUTPUT"),
])
def test_tasks_that_would_write_over_the_input_are_refused_with_the_job(tmp_path, plate, output, matte, code, words):
    shots = shot_list(tmp_path, 1001)
    before = snapshot(tmp_path)
    extra = ("--matte", tmp_path / matte) if matte else ()
    result = farm(plate, tmp_path / output, shots, "-o", tmp_path / "job.yaml", *extra)
    assert result.returncode == code, result.stderr
    assert words.format(tmp=tmp_path) in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


def test_the_job_file_is_not_a_frame_the_tasks_write(tmp_path, plate):
    shots = shot_list(tmp_path, 1001)
    result = farm(plate, tmp_path / "out" / "c.####.png", shots, "-o", tmp_path / "out" / "c.1002.png")
    assert result.returncode == 2 and "c.1002.png is also written by OUTPUT" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_job_beside_its_inputs_is_written(tmp_path, plate):
    shots = shot_list(tmp_path, 1001)
    result = farm(plate, tmp_path / "out" / "c.####.png", shots, "-o", tmp_path / "job.yaml",
                  "--matte", tmp_path / "out" / "m.####.exr")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "job.yaml").is_file() and (tmp_path / "job.params.json").is_file()
    again = farm(plate, tmp_path / "out" / "c.####.png", shots, "-o", tmp_path / "job.yaml")
    assert again.returncode == 5 and f"-o {tmp_path / 'job.yaml'} exists" in again.stderr
    assert "pass --overwrite" in again.stderr
