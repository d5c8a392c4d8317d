"""The quality benchmark with the motion graph, compared row by row with DIS: both runs go
through the real node (a test model, a few 96-px frames of one clip), the graph run records its
motion, its node rows differ from DIS's where motion is used, and the comparison names every
node row and refuses a run that is not the graph's."""
import json
import subprocess
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]


def quick_quality(model_dir, out, motion):
    command = [sys.executable, "-m", "benchmarks.quality", "--quick", "--clips", "bikes.mp4", "--protocols", "first",
               "--model", str(model_dir), "--motion", motion, "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / "quality.json"


@pytest.mark.slow
def test_graph_motion_run_is_compared_with_dis_on_every_node_row(model_dir, tmp_path):
    dis = quick_quality(model_dir, tmp_path / "dis", "dis")
    graph = quick_quality(model_dir, tmp_path / "graph", "graph")
    assert json.loads(graph.read_text())["header"]["motion"] == "graph"
    assert json.loads(dis.read_text())["header"]["motion"] == "dis"
    dis_rows = {r["method"]: r for r in json.loads(dis.read_text())["results"]}
    graph_rows = {r["method"]: r for r in json.loads(graph.read_text())["results"]}
    # The history carries colour along the motion: another estimator gives other pixels;
    # the global candidate alone uses no motion and is the same.
    assert graph_rows["excolor_history"]["psnr"] != dis_rows["excolor_history"]["psnr"]
    assert graph_rows["excolor_global"]["psnr"] == dis_rows["excolor_global"]["psnr"]

    out = tmp_path / "compared.md"
    command = [sys.executable, "-m", "benchmarks.motion_graph_quality", str(graph), "--dis", str(dis), "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    table = [line for line in out.read_text().splitlines() if line.startswith("| bikes | first |")]
    assert sorted(line.split(" | ")[2] for line in table) == sorted(
        m for m in dis_rows if m not in ("gray", "global", "flow", "floor"))
    history = next(line for line in table if line.split(" | ")[2] == "excolor_history")
    delta = graph_rows["excolor_history"]["psnr"] - dis_rows["excolor_history"]["psnr"]
    assert f"{delta:.2f}" in history

    refused = subprocess.run([sys.executable, "-m", "benchmarks.motion_graph_quality", str(dis), "--dis", str(dis),
                              "--out", str(tmp_path / "no.md")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "not a run with --motion graph" in refused.stderr
    assert not (tmp_path / "no.md").exists()
