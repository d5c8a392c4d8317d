"""`excolor farm`: the job plan, the Open Job Description template (checked by `openjd check`,
run end to end by `openjd run`, output equal to one-go), and the OpenCue outline that
opencue-pyoutline builds and serialises. No Cuebot runs here: the OpenCue test checks the job
spec PyOutline produces (layers, commands, depends), not a dispatch."""
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from excolor.errors import UsageError
from excolor.hosts.farm.openjd import job_template
from excolor.hosts.farm.plan import plan_job

from tests.support.batch import excolor
from tests.support.farm import frames_bytes, make_clip, render_one_go, worker_env

OPENJD = str(Path(sys.executable).parent / "openjd")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("farm_clip"))


@pytest.fixture(scope="module")
def one_go(clip, tmp_path_factory, lite_model_dir):
    return render_one_go(clip, tmp_path_factory.mktemp("farm_one_go"), lite_model_dir)


def test_plan_follows_the_state_chain(clip, tmp_path):
    job = plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, ["--model", "default"])
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
    assert argv[-10:] == ("--shots", str(clip["shots"]), "--model", "default", "--threads", "1",
                          "--frames", "1001-1004", "--direction", "backward")
    assert job.tasks[0].argv[:3] == (sys.executable, "-m", "excolor")
    assert job.chain_ends() == ("shot001-fwd-1009-1010", "shot001-bwd-1001-1004", "shot002-fwd-1015-1016",
                                "shot002-bwd-1011-1014")
    assert job.cleanup == (sys.executable, "-m", "excolor", "clean", str(tmp_path / "o.####.png"))
    # A job of some shots of OUTPUT cleans only their runs: other jobs may still be rendering.
    one = plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, ["--model", "default"], shot=2)
    assert one.cleanup[-2:] == ("--shots", "2-2")


def test_openjd_steps_are_written_for_the_smallest_chunk(clip, tmp_path):
    """Each chain as a whole (the frames its runs span) gets the steps of its chunks of
    --min-chunk frames, step k rendering chunk k of ChunkSize frames along the chain, after step
    k-1; the cleanup after every chain's last step; ChunkSize an INT parameter, at least the
    smallest chunk, the written --chunk by default."""
    job = plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, ["--model", "default"], min_chunk=2)
    # Shot 1 keyed at 1001 and 1008: forward runs 1001-1010, the backward run 1008 -> 1002;
    # shot 2 pinned at 1013: forward 1013-1016, backward 1013 -> 1011.
    assert [(c.name, c.first, c.last, c.chunks(2)) for c in job.spans] == [
        ("shot001-fwd", 1001, 1010, 5), ("shot001-bwd", 1002, 1008, 4),
        ("shot002-fwd", 1013, 1016, 2), ("shot002-bwd", 1011, 1013, 2)]
    template = job_template(job, tmp_path)
    steps = {step["name"]: step for step in template["steps"]}
    assert list(steps) == [f"shot001-fwd-{k}" for k in range(1, 6)] + [f"shot001-bwd-{k}" for k in range(1, 5)] + [
        "shot002-fwd-1", "shot002-fwd-2", "shot002-bwd-1", "shot002-bwd-2", "cleanup"]
    assert "dependencies" not in steps["shot001-bwd-1"]
    assert steps["shot001-bwd-3"]["dependencies"] == [{"dependsOn": "shot001-bwd-2"}]
    args = steps["shot001-bwd-3"]["script"]["actions"]["onRun"]["args"]
    assert args[-6:] == ["--frames", "1002-1008", "--direction", "backward", "--chunk-of", "3:{{Param.ChunkSize}}"]
    assert steps["cleanup"] == {
        "name": "cleanup", "dependencies": [{"dependsOn": name} for name in ("shot001-fwd-5", "shot001-bwd-4",
                                                                              "shot002-fwd-2", "shot002-bwd-2")],
        "script": {"actions": {"onRun": {"command": "{{Param.ExcolorCommand}}",
                                         "args": ["clean", "{{Param.OutputFolder}}/o.####.png"]}}}}
    (chunk_size,) = [p for p in template["parameterDefinitions"] if p["name"] == "ChunkSize"]
    assert (chunk_size["type"], chunk_size["default"], chunk_size["minValue"]) == ("INT", 4, 2)
    assert chunk_size["userInterface"]["control"] == "SPIN_BOX" and chunk_size["userInterface"]["groupLabel"]
    # Without --min-chunk the steps are the written chunk's.
    assert [c.chunks(4) for c in plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4).spans] == [
        3, 2, 1, 1]


