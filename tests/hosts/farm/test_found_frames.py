"""`excolor farm` finds the frames of references given without one when it writes the job:
the shot list with the frames found is written beside the job (never over a file it did not
write, never over SHOTS), is the job's Shots input, and every chunk reads it, so no chunk scans
again, and a chunk's frames equal a one-go `excolor colorize` of the original shot list."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from excolor.errors import UsageError
from excolor.hosts.farm.plan import plan_job

from tests.support.batch import excolor
from tests.support.farm import frames_bytes, make_clip, worker_env

OPENJD = str(Path(sys.executable).parent / "openjd")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """The farm clip (colour frames 1001-1016 and keys of frames 1008 and 1013) with a shot list
    whose first reference has no frame (found: 1008) and whose second is never pinned."""
    clip = make_clip(tmp_path_factory.mktemp("farm_found"))
    auto = clip["folder"] / "AUTO.json"
    auto.write_text(json.dumps({"shots": [
        {"start": 1001, "end": 1010, "reference": "key_1008.png"},
        {"start": 1011, "end": 1016, "reference": "key_1013.png", "reference_frame": "none"},
    ]}))
    return {**clip, "auto": auto}


def _farm(clip, out, job, *extra):
    return excolor("farm", "openjd", clip["pattern"], out / "c.####.png", "--shots", clip["auto"], "--chunk", "4",
                   "-o", job, *extra)


def test_the_job_reads_the_shot_list_with_the_frames_found(clip, tmp_path):
    made = _farm(clip, tmp_path / "out", tmp_path / "job.yaml", "--model", "default")
    assert made.returncode == 0, made.stderr
    assert ("excolor farm: shot 1 (frames 1001-1010): key_1008.png pinned to frame 1008 (similarity "
            in made.stderr)
    assert "key_1013.png" not in made.stderr  # never pinned: not scanned
    found = tmp_path / "job.shots.json"
    assert f"wrote {found}" in made.stderr
    shots = json.loads(found.read_text())["shots"]
    assert [(s["reference_frame"], Path(s["reference"]).name) for s in shots] == [
        (1008, "key_1008.png"), ("none", "key_1013.png")]
    assert (found.parent / shots[0]["reference"]).resolve() == clip["folder"] / "key_1008.png"
    # The job's Shots parameter (an input) is that file, and the steps follow the frame found:
    # a backward chain from 1008 in shot 1, none in shot 2.
    template = yaml.safe_load((tmp_path / "job.yaml").read_text())
    shots_parameter = next(p for p in template["parameterDefinitions"] if p["name"] == "Shots")
    assert (shots_parameter["dataFlow"], shots_parameter["default"]) == ("IN", "job.shots.json")
    assert json.loads((tmp_path / "job.params.json").read_text())["Shots"] == str(found)
    # (chains 1008-1010 forward, 1001-1008 backward; shot 2: 1011-1016 forward)
    assert [step["name"] for step in template["steps"]] == [
        "shot001-fwd-1", "shot001-bwd-1", "shot001-bwd-2", "shot002-fwd-1", "shot002-fwd-2", "cleanup"]
    for step in template["steps"][:-1]:  # the chunks; the last, cleanup, reads no shot list
        args = step["script"]["actions"]["onRun"]["args"]
        assert args[args.index("--shots") + 1] == "{{Param.Shots}}"


def test_the_shot_list_written_is_never_a_users_file(clip, tmp_path):
    users = tmp_path / "job.shots.json"
    users.write_text("{}")
    kept = _farm(clip, tmp_path / "out", tmp_path / "job.yaml")
    assert kept.returncode == 5 and f"{users}: exists; pass --overwrite" in kept.stderr
    assert users.read_text() == "{}" and not (tmp_path / "job.yaml").exists()
    # SHOTS itself is never replaced, --overwrite or not.
    mine = clip["folder"] / "mine.shots.json"
    mine.write_bytes(clip["auto"].read_bytes())
    refused = excolor("farm", "openjd", clip["pattern"], tmp_path / "out" / "c.####.png", "--shots", mine,
                      "--chunk", "4", "-o", clip["folder"] / "mine.yaml", "--overwrite")
    assert refused.returncode == 2 and f"{mine}: is SHOTS itself" in refused.stderr
    assert mine.read_bytes() == clip["auto"].read_bytes()
    with pytest.raises(UsageError, match="is SHOTS itself"):
        plan_job(clip["pattern"], tmp_path / "o.####.png", clip["auto"], 4, found_shots=clip["auto"])


def test_a_job_with_no_job_file_writes_it_beside_the_output(clip, tmp_path):
    job = plan_job(clip["pattern"], tmp_path / "out" / "c.####.png", clip["auto"], 4)
    assert job.shots == str(tmp_path / "out" / "c.shots.json") and len(job.found) == 1
    assert all(task.argv[task.argv.index("--shots") + 1] == job.shots for task in job.tasks)
    # A shot list with every frame decided is used as it is: nothing is scanned or written.
    pinned = plan_job(clip["pattern"], tmp_path / "other" / "c.####.png", clip["shots"], 4)
    assert pinned.shots == str(clip["shots"]) and pinned.found == () and not (tmp_path / "other").exists()


@pytest.mark.slow
def test_a_chunk_reads_the_frames_found_and_equals_one_go(clip, tmp_path, lite_model_dir):
    one_go = excolor("colorize", clip["pattern"], tmp_path / "one_go" / "c.####.png", "--shots", clip["auto"],
                     "--model", lite_model_dir)
    assert one_go.returncode == 0, one_go.stderr
    assert "key_1008.png pinned to frame 1008" in one_go.stderr
    made = _farm(clip, tmp_path / "out", tmp_path / "job.yaml", "--model", lite_model_dir)
    assert made.returncode == 0, made.stderr
    run = subprocess.run([OPENJD, "run", str(tmp_path / "job.yaml"), "-p", f"file://{tmp_path / 'job.params.json'}",
                          "--step", "shot001-bwd-1", "--no-run-dependencies"],  # frames 1005-1008
                         capture_output=True, text=True, cwd=tmp_path, env=worker_env())
    assert run.returncode == 0, run.stdout[-3000:]
    assert "similarity" not in run.stdout  # the chunk did not scan
    written = frames_bytes(tmp_path / "out")
    expected = frames_bytes(tmp_path / "one_go")
    assert sorted(written) == ["c.1005.png", "c.1006.png", "c.1007.png"]
    assert written == {name: expected[name] for name in written}
    fingerprint = (Path(".excolor") / "c.####.png" / "fingerprint.json")
    assert (json.loads((tmp_path / "out" / fingerprint).read_text())
            == json.loads((tmp_path / "one_go" / fingerprint).read_text()))
