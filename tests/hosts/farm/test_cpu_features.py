"""Chunks of one job on render nodes with different CPUs: each chunk of an `excolor farm
openjd` job run by `openjd run` on its own, every other one with OpenCV held to SSE4.2
(`OPENCV_CPU_DISABLE`, as on a node without AVX), equals a one-go render with OpenCV's full
instruction set. OpenCV's dispatch is the one instruction-set switch this machine can flip;
ONNX Runtime chooses its kernels from the CPU with no such setting, so what it does across
instruction sets cannot be tested here (docs/farm.md, "Chunks on different CPUs")."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.batch import excolor
from tests.support.farm import frames_bytes, make_clip, render_one_go, worker_env

OPENJD = str(Path(sys.executable).parent / "openjd")
# OpenCV's names for what an x86-64 node may lack: only SSE4.2 and below stay (OpenCV 4.11).
WITHOUT_AVX = "AVX512-SKX,AVX2,FP16,AVX"


def _opencv_features(env):
    probe = subprocess.run([sys.executable, "-c", "import cv2; print(cv2.getCPUFeaturesLine())"],
                           capture_output=True, text=True, env=env)
    return probe.stdout.split()


@pytest.mark.slow
def test_chunks_alternating_instruction_sets_equal_one_go(tmp_path, lite_model_dir):
    full = _opencv_features(worker_env())
    if "*AVX" not in full:
        pytest.skip("this CPU has no AVX for OpenCV to give up")
    assert "*AVX" not in _opencv_features(worker_env(OPENCV_CPU_DISABLE=WITHOUT_AVX))  # the switch holds
    clip = make_clip(tmp_path / "clip")
    one_go = render_one_go(clip, tmp_path / "one_go", lite_model_dir)
    out, job = tmp_path / "out", tmp_path / "job.yaml"
    made = excolor("farm", "openjd", clip["pattern"], out / "c.####.png", "--shots", clip["shots"], "--chunk", "4",
                   "--model", lite_model_dir, "--state-every", "2", "-o", job)
    assert made.returncode == 0, made.stderr
    steps = [step["name"] for step in yaml.safe_load(job.read_text())["steps"]]  # in dependency order
    for index, step in enumerate(steps):
        env = worker_env(OPENCV_CPU_DISABLE=WITHOUT_AVX) if index % 2 else worker_env()
        run = subprocess.run([OPENJD, "run", str(job), "-p", f"file://{tmp_path / 'job.params.json'}", "--step", step,
                              "--no-run-dependencies"], capture_output=True, text=True, cwd=tmp_path, env=env)
        assert run.returncode == 0, run.stdout[-3000:]
    assert frames_bytes(out) == frames_bytes(one_go)