def test_plan_refusals(clip, tmp_path):
    with pytest.raises(UsageError, match="writes an image sequence"):
        plan_job(clip["pattern"], tmp_path / "o.mp4", clip["shots"], 4)
    with pytest.raises(UsageError, match="--frames: set by the farm job"):
        plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, ["--frames", "1-2"])
    with pytest.raises(UsageError, match="--chunk-of: set by the farm job"):
        plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, ["--chunk-of", "1:2"])
    with pytest.raises(UsageError, match="--chunk 0"):
        plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 0)
    for smallest in (0, 5):
        with pytest.raises(UsageError, match=f"--min-chunk {smallest}: .* 1 to --chunk \\(4\\)"):
            plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, min_chunk=smallest)
    ray = excolor("farm", "ray", clip["pattern"], tmp_path / "o.####.png", "--shots", clip["shots"], "--chunk", "4",
                  "--min-chunk", "2")
    assert ray.returncode == 2 and "--min-chunk: the smallest ChunkSize of an OpenJD job" in ray.stderr


@pytest.mark.slow
def test_openjd_job_run_at_its_chunk_size_and_a_larger_one_equals_one_go(clip, one_go, tmp_path, lite_model_dir):
    """`--chunk 4 --min-chunk 3`: `openjd check` passes; `openjd run` at the written ChunkSize
    and at 7 (into another OutputFolder) renders every frame of both shots, both chains, byte
    for byte as one go (at 7 the chains' last steps have nothing to render); ChunkSize 2 is
    refused by openjd's parameter check, before any step runs."""
    job_file = tmp_path / "job.yaml"
    made = excolor("farm", "openjd", clip["pattern"], tmp_path / "out" / "c.####.png", "--shots", clip["shots"],
                   "--chunk", "4", "--min-chunk", "3", "--model", lite_model_dir, "--state-every", "2", "-o", job_file)
    assert made.returncode == 0, made.stderr
    assert "10 step(s) in 4 chain(s), for chunks of ChunkSize frames (default 4, at least 3)" in made.stderr
    check = subprocess.run([OPENJD, "check", str(job_file)], capture_output=True, text=True)
    assert check.returncode == 0 and "passes validation" in check.stdout, check.stdout + check.stderr

    def run(*params):
        return subprocess.run([OPENJD, "run", str(job_file), "-p", f"file://{tmp_path / 'job.params.json'}", *params],
                              capture_output=True, text=True, cwd=tmp_path, env=worker_env())

    too_small = run("-p", f"OutputFolder={tmp_path / 'small'}", "-p", "ChunkSize=2")
    assert too_small.returncode != 0
    assert "Value (2) for parameter ChunkSize must be at least 3" in too_small.stdout + too_small.stderr
    assert not (tmp_path / "small").exists()
    runs = {}
    for out, params in ((tmp_path / "out", ()), (tmp_path / "larger", ("-p", f"OutputFolder={tmp_path / 'larger'}",
                                                                      "-p", "ChunkSize=7"))):
        runs[out.name] = result = run(*params)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "Session ended successfully" in result.stdout
        assert frames_bytes(out) == frames_bytes(one_go)
        # The last step, after every chain: the run states the chunks handed on are gone, the
        # records stay (the same command says the output is complete).
        assert list((out / ".excolor").rglob("done/*")) and not list((out / ".excolor").rglob("*.npz"))
    # The chunks report their progress in the lines an OpenJD session parses (a chunk whose
    # frames all come from the other chain's runs has no frames of its own to count).
    assert "openjd_progress: 50.0" in runs["out"].stdout and "openjd_progress: 100.0" in runs["out"].stdout
    # At 7, shot 1's backward chain (7 frames) is its first step's; its other two finish at once.
    assert "--chunk-of 3:7: past the end of frames 1002-1008 (backward); nothing to render" in runs["larger"].stdout


def test_openjd_template_refuses_a_broken_chain(clip, tmp_path, lite_model_dir):
    """`openjd run --step` of a chunk whose predecessor never ran fails: the task exits 6,
    naming the chunk it waits for (the engine's dependency is what makes the job work)."""
    job_file = tmp_path / "job.yaml"
    made = excolor("farm", "openjd", clip["pattern"], tmp_path / "o" / "c.####.png", "--shots", clip["shots"],
                   "--chunk", "4", "--model", lite_model_dir, "-o", job_file)
    assert made.returncode == 0, made.stderr
    run = subprocess.run([OPENJD, "run", str(job_file), "-p", f"file://{tmp_path / 'job.params.json'}",
                          "--step", "shot001-fwd-2",
                          "--no-run-dependencies"], capture_output=True, text=True, cwd=tmp_path, env=worker_env())
    assert run.returncode != 0
    assert "waits for the chunk that renders frame 1004" in run.stdout


