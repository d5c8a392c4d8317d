"""`excolor colorize --threads N`: every pool of the process capped at N. A real render in a
child process that samples its own OS thread count while it runs, then reports OpenCV's and
the BLAS libraries' pool sizes; compared with the same render left to use every core."""
import json
import os
import subprocess
import sys

import pytest

from tests.support.batch import carphone_frames, write_reference, write_sequence

PROBE = """
import json, sys, threading, time
import cv2
from threadpoolctl import threadpool_info
from excolor.cli import main
from excolor.threads import codec_threads

most = [0]
done = threading.Event()
def sample():
    while not done.is_set():
        with open("/proc/self/status") as status:
            count = int(next(line for line in status if line.startswith("Threads:")).split()[1])
        most[0] = max(most[0], count)
        time.sleep(0.005)
sampler = threading.Thread(target=sample)
sampler.start()
code = main(sys.argv[1:])
done.set()
sampler.join()
print(json.dumps({"code": code, "most threads": most[0] - 1,  # less the sampler itself
                  "opencv": cv2.getNumThreads(), "codec": codec_threads(),
                  "blas": sorted({pool["num_threads"] for pool in threadpool_info()})}))
"""


def _render(tmp_path, model, name, *extra):
    frames = carphone_frames(count=6)
    pattern = write_sequence(tmp_path / "plate.####.png", frames)
    write_reference(tmp_path / "key.png", frames[0])
    result = subprocess.run([sys.executable, "-c", PROBE, "colorize", str(pattern),
                             str(tmp_path / name / "c.####.png"), "--reference", str(tmp_path / "key.png"),
                             "--model", str(model), *extra], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    return report


@pytest.mark.skipif(not os.path.exists("/proc/self/status") or os.cpu_count() < 2,
                    reason="counts the threads of a Linux process on a machine with 2+ cores")
def test_threads_caps_every_pool(tmp_path, lite_model_dir):
    capped = _render(tmp_path, lite_model_dir, "capped", "--threads", "1")
    assert capped["opencv"] == 1 and capped["blas"] == [1] and capped["codec"] == 1
    free = _render(tmp_path, lite_model_dir, "free")
    assert free["opencv"] > 1 and free["codec"] is None
    # ONNX Runtime's intra-op pools and the io threads shrink with the cap.
    assert capped["most threads"] < free["most threads"], (capped, free)
    print(f"most threads while rendering: --threads 1: {capped['most threads']}, "
          f"default: {free['most threads']} ({os.cpu_count()} cores)")


def test_threads_must_be_positive(tmp_path):
    result = subprocess.run([sys.executable, "-m", "excolor", "colorize", "in.mp4", "out.mp4", "--reference",
                             "k.png", "--threads", "0"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2 and "--threads: must be 1 or more, got 0" in result.stderr
