"""The study of the exemplar in runs from a pinned key (benchmarks/exemplar_in_pinned_runs.py)
in --quick mode end to end: fusions trained two steps on clips recorded from the seeded test
model, exported, and scored with the shipped ones on a few 96-px frames of the quality
benchmark's clips. What is checked is the code path, which candidates each method weighs, the
training records and that the study repeats itself exactly; not the scores (a random model)."""
import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import exemplar_in_pinned_runs as study

ROOT = Path(__file__).resolve().parents[2]
CASES = {("bigbuckbunny.mp4", "first"), ("bigbuckbunny.mp4", "mid"), ("bigbuckbunny.mp4", "two_keys"),
         ("bikes.mp4", "first"), ("bikes.mp4", "mid")}


def run_study(model_dir, clips_dir, folder, methods):
    command = [sys.executable, "-m", "benchmarks.exemplar_in_pinned_runs", "--quick", "--model", str(model_dir),
               "--clips-dir", str(clips_dir), "--work", str(folder / "work"), "--out", str(folder / "out"),
               "--methods", *methods]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((folder / "out" / study.JSON_NAME).read_text())


def fusion_graph(folder, method):
    """The bytes of the fusion graph the study exported for `method` under `folder`."""
    return (folder / "work" / f"{method}_model" / "fusion.onnx").read_bytes()


def without_times(row):
    return {k: v for k, v in row.items() if k != "seconds_per_frame"}


@pytest.mark.slow
def test_the_study_trains_scores_and_repeats_itself(model_dir, clips_dir, tmp_path):
    data = run_study(model_dir, clips_dir, tmp_path / "a", study.METHODS)
    rows = {(r["clip"], r["protocol"], r["method"]): r for r in data["rows"]}
    assert set(rows) == {case + (method,) for case in CASES for method in study.METHODS}
    for key, row in rows.items():
        assert row["frames"] > 0 and math.isfinite(row["psnr"]), key
        assert all(math.isfinite(v) for v in row["psnr_by_distance"].values()), key
        usage = row["usage"]
        # The node's default pinned runs weigh the key's own colours only; the others all four.
        if key[2] in ("shipped", "retrained"):
            assert usage.get("exemplar", 0.0) == 0.0 and usage.get("global", 0.0) == 0.0, key
        else:
            assert usage["exemplar"] > 0.0 and usage["global"] > 0.0, key
    # The two fusions trained with the shipped training's config, bar the quick budget, each
    # with its own candidates in keyed clips.
    shipped = study.shipped_train_config()
    for method, from_pinned in (("variant", ["history", "keyframe", "exemplar", "global"]),
                                ("retrained", ["history", "keyframe"])):
        record = data["training"][method]
        assert record["from_pinned"] == from_pinned and record["steps"] == 2 and record["clips"] == 4
        assert {k: v for k, v in record["train_config"].items() if k not in study.QUICK_TRAINING} == \
            {k: v for k, v in json.loads(json.dumps(dataclasses.asdict(shipped))).items()
             if k not in study.QUICK_TRAINING}
    assert fusion_graph(tmp_path / "a", "variant") != fusion_graph(tmp_path / "a", "retrained")
    table = (tmp_path / "a" / "out" / "exemplar_in_pinned_runs.md").read_text()
    assert "| retrained dB | shipped - retrained | shipped_exemplar - retrained | variant - retrained |" in table
    assert table.count("| all |") == len(CASES)
    # From scratch again: the same weights and the same scores.
    again = run_study(model_dir, clips_dir, tmp_path / "b", ["variant"])
    assert fusion_graph(tmp_path / "b", "variant") == fusion_graph(tmp_path / "a", "variant")
    assert again["training"]["variant"]["held_out"] == data["training"]["variant"]["held_out"]
    assert [without_times(r) for r in again["rows"]] == \
        [without_times(r) for r in data["rows"] if r["method"] == "variant"]


def test_retraining_the_shipped_setting_needs_fewer_steps_than_shipped():
    with pytest.raises(SystemExit, match="pass --steps below 3000"):
        study.main(["--out", "unused", "--methods", "retrained"])