def _spec(path):
    """The <spec> element of a job spec file, read back by a real XML parser (after the DOCTYPE)."""
    return ET.fromstring(path.read_text().split("?>", 1)[1].split(">", 1)[1])


def test_opencue_outline_serialised_by_pyoutline(clip, tmp_path):
    """What PyOutline makes of the job, serialised and read back: one layer per chunk whose
    range is the chunk's frames in one OpenCue chunk (so the Cuebot's frame view shows the
    frames, not `1`), whose command is the chunk's colorize command line with `excolor` from the
    PATH, and layer-on-layer depends along each chain only."""
    import shlex

    from excolor.hosts.farm import opencue

    job = plan_job(clip["pattern"], tmp_path / "o.####.png", clip["shots"], 4, ["--model", "default"],
                   excolor=["excolor"])
    outline = opencue.build_outline(job, show="restoration", shot="reel1")
    assert [layer.get_name() for layer in outline.get_layers()] == [t.name for t in job.tasks] + ["cleanup"]
    assert outline.get_frame_range() == "1001-1016"
    spec_file = tmp_path / "job.xml"
    made = excolor("farm", "opencue", clip["pattern"], tmp_path / "o.####.png", "--shots", clip["shots"],
                   "--chunk", "4", "--model", "default", "--show", "restoration",
                   "--retries", "5", "--threads", "3", "-o", spec_file)
    assert made.returncode == 0, made.stderr
    root = _spec(spec_file)
    assert root.findtext("show") == "restoration"
    (spec_job,) = root.findall("job")
    assert spec_job.get("name") == job.name and spec_job.findtext("maxretries") == "5"
    layers = {layer.get("name"): layer for layer in spec_job.find("layers")}
    assert list(layers) == [t.name for t in job.tasks] + ["cleanup"]
    cleanup = layers.pop("cleanup")
    assert shlex.split(cleanup.findtext("cmd")) == ["excolor", "clean", str(tmp_path / "o.####.png")]
    assert cleanup.findtext("range") == "1001" and cleanup.findtext("chunk") == "1"
    for task in job.tasks:
        layer = layers[task.name]
        command = shlex.split(layer.findtext("cmd"))
        assert command == list(task.argv[:-6]) + ["--threads", "3"] + list(task.argv[-4:])
        assert command[command.index("--frames") + 1] == f"{task.first}-{task.last}"
        assert layer.findtext("range") == f"{task.first}-{task.last}"
        assert layer.findtext("chunk") == str(task.last - task.first + 1)
        assert layer.findtext("cores") == "3.0"  # the cores the task's --threads 3 uses
    depends = {(d.findtext("deplayer"), d.findtext("onlayer"), d.get("type")) for d in root.find("depends")}
    chain_ends = {("cleanup", chain[-1].name, "LAYER_ON_LAYER") for chain in job.chains().values()}
    assert depends == {(t.name, t.depends_on[0], "LAYER_ON_LAYER") for t in job.tasks if t.depends_on} | chain_ends


def test_opencue_job_of_one_shot(clip, tmp_path):
    """`--shot 2` (or the shot's name): the job of that shot only, as OpenCue's shot; an unknown
    shot is refused, naming the shots."""
    spec_file = tmp_path / "job.xml"
    made = excolor("farm", "opencue", clip["pattern"], tmp_path / "o.####.png", "--shots", clip["shots"],
                   "--chunk", "4", "--shot", "2", "--show", "restoration", "-o", spec_file)
    assert made.returncode == 0, made.stderr
    root = _spec(spec_file)
    (spec_job,) = root.findall("job")
    assert root.findtext("shot") == "shot002"
    layers = {layer.get("name"): layer.findtext("range") for layer in spec_job.find("layers")}
    assert layers == {"shot002-fwd-1011-1014": "1011-1014", "shot002-fwd-1015-1016": "1015-1016",
                      "shot002-bwd-1011-1014": "1011-1014", "cleanup": "1011"}
    unknown = excolor("farm", "opencue", clip["pattern"], tmp_path / "o.####.png", "--shots", clip["shots"],
                      "--chunk", "4", "--shot", "sh999", "-o", tmp_path / "other.xml")
    assert unknown.returncode == 2 and "--shot sh999" in unknown.stderr
    assert "shot 2 (frames 1011-1016)" in unknown.stderr
    assert not (tmp_path / "other.xml").exists()


