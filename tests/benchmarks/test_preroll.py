"""The preroll benchmark's --quick mode end to end: 8 real frames of bikes.mp4 in chunks of 4,
the second chunk rendered in its own process with `--preroll 1` and `--preroll 4`.

A preroll of 4 reaches back to the run's first frame, so that chunk starts from the state the
one-go render starts from: it must equal the one-go render byte for byte, and the benchmark
must say so. A preroll of 1 starts the chunk without its history: its figures are measured,
not predicted (a randomly initialised test model), so beyond "not exact" only their sense is
asserted.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]
LATER_CHUNK = (5, 6, 7, 8)  # the quick mode's second chunk of 4 (frames numbered from 1)


@pytest.fixture(scope="module")
def quick_run(model_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("preroll")
    command = [sys.executable, "-m", "benchmarks.preroll", "--quick", "--model", f"test={model_dir}",
               "--out", str(folder / "results"), "--work", str(folder / "work")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


def test_a_preroll_back_to_the_runs_start_equals_the_one_go_render(quick_run):
    clip = quick_run / "work" / "test" / "bikes"
    for frame in LATER_CHUNK:
        exact = (clip / "exact" / f"out.{frame:04d}.png").read_bytes()
        assert (clip / "preroll4" / f"out.{frame:04d}.png").read_bytes() == exact, frame
    # The chunk rendered alone holds only its own frames: the preroll frames are not written.
    assert sorted(p.name for p in (clip / "preroll4").glob("out.*.png")) == [
        f"out.{frame:04d}.png" for frame in LATER_CHUNK]


def test_the_report_holds_finite_figures_for_each_preroll(quick_run, model_dir):
    results = json.loads((quick_run / "results" / "preroll.json").read_text())
    assert results["chunk"] == 4 and results["network_size"] == 160
    (model,) = results["models"]
    assert model["label"] == "test" and model["path"] == model_dir.name  # not this machine's path
    (clip,) = model["clips"]
    assert clip["clip"] == "bikes.mp4" and clip["frames"] == [30, 37]
    assert clip["chunks"] == [[1, 4], [5, 8]] and clip["scored_frames"] == len(LATER_CHUNK)
    assert math.isfinite(clip["one_go_s"]) and clip["one_go_s"] > 0
    rows = {row["preroll"]: row for row in clip["rows"]}
    assert set(rows) == {1, 4}
    exact = rows[4]
    assert exact["exact_frames"] == len(LATER_CHUNK) and exact["psnr_db"] == math.inf
    assert exact["mean_abs_levels"] == exact["max_abs_levels"] == 0.0
    assert exact["by_offset"] == [0.0] * len(LATER_CHUNK)
    short = rows[1]
    for key in ("mean_abs_levels", "worst_frame_mean_abs_levels", "max_abs_levels"):
        assert math.isfinite(short[key]) and 0.0 <= short[key] <= 255.0, key
    assert short["mean_abs_levels"] <= short["worst_frame_mean_abs_levels"] <= short["max_abs_levels"]
    assert 0 <= short["exact_frames"] <= len(LATER_CHUNK) and len(short["by_offset"]) == len(LATER_CHUNK)
    assert short["psnr_db"] > 0
    # The test model's output depends on the frame before (0.54 levels mean measured): one frame
    # of preroll does not rebuild that history.
    assert short["mean_abs_levels"] > 0 and short["exact_frames"] < len(LATER_CHUNK)
    assert max(short["by_offset"]) == pytest.approx(short["worst_frame_mean_abs_levels"])
    table = (quick_run / "results" / "preroll.md").read_text()
    assert "| test | bikes.mp4 | 4 | 0.0000 |" in table and "4/4 |" in table
    assert "python -m benchmarks.preroll" in table
    assert (quick_run / "results" / "preroll.png").stat().st_size > 1000
