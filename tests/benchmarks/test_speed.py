"""The speed benchmark's --quick mode runs end to end and writes finite figures (never a speed
assertion: the machine is shared), the whole renders, the stage profile and the motion section
included, and the node's stage timings cover a rendered frame."""
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.support.node import carphone_frames

ROOT = Path(__file__).resolve().parents[2]


def _finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value) and value >= 0


def _strings(value):
    """Every string in a JSON value."""
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


@pytest.mark.slow
def test_quick_benchmark_writes_finite_figures(model_dir, tmp_path):
    out = tmp_path / "results"
    command = [sys.executable, "-m", "benchmarks.speed", "--quick", "--out", str(out),
               "--work", str(tmp_path / "models"), "--lite", str(model_dir)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "speed.json").read_text())
    assert (out / "speed.md").read_text().count("| lite |") >= 4
    assert len((out / "speed.csv").read_text().splitlines()) == 2  # header + one node case
    (node,) = results["node"]
    assert "error" not in node, node.get("error")
    assert all(_finite(node["latency"][k]) for k in ("median_ms", "p95_ms", "fps"))
    stages = node["stages_ms"]
    assert set(stages) == {"read", "colour_in", "reference", "correspondence", "colorization",
                           "motion", "fusion", "colour_out", "write"}
    assert all(_finite(v) for v in stages.values())
    # The stages are disjoint parts of a frame's latency and cover nearly all of it: their sum
    # (means per frame) lies between the median's two thirds (3 frames: the mean is at least
    # that) and the slowest frame (p95 of 3 frames).
    assert node["latency"]["frames"] == 3
    assert 0.5 * node["latency"]["median_ms"] < sum(stages.values()) <= node["latency"]["p95_ms"]
    assert node["reference_encodes"] == 1 and 0 < node["reference_hit_rate"] < 1
    assert (node["arch"], node["plate"], node["long_side"], node["default_size"]) == ("lite", [72, 128], 64, True)
    (graphs,) = results["graphs"]
    assert "error" not in graphs, graphs.get("error")
    assert graphs["flops_per_frame"] > 0
    assert all(_finite(graphs["cpu"][k]["median_ms"]) for k in ("torch_cpu", "ort_cpu"))
    assert graphs["gpu"]["measured"] is False or _finite(graphs["gpu"]["ort_cuda_fp32"]["median_ms"])
    memory = results["memory"]
    assert {(m["matching"], m["long_side"]) for m in memory} == {
        (m, s) for m in ("dense", "chunked") for s in (64, 96)}
    for row in memory:
        assert "error" not in row, row.get("error")
        assert row["finite"] and _finite(row["peak_rss_mb"])
    pipeline = results["pipeline"]  # `excolor colorize` end to end, I/O in turn and overlapped
    assert {row["io_threads"] for row in pipeline} >= {0, 2}
    assert {row["stream"] for row in pipeline} == {False, True}  # frame cache vs --stream
    for row in pipeline:
        assert "error" not in row, row.get("error")
        assert row["exit_code"] == 0 and row["output_bytes"] > 0 and _finite(row["fps"])
    assert "## End to end" in (out / "speed.md").read_text()
    paths = results["colour_paths"]  # host numpy vs colour graphs, side by side
    assert {row["colour_graphs"] for row in paths} == {False, True}
    for row in paths:
        assert "error" not in row, row.get("error")
        assert _finite(row["latency"]["median_ms"]) and _finite(row["stages_ms"]["colour_out"])
    assert "graphs vs host" in (out / "speed.md").read_text()
    renders = results["renders"]  # whole renders (no --baseline-commit: this code alone)
    assert {(row["case"], row["variant"]) for row in renders} == {("bikes pinned", "this code"),
                                                                ("bikes unpinned", "this code")}
    assert all(row["exit_code"] == 0 and _finite(row["seconds"]) for row in renders), renders
    stages = {(row["shots"], row["motion"]): row for row in results["stages"]}
    assert set(stages) == {(s, m) for s in ("pinned", "unpinned") for m in ("dis", "graph")}
    for (shots, _), row in stages.items():
        assert "error" not in row, row.get("error")
        assert _finite(row["stages_ms"]["motion"])
        assert ("correspondence" in row["stages_ms"]) == (shots == "unpinned")  # a pinned run has no network
    motion = {row["name"]: row for row in results["motion"]}
    assert set(motion) == {"dis, 1 worker", f"dis, {os.cpu_count()} workers", "graph"}
    assert all(_finite(row["latency"]["median_ms"]) and row["epe_median"] < 1.0 for row in motion.values())
    quality = {row["motion"]: row for row in results["motion_quality"]}
    assert set(quality) == {"dis", "graph"} and all(row["psnr_db"] > 20 for row in quality.values())
    text = (out / "speed.md").read_text()
    assert "## Whole renders of real clips against a baseline commit" in text and "## Motion: DIS on the host" in text
    # The report names the models and files it measured, never this machine's paths.
    assert results["models"]["lite"]["chunked"] == model_dir.name
    assert results["models"]["lite"]["dense"] == "lite-dense"
    assert node["model"] == model_dir.name
    assert not [s for s in _strings(results) if os.path.isabs(s) or str(tmp_path) in s]


def test_node_timings_cover_the_stages_of_a_frame(model_dir):
    from excolor.engine.node import ColorizeNode, Keyframe, NodeTuning, Shot
    from excolor.timing import STAGES

    frames = carphone_frames(3)
    node = ColorizeNode(model_dir, device="cpu", tuning=NodeTuning(threads=1))
    node.source = lambda n: frames[n]
    node.shots = [Shot(0, 2, [Keyframe(frames[0], "none")])]  # never pinned: every frame runs the network
    node.render(0)  # the run's first frame: nothing carried yet
    first = node.timings
    assert {"read", "colour_in", "reference", "correspondence", "colorization", "colour_out"} <= set(first)
    node.reset_timings()
    start = time.perf_counter()
    node.render(1)
    wall = time.perf_counter() - start
    timings = node.timings
    # Frame 1 of an unpinned run: every stage once (the reference's code from the node's cache),
    # chroma only for plates beyond the history size.
    assert {name: t.calls for name, t in timings.items()} == {
        "read": 1, "colour_in": 1, "reference": 1, "correspondence": 1, "colorization": 1, "motion": 1,
        "fusion": 1, "colour_out": 1}
    assert set(timings) <= set(STAGES)  # the stages the node documents, in excolor.timing
    # The stages are disjoint parts of the render: together within its wall time, and nearly all
    # of it (measured: 97-99 %; the rest is the node's bookkeeping between stages).
    spent = sum(t.seconds for t in timings.values())
    assert all(t.seconds > 0 for t in timings.values())
    assert 0.5 * wall < spent <= wall
    with pytest.raises(ValueError, match="threads"):
        ColorizeNode(model_dir, device="cpu", tuning=NodeTuning(threads=0))
    assert np.isfinite(node.render(2)).all()