def test_farm_needs_a_job_file_and_a_sequence(clip, tmp_path):
    result = excolor("farm", "openjd", clip["pattern"], tmp_path / "o.####.png", "--shots", clip["shots"],
                     "--chunk", "4")
    assert result.returncode == 2 and "-o FILE" in result.stderr
    result = excolor("farm", "ray", clip["pattern"], tmp_path / "o.mov", "--shots", clip["shots"], "--chunk", "4")
    assert result.returncode == 2 and "writes an image sequence" in result.stderr


def _colorize_chunk(clip, out, model, frames, direction):
    return excolor("colorize", clip["pattern"], out / "c.####.png", "--shots", clip["shots"], "--model", model,
                   "--frames", frames, "--direction", direction)


@pytest.mark.slow
def test_a_chunk_continues_from_the_saved_state_itself(clip, one_go, tmp_path, lite_model_dir):
    """Shot 2 is pinned at 1013: its forward run renders 1013-1016. Chunk 1014-1016 continues
    from the state chunk 1011-1013 saved at 1013: without that file it refuses, naming the chunk
    it waits for (though frame 1013 is on disk); with the file changed its frames change; with
    the file as saved they equal one-go byte for byte."""
    import numpy as np

    state_name = "shot001.k0.fwd.1013.npz"
    genuine, altered = tmp_path / "genuine", tmp_path / "altered"
    for out in (genuine, altered):
        first = _colorize_chunk(clip, out, lite_model_dir, "1011-1013", "forward")
        assert first.returncode == 0, first.stderr
    state = genuine / ".excolor" / "c.####.png" / "states" / state_name
    kept = tmp_path / state_name
    state.rename(kept)
    waiting = _colorize_chunk(clip, genuine, lite_model_dir, "1014-1016", "forward")
    assert waiting.returncode == 6
    assert "chunk 1014-1016: run shot001.k0.fwd" in waiting.stderr
    assert "waits for the chunk that renders frame 1013" in waiting.stderr and state_name in waiting.stderr
    assert not (genuine / "c.1014.png").exists()
    kept.rename(state)
    done = _colorize_chunk(clip, genuine, lite_model_dir, "1014-1016", "forward")
    assert done.returncode == 0, done.stderr
    expected = frames_bytes(one_go)
    for frame in (1013, 1014, 1015, 1016):
        assert (genuine / f"c.{frame}.png").read_bytes() == expected[f"c.{frame}.png"]
    # The same chunk from a changed state (the previous frame's carried chroma replaced, the
    # file otherwise as saved, fingerprint included) renders other colours.
    path = altered / ".excolor" / "c.####.png" / "states" / state_name
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["history_ab"][:] = np.array([60.0, -60.0], np.float32)[:, None, None]
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    changed = _colorize_chunk(clip, altered, lite_model_dir, "1014-1016", "forward")
    assert changed.returncode == 0, changed.stderr
    assert (altered / "c.1014.png").read_bytes() != expected["c.1014.png"]


@pytest.mark.slow
def test_shots_are_independent_units(clip, one_go, tmp_path, lite_model_dir):
    """Shot 2's chunks run before any chunk of shot 1, beside unreadable files in shot 1's state
    names: they succeed (so they never read them), leave them untouched, and equal one-go."""
    out = tmp_path / "out"
    states = out / ".excolor" / "c.####.png" / "states"
    first = _colorize_chunk(clip, out, lite_model_dir, "1011-1013", "backward")  # creates .excolor/
    assert first.returncode == 0, first.stderr
    garbage = {}
    for name in ("shot000.k0.fwd.1010.npz", "shot000.k1.fwd.1010.npz", "shot000.k1.bwd.1011.npz",
                 "shot000.k0.fwd.1013.npz"):
        (states / name).write_bytes(b"not a state: shot 1 never ran")
        garbage[name] = (states / name).stat().st_mtime_ns
    for frames, direction in (("1011-1013", "forward"), ("1014-1016", "forward")):
        result = _colorize_chunk(clip, out, lite_model_dir, frames, direction)
        assert result.returncode == 0, f"{frames} {direction}: {result.stderr}"
    expected = frames_bytes(one_go)
    assert frames_bytes(out) == {f"c.{n}.png": expected[f"c.{n}.png"] for n in range(1011, 1017)}
    assert {name: (states / name).stat().st_mtime_ns for name in garbage} == garbage
