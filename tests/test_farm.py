"""`excolor farm`: the job plan, the Open Job Description template (checked by `openjd check`,
run end to end by `openjd run`, output equal to one-go), and the OpenCue outline that
opencue-pyoutline builds and serialises. No Cuebot runs here: the OpenCue test checks the job
spec PyOutline produces (layers, commands, depends), not a dispatch."""
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from batch_support import excolor
from farm_support import frames_bytes, make_clip, render_one_go

from excolor.errors import UsageError
from excolor.hosts.farm.plan import plan_job

OPENJD = str(Path(sys.executable).parent / "openjd")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("farm_clip"))


@pytest.fixture(scope="module")
def one_go(clip, tmp_path_factory, lite_model_dir):
    return render_one_go(clip, tmp_path_factory.mktemp("farm_one_go"), lite_model_dir)


def test_plan_follows_the_state_chain(clip, tmp_path):
    job = plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, ["--model", "m"])
    chains = {key: [(t.first, t.last, t.depends_on) for t in tasks] for key, tasks in job.chains().items()}
    assert chains == {
        (1, "forward"): [(1001, 1004, ()), (1005, 1008, ("shot001-fwd-1001-1004",)),
                         (1009, 1010, ("shot001-fwd-1005-1008",))],
        # backward run 1008 -> 1002: its chunks in reverse order
        (1, "backward"): [(1005, 1008, ()), (1001, 1004, ("shot001-bwd-1005-1008",))],
        # pinned at 1013: the forward run starts inside the first chunk, the backward run too
        (2, "forward"): [(1011, 1014, ()), (1015, 1016, ("shot002-fwd-1011-1014",))],
        (2, "backward"): [(1011, 1014, ())],
    }
    # Every dependency is an earlier task of the same chain: no cycles, shots independent.
    seen = set()
    for task in job.tasks:
        assert all(name in seen and job.task(name).shot == task.shot for name in task.depends_on)
        seen.add(task.name)
    argv = job.task("shot001-bwd-1001-1004").argv
    assert argv[-8:] == ("--shots", str(clip["shots"]), "--model", "m", "--frames", "1001-1004",
                         "--direction", "backward")
    assert job.tasks[0].argv[:3] == (sys.executable, "-m", "excolor")


def test_plan_refusals(clip, tmp_path):
    with pytest.raises(UsageError, match="writes an image sequence"):
        plan_job(clip["pattern"], tmp_path / "o.mp4", clip["shots"], 4)
    with pytest.raises(UsageError, match="--frames: set by the farm job"):
        plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, ["--frames", "1-2"])
    with pytest.raises(UsageError, match="--chunk 0"):
        plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 0)


@pytest.mark.slow
def test_openjd_template_checked_and_run_locally_equals_one_go(clip, one_go, tmp_path, lite_model_dir):
    out = tmp_path / "out"
    job_file = tmp_path / "job.yaml"
    made = excolor("farm", "openjd", clip["pattern"], out / "c.####.png", "--shots", clip["shots"],
                   "--chunk", "4", "--model", lite_model_dir, "--state-every", "2", "-o", job_file)
    assert made.returncode == 0, made.stderr
    assert "8 task(s) in 4 chain(s)" in made.stderr
    check = subprocess.run([OPENJD, "check", str(job_file)], capture_output=True, text=True)
    assert check.returncode == 0 and "passes validation" in check.stdout, check.stdout + check.stderr
    values = f"file://{tmp_path / 'job.params.json'}"
    run = subprocess.run([OPENJD, "run", str(job_file), "-p", values], capture_output=True, text=True,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Session ended successfully" in run.stdout
    assert frames_bytes(out) == frames_bytes(one_go)
    # A rerun of the template finds every frame done.
    again = subprocess.run([OPENJD, "run", str(job_file), "-p", values], capture_output=True, text=True, cwd=tmp_path)
    assert again.returncode == 0 and "0 frame(s) written" in again.stdout


def test_openjd_template_refuses_a_broken_chain(clip, tmp_path, lite_model_dir):
    """`openjd run --step` of a chunk whose predecessor never ran fails: the task exits 6,
    naming the chunk it waits for (the engine's dependency is what makes the job work)."""
    job_file = tmp_path / "job.yaml"
    made = excolor("farm", "openjd", clip["pattern"], tmp_path / "o" / "c.####.png", "--shots", clip["shots"],
                   "--chunk", "4", "--model", lite_model_dir, "-o", job_file)
    assert made.returncode == 0, made.stderr
    run = subprocess.run([OPENJD, "run", str(job_file), "-p", f"file://{tmp_path / 'job.params.json'}",
                          "--step", "shot001-fwd-1005-1008",
                          "--no-run-dependencies"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode != 0
    assert "waits for the chunk that renders frame 1004" in run.stdout


def test_opencue_outline_serialised_by_pyoutline(clip, tmp_path):
    """What PyOutline makes of the job: one single-frame layer per chunk whose command is the
    chunk's colorize command line, and layer-on-layer depends along each chain only."""
    import shlex

    from excolor.hosts.farm import opencue

    job = plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, ["--model", "lite"],
                   excolor=["excolor"])
    outline = opencue.build_outline(job, show="restoration", shot="reel1")
    assert [layer.get_name() for layer in outline.get_layers()] == [t.name for t in job.tasks]
    spec_file = tmp_path / "job.xml"
    made = excolor("farm", "opencue", clip["pattern"], tmp_path / "o.####.png", "--shots", clip["shots"],
                   "--chunk", "4", "--model", "lite", "--excolor", "excolor", "--show", "restoration",
                   "--retries", "5", "-o", spec_file)
    assert made.returncode == 0, made.stderr
    root = ET.fromstring(spec_file.read_text().split("?>", 1)[1].split(">", 1)[1])  # after the DOCTYPE
    assert root.findtext("show") == "restoration"
    (spec_job,) = root.findall("job")
    assert spec_job.get("name") == job.name and spec_job.findtext("maxretries") == "5"
    layers = {layer.get("name"): layer for layer in spec_job.find("layers")}
    assert list(layers) == [t.name for t in job.tasks]
    for task in job.tasks:
        layer = layers[task.name]
        assert shlex.split(layer.findtext("cmd")) == list(task.argv)
        assert layer.findtext("range") == "1" and layer.findtext("chunk") == "1"
    depends = {(d.findtext("deplayer"), d.findtext("onlayer"), d.get("type")) for d in root.find("depends")}
    assert depends == {(t.name, t.depends_on[0], "LAYER_ON_LAYER") for t in job.tasks if t.depends_on}


def test_farm_needs_a_job_file_and_a_sequence(clip, tmp_path):
    result = excolor("farm", "openjd", clip["pattern"], tmp_path / "o.####.png", "--shots", clip["shots"],
                     "--chunk", "4")
    assert result.returncode == 2 and "-o FILE" in result.stderr
    result = excolor("farm", "ray", clip["pattern"], tmp_path / "o.mov", "--shots", clip["shots"], "--chunk", "4")
    assert result.returncode == 2 and "writes an image sequence" in result.stderr
