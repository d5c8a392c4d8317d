"""`excolor farm ray` on a real local Ray instance with 2 workers (started once per test
session): chunks equal one-go; each chunk's lines reach the driver while it runs; a chunk whose
process is killed is rerun as attempt 2 and resumes from its saved state; a chunk that fails
deterministically (excolor exit 5) is not rerun, and the command ends with one line naming the
chunk and its log, with the chunk's exit code."""
import os
import re
import signal
import subprocess
import sys
import threading
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
    lines = []
    results = ray_cluster.run(job, report=lines.append)
    assert [r.name for r in results] == [t.name for t in job.tasks]
    assert all(r.attempt == 1 and r.code == 0 for r in results)
    # Each chunk reserved the cores its `--threads` uses.
    assert job.threads == 1 and all(r.cpus == 1.0 for r in results)
    assert frames_bytes(out) == frames_bytes(one_go)
    # Every chunk's own lines, then its end, reached the driver; its log is beside OUTPUT.
    for task in job.tasks:
        mine = [line for line in lines if line.startswith(f"{task.name} [attempt 1]: ")]
        assert any("colorizing" in line for line in mine) and "done (" in mine[-1]
        assert (out / "c.logs" / f"{task.name}.attempt-1.log").read_text().strip()


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
def test_a_killed_chunk_is_rerun_as_attempt_2_and_resumes(ray_instance, clip, one_go, tmp_path, lite_model_dir):
    out = tmp_path / "out"
    job = plan_job(clip["pattern"], out / "c.####.png", clip["shots"], 10,
                   ["--model", str(lite_model_dir), "--state-every", "1"])
    victim = job.task("shot001-fwd-1001-1010")
    lines, outcome = [], {}
    driver = threading.Thread(target=lambda: outcome.update(results=ray_cluster.run(job, retries=2,
                                                                                     report=lines.append)))
    driver.start()
    states = out / ".excolor" / "c.####.png" / "states"
    # The kill waits for the chunk's progress lines at the driver, so they came while it ran.
    heard_before_kill = None
    while heard_before_kill is None:
        # Kill it once it has rendered and saved part of its chunk (not all: the run would end).
        saved = list(states.glob("shot000.k0.fwd.*.npz")) if states.is_dir() else []
        pids = _chunk_processes([str(out / "c.####.png"), "1001-1010", "forward"])
        heard = [line for line in list(lines) if line.startswith(f"{victim.name} [attempt 1]: colorizing")]
        if saved and pids and heard:
            assert len(saved) < 7, "the chunk finished before it could be killed"
            os.kill(pids[0], signal.SIGKILL)
            heard_before_kill = heard
        time.sleep(0.002)
    driver.join(timeout=600)
    results = {r.name: r for r in outcome["results"]}
    assert results[victim.name].attempt == 2, "the killed chunk ran again"
    assert all(r.attempt == 1 for name, r in results.items() if name != victim.name)
    assert any(line.startswith(f"{victim.name} [attempt 1]: ended by SIGKILL; running it again (attempt 2 of 3)")
               for line in lines)
    # The rerun skipped what the first attempt finished and resumed from its saved state.
    rerun_log = (out / "c.logs" / f"{victim.name}.attempt-2.log").read_text()
    assert "already done" in rerun_log and " 0 already done" not in rerun_log
    assert frames_bytes(out) == frames_bytes(one_go)


@pytest.mark.slow
def test_a_deterministic_failure_is_not_retried_and_named_in_one_line(ray_instance, clip, tmp_path, lite_model_dir):
    """`--device cuda` where ONNX Runtime has no CUDA: the job is checked on the CPU, and each
    chunk refuses the device (exit 4) on every attempt, so it runs once; `excolor farm ray`, a
    driver of its own on the same Ray instance, ends with exit 4 and one line naming the first
    chunk and its log."""
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this ONNX Runtime has CUDA: the chunks would render")
    out = tmp_path / "out"
    farm = subprocess.run([sys.executable, "-m", "excolor", "farm", "ray", clip["pattern"], str(out / "c.####.png"),
                           "--shots", str(clip["shots"]), "--chunk", "4", "--model", str(lite_model_dir),
                           "--device", "cuda", "--address", ray_instance.get_runtime_context().gcs_address],
                          capture_output=True, text=True, timeout=600)
    assert farm.returncode == 4, farm.stderr[-3000:]
    last = farm.stderr.strip().splitlines()[-1]
    failed = re.fullmatch(r"excolor farm: error: chunk shot001-fwd-1001-1004 \(frames 1001-1004, forward\) failed on "
                          r"attempt 1: excolor exited 4 \(model error.*\), not retried, as a rerun ends the same; "
                          r"0 of 8 chunks done, 4 waiting on a failed one, 3 other chunk\(s\) failed \(above\); "
                          r"its log: (\S+)", last)
    assert failed, last
    log = Path(failed.group(1))
    assert log == out / "c.logs" / "shot001-fwd-1001-1004.attempt-1.log"
    assert "cuda" in log.read_text().lower()
    # Each chain's first chunk ran once and said why as it failed; none ran again, none after them.
    assert sorted(p.name for p in (out / "c.logs").iterdir()) == [
        f"{name}.attempt-1.log" for name in ("shot001-bwd-1005-1008", "shot001-fwd-1001-1004",
                                             "shot002-bwd-1011-1014", "shot002-fwd-1011-1014")]
    assert farm.stderr.count("failed: excolor exited 4") == 4
    assert "Traceback" not in farm.stderr and "[attempt 2]" not in farm.stderr
