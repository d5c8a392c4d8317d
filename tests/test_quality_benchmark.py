"""The quality benchmark's pipeline in --quick mode: it runs end to end and writes finite numbers.

Scores are not asserted (a randomly initialised test model, a few 96-px frames): only that every
method ran through the real code path (the node for the learned ones) and every file was written.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from node_support import shared_test_model

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return shared_test_model(tmp_path_factory)


@pytest.mark.slow
def test_quick_benchmark_writes_table_plots_and_sheets(model_dir, tmp_path):
    out = tmp_path / "results"
    command = [sys.executable, str(ROOT / "benchmarks" / "quality.py"), "--quick", "--out", str(out),
               "--model", str(model_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads((out / "quality.json").read_text())
    results = data["results"]
    methods = {r["method"] for r in results}
    assert methods == {"gray", "global", "flow", "excolor", "warped_ab"}
    assert {(r["clip"], r["protocol"]) for r in results} == {
        ("bigbuckbunny.mp4", "first"), ("bigbuckbunny.mp4", "mid"),
        ("bikes.mp4", "first"), ("bikes.mp4", "mid"), ("bikes.mp4", "cross"),
    }
    for r in results:
        for key in ("psnr", "ab_mae", "warp_error", "truth_warp_error", "colorfulness", "truth_colorfulness"):
            assert math.isfinite(r[key]), (r["clip"], r["protocol"], r["method"], key)
        assert r["frames"] > 0
    # Flow propagation is absent under `cross` (the reference is not in the shot).
    assert not any(r["method"] == "flow" and r["protocol"] == "cross" for r in results)
    assert data["header"]["models"]["excolor"]["manifest_sha256"]
    table = (out / "quality.md").read_text()
    assert "| bikes | cross | excolor |" in table and "QUICK MODE" in table
    for stem in ("bigbuckbunny_first", "bigbuckbunny_mid", "bikes_first", "bikes_mid", "bikes_cross"):
        assert (out / f"quality_psnr_{stem}.png").stat().st_size > 1000
        assert (out / f"quality_sheet_{stem}.jpg").stat().st_size > 1000


def test_metrics_on_real_frames():
    """PSNR, ab MAE and colorfulness behave as defined on a real photo and its gray version."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import quality_metrics as metrics
    from skimage import data

    from excolor.colour import lab_to_srgb, srgb_to_lab

    truth = data.coffee()[::4, ::4].astype(np.float32) / 255.0
    lab = srgb_to_lab(truth)
    gray_lab = lab.copy()
    gray_lab[..., 1:] = 0.0
    gray = np.clip(lab_to_srgb(gray_lab), 0, 1)
    assert metrics.psnr(truth, truth) > 100
    assert 10 < metrics.psnr(gray, truth) < 40
    assert metrics.ab_mae(lab, lab) == 0.0
    assert metrics.ab_mae(gray_lab, lab) == pytest.approx(np.abs(lab[..., 1:]).mean(), rel=1e-5)
    assert metrics.colorfulness(gray) < 1.0 < metrics.colorfulness(truth)
    # A pure shift of a real photo: warping along DIS's backward flow undoes it.
    shifted = np.roll(truth, 3, axis=1)
    motion = metrics.TrueMotion(np.stack([truth, shifted]))
    assert motion.masks[1].mean() > 0.5
    assert motion.pair_error(truth, shifted, 1) < 2.0
    assert motion.pair_error(truth, shifted, 1) < metrics.TrueMotion(np.stack([truth, truth])).pair_error(truth, shifted, 1)
