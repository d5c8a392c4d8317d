"""`excolor farm ray`: chunks as Ray tasks on a real local Ray instance with 2 workers (started
once per test session), output equal to one-go; a chunk whose process is killed is rerun by Ray
and resumes from the state it saved."""
import os
import signal
import time
from pathlib import Path

import pytest
from excolor.hosts.farm import ray_cluster
from excolor.hosts.farm.plan import plan_job

from tests.support.farm import frames_bytes, make_clip, render_one_go


@pytest.fixture(scope="session")
def ray_instance():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("ray_clip"))


@pytest.fixture(scope="module")
def one_go(clip, tmp_path_factory, lite_model_dir):
    return render_one_go(clip, tmp_path_factory.mktemp("ray_one_go"), lite_model_dir)


@pytest.mark.slow
def test_chunks_on_two_ray_workers_equal_one_go(ray_instance, clip, one_go, tmp_path, lite_model_dir):
    out = tmp_path / "out"
    job = plan_job(clip["pattern"], out / "c.####.png", clip["shots"], 4,
                   ["--model", str(lite_model_dir), "--state-every", "2"])
    results = ray_cluster.run(job, attempts_dir=_attempts(tmp_path))
    assert [r.name for r in results] == [t.name for t in job.tasks]
    assert all(r.attempt == 1 for r in results)
    # Each chunk reserved the cores its `--threads` uses.
    assert job.threads == 1 and all(r.cpus == 1.0 for r in results)
    assert all(task.argv[task.argv.index("--threads") + 1] == "1" for task in job.tasks)
    assert frames_bytes(out) == frames_bytes(one_go)


def _attempts(tmp_path):
    folder = tmp_path / "attempts"
    folder.mkdir()
    return folder


def _chunk_processes(marker):
    """PIDs of this machine's processes whose command line contains every string in `marker`
    (the excolor processes the Ray workers started for this test's own output)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # ended meanwhile
            continue
        text = [w.decode(errors="replace") for w in words]
        if all(any(m == w for w in text) for m in marker):
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_a_killed_chunk_is_rerun_and_resumes(ray_instance, clip, one_go, tmp_path, lite_model_dir):
    out = tmp_path / "out"
    job = plan_job(clip["pattern"], out / "c.####.png", clip["shots"], 10,
                   ["--model", str(lite_model_dir), "--state-every", "1"])
    victim = job.task("shot001-fwd-1001-1010")
    attempts = _attempts(tmp_path)
    refs = ray_cluster.submit(job, retries=2, attempts_dir=attempts)
    states = out / ".excolor" / "c.####.png" / "states"
    killed = None
    while killed is None:
        # Kill it once it has rendered and saved part of its chunk (not all: the run would end).
        saved = list(states.glob("shot000.k0.fwd.*.npz")) if states.is_dir() else []
        pids = _chunk_processes([str(out / "c.####.png"), "1001-1010", "forward"])
        if saved and pids:
            assert len(saved) < 7, "the chunk finished before it could be killed"
            os.kill(pids[0], signal.SIGKILL)
            killed = pids[0]
        time.sleep(0.002)
    results = {r.name: r for r in ray_instance.get(list(refs.values()))}
    assert results[victim.name].attempt == 2, "Ray ran the killed chunk again"
    assert all(r.attempt == 1 for name, r in results.items() if name != victim.name)
    # The rerun skipped what the first attempt finished and resumed from its saved state.
    assert "already done" in results[victim.name].stderr_tail
    assert " 0 already done" not in results[victim.name].stderr_tail
    assert frames_bytes(out) == frames_bytes(one_go)
