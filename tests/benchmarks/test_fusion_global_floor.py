"""The study of the global floor in the fusion's training (benchmarks/fusion_global_floor.py) in
--quick mode end to end: fusions trained two steps on clips recorded from the seeded test model
with two floor weights, exported, scored through the node beside the mean colour on a few
96-px frames of bikes (cross protocol), and their errors by kind of unpinned reference on the
clips. What is checked is the code path and that the study repeats itself, not the scores (a
random model)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from benchmarks import fusion_global_floor as study

ROOT = Path(__file__).resolve().parents[2]


def run_study(model_dir, clips_dir, folder):
    command = [sys.executable, "-m", "benchmarks.fusion_global_floor", "--quick", "--model", str(model_dir),
               "--clips-dir", str(clips_dir), "--work", str(folder / "work"), "--out", str(folder / "out"),
               "--weights", "1", "4"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((folder / "out" / study.JSON_NAME).read_text())


@pytest.mark.slow
def test_the_study_trains_each_floor_scores_it_and_repeats_itself(model_dir, clips_dir, tmp_path):
    data = run_study(model_dir, clips_dir, tmp_path / "a")
    assert [(r["clip"], r["protocol"], r["method"]) for r in data["rows"]] == [
        ("bikes.mp4", "cross", method) for method in ("global", "shipped", "floor_1", "floor_4")]
    node_rows = [r for r in data["rows"] if r["method"] != "global"]
    assert all(abs(sum(r["usage"].values()) - 1.0) < 1e-4 and "confidence_auc" in r for r in node_rows)
    assert {name: record["global_floor_weight"] for name, record in data["training"].items()} == {
        "floor_1": 1.0, "floor_4": 4.0}
    # The floor is in each trained checkpoint, so a resume under another weight is refused.
    for name, weight in (("floor_1", 1.0), ("floor_4", 4.0)):
        saved = torch.load(tmp_path / "a" / "work" / name / "last.pt", weights_only=False)
        assert saved["config"]["global_floor_weight"] == weight and saved["state"]["step"] == 2
    # Errors by kind: the unkeyed clips (two of four), each fusion beside both candidates alone.
    assert sum(row["clips"] for row in data["by_kind"].values()) == 2
    for row in data["by_kind"].values():
        assert set(row) == {"clips", "exemplar", "global", "floor_1", "floor_4"}  # another model: no shipped column
        assert all(value > 0 for value in row.values())
    table = (tmp_path / "a" / "out" / "fusion_global_floor.md").read_text()
    assert "| bikes | cross | floor_4 |" in table and "| reference kind |" in table
    again = run_study(model_dir, clips_dir, tmp_path / "b")
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds_per_frame"} for r in rows]  # noqa: E731
    assert strip(again["rows"]) == strip(data["rows"]) and again["by_kind"] == data["by_kind"]
