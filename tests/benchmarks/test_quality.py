"""The quality benchmark: its pipeline in --quick mode runs end to end and writes finite numbers
and every section; its protocol, floor baseline and matte score behave as defined on real images.

In --quick mode scores are not asserted (a randomly initialised test model, a few 96-px frames):
only that every method ran through the real code path (the node for the learned ones) and every
file and section was written.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from excolor.colour.cielab import lab_to_srgb, srgb_to_lab
from excolor.files import file_sha256
from skimage import data

from benchmarks import quality_floor
from benchmarks import quality_methods as qm
from benchmarks import quality_metrics as metrics
from benchmarks import quality_targets as targets

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmark_writes_table_plots_and_sheets(model_dir, tmp_path):
    out = tmp_path / "results"
    command = [sys.executable, "-m", "benchmarks.quality", "--quick", "--out", str(out), "--model", str(model_dir)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads((out / "quality.json").read_text())
    results = data["results"]
    methods = {r["method"] for r in results}
    assert methods == {"gray", "global", "flow", "floor", "excolor", "excolor_history", "excolor_exemplar",
                       "excolor_global", "excolor_hand_set", "warped_ab"}
    unnamed = ("first_unnamed", "mid_unnamed", "first_exported_pinned", "first_exported")
    assert {(r["clip"], r["protocol"]) for r in results} == {
        ("bigbuckbunny.mp4", "first"), ("bigbuckbunny.mp4", "mid"), ("bigbuckbunny.mp4", "two_keys"),
        ("bikes.mp4", "first"), ("bikes.mp4", "mid"), ("bikes.mp4", "cross"),
    } | {(clip, protocol) for clip in ("bigbuckbunny.mp4", "bikes.mp4") for protocol in unnamed}
    for r in results:
        for key in ("psnr", "ab_mae", "warp_error", "truth_warp_error", "colorfulness", "truth_colorfulness"):
            assert math.isfinite(r[key]), (r["clip"], r["protocol"], r["method"], key)
        assert r["frames"] > 0
    # Propagation runs only where the key is the frame, pinned.
    assert not any(r["method"] in ("flow", "floor") and r["protocol"] in ("cross",) + unnamed for r in results)
    # Keyed frames are scored apart: the first frame of each quick shot, both keys under two_keys.
    by_key = {(r["clip"], r["protocol"], r["method"]): r for r in results}
    assert [k["frame"] for k in by_key["bikes.mp4", "first", "excolor"]["keyed"]] == [0, 30]
    assert [k["frame"] for k in by_key["bigbuckbunny.mp4", "two_keys", "excolor"]["keyed"]] == [0, 3]
    assert by_key["bigbuckbunny.mp4", "two_keys", "excolor"]["frames"] == 2  # the frames between
    assert math.isfinite(by_key["bigbuckbunny.mp4", "two_keys", "excolor"]["between_keys_psnr"])
    assert math.isnan(by_key["bigbuckbunny.mp4", "first", "excolor"]["between_keys_psnr"])
    assert by_key["bikes.mp4", "cross", "excolor"]["keyed"] == []
    # Flow and the floor return a pinned key as itself.
    for method in ("flow", "floor"):
        assert by_key["bikes.mp4", "first", method]["keyed_psnr_min"] > 45
        assert math.isfinite(by_key["bikes.mp4", "first", method]["after_key_psnr"])
    for method in ("excolor", "excolor_history", "excolor_exemplar", "excolor_global", "excolor_hand_set"):
        usage = by_key["bikes.mp4", "first", method]["usage"]
        assert set(usage) <= {"history", "keyframe", "exemplar", "global"} and usage, usage
        assert all(0.0 <= w <= 1.0 for w in usage.values()), usage
        assert "confidence_auc" in by_key["bikes.mp4", "first", method]
    # An ablated node gives weight only to its one candidate, pinned or not (history alone has
    # nothing to carry at an unpinned run's first frame: the exemplar colours that one).
    for protocol in ("first", "cross", "first_unnamed"):
        for candidate in ("history", "exemplar", "global"):
            usage = by_key["bikes.mp4", protocol, f"excolor_{candidate}"]["usage"]
            others = {"history": ("keyframe", "global")}.get(candidate, set(usage) - {candidate})
            assert sum(usage[name] for name in others) < 1e-6, (protocol, candidate, usage)
    # The node's scan pins a key given with no frame to the frame it is the true colour of, its
    # output is then the pinned key's, and another shot's key is never pinned.
    for protocol, twin in (("first_unnamed", "first"), ("first_exported", "first_exported_pinned")):
        found = by_key["bikes.mp4", protocol, "excolor"]
        assert [(s["frame"], s["found"]) for s in found["scan"]] == [(0, 0), (30, 30)]
        assert found["psnr"] == by_key["bikes.mp4", twin, "excolor"]["psnr"]
        assert [k["frame"] for k in found["keyed"]] == [0, 30]
    assert [s["found"] for s in by_key["bikes.mp4", "cross", "excolor"]["scan"]] == [None, None]
    assert by_key["bikes.mp4", "first", "excolor"]["scan"] == []
    assert data["header"]["models"]["excolor"]["manifest_sha256"] == file_sha256(model_dir / "manifest.json")
    assert data["header"]["models"]["excolor"]["dir"] == model_dir.name  # not this machine's path
    table = (out / "quality.md").read_text()
    assert "| bikes | cross | excolor |" in table and "QUICK MODE" in table
    for section in ("## Summary", "## Cross reference", "## The node's scan", "## Keyed frames",
                    "## The node's candidates", "## Targets"):
        assert section in table
    assert table.index("## Summary") < table.index("## Results")
    assert "| cross: false pins = 0 | 0 |  | met |" in table
    assert "| bigbuckbunny | first | PSNR >= flow + 1 dB |" in table
    assert "| bikes | cross | PSNR >= global + 2 dB |" in table
    for stem in ("bigbuckbunny_first", "bigbuckbunny_mid", "bigbuckbunny_two_keys", "bikes_first", "bikes_mid",
                 "bikes_cross", "bikes_first_exported"):
        assert (out / f"quality_psnr_{stem}.png").stat().st_size > 1000
        assert (out / f"quality_sheet_{stem}.jpg").stat().st_size > 1000


def test_metrics_on_real_frames():
    """PSNR, ab MAE and colorfulness behave as defined on a real photo and its gray version."""

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


def _plates(frames_rgb):
    """A Task's gray plates from true sRGB frames, as the benchmark makes them (8-bit OpenCV gray)."""
    frames8 = (np.clip(frames_rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    gray8 = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames8])
    gray = np.repeat(gray8[..., None], 3, axis=-1).astype(np.float32) / 255.0
    return frames8.astype(np.float32) / 255.0, gray, gray8, srgb_to_lab(gray)[..., 0]


def test_scoring_takes_the_truths_l_so_luma_earns_nothing():
    """The same chroma scores the same whatever L it comes with: OpenCV's gray and the true L."""
    truth = data.coffee()[::4, ::4].astype(np.float32) / 255.0
    lab = srgb_to_lab(truth)
    _, gray, _, _ = _plates(truth[None])
    true_l_gray = lab.copy()
    true_l_gray[..., 1:] = 0.0
    true_l_gray = np.clip(lab_to_srgb(true_l_gray), 0, 1)
    assert metrics.psnr(gray[0], truth) != pytest.approx(metrics.psnr(true_l_gray, truth), abs=0.1)
    scored = [metrics.psnr(metrics.with_true_l(image, lab[..., 0]), truth) for image in (gray[0], true_l_gray)]
    assert scored[0] == pytest.approx(scored[1], abs=0.05)
    # The truth's own chroma on a wrong L scores as the truth.
    darker = lab.copy()
    darker[..., 0] *= 0.8
    assert metrics.psnr(metrics.with_true_l(np.clip(lab_to_srgb(darker), 0, 1), lab[..., 0]), truth) > 35


def test_matte_auc_on_a_known_case():
    """Right pixels (ab error <= 5): confidences 0.9, 0.8, 0.1; wrong: 0.3, 0.8. Of the 6
    (right, wrong) pairs the right one is higher in 3, tied in 1: AUC = 3.5 / 6."""
    confidence = np.array([0.9, 0.8, 0.3, 0.8, 0.1], np.float32)
    error = np.array([1.0, 5.0, 10.0, 8.0, 3.0])
    assert metrics.confidence_auc(confidence, error) == pytest.approx(3.5 / 6)
    assert metrics.confidence_auc(confidence.reshape(5, 1), error.reshape(5, 1)) == pytest.approx(3.5 / 6)


def test_matte_auc_is_the_roc_auc_of_the_ab_error():
    """A matte that falls with the real ab error of a gray photo detects its wrong pixels; a flat
    one is chance; the inverted one is always wrong."""
    truth = data.astronaut()[::4, ::4].astype(np.float32) / 255.0
    _, gray, _, _ = _plates(truth[None])
    error = metrics.ab_error(srgb_to_lab(gray[0]), srgb_to_lab(truth))
    assert 0.05 < (error > metrics.AB_ERROR_THRESHOLD).mean() < 0.95
    matte = 1.0 - error / error.max()
    assert metrics.confidence_auc(matte, error) == pytest.approx(1.0)
    assert metrics.confidence_auc(1.0 - matte, error) == pytest.approx(0.0)
    assert metrics.confidence_auc(np.full_like(matte, 0.7), error) == pytest.approx(0.5)
    assert math.isnan(metrics.confidence_auc(matte, np.zeros_like(error)))


def test_runs_colour_each_frame_from_the_nearest_key():
    frames = np.zeros((12, 2, 2, 3), np.float32)
    key = np.zeros((2, 2, 3), np.float32)
    task = qm.Task(frames, frames[..., 0].astype(np.uint8), frames[..., 0], (0, 11), ((key, 1), (key, 7)))
    assert [frames for _, frames in task.runs()] == [[1, 2, 3, 4], [1, 0], [7, 8, 9, 10, 11], [7, 6, 5]]
    assert sorted(task.outward()) == list(range(12))
    unpinned = qm.Task(frames, frames[..., 0].astype(np.uint8), frames[..., 0], (0, 11), ((key, None),))
    with pytest.raises(ValueError, match="pinned"):
        unpinned.runs()


def test_floor_weights_and_carries_a_real_photo_along_its_motion():
    """The weight formula as specified, and the floor on a real photo panned 3 px a frame: the
    key comes back as itself and the carried chroma stays close to the truth's."""
    assert float(quality_floor.history_weight(np.array([1.0]), np.array([1.0]))[0, 0]) == pytest.approx(0.5)
    assert float(quality_floor.history_weight(np.array([1.5]), np.array([1.0]))[0, 0]) == pytest.approx(
        1.0 / (1.0 + math.exp(1.0)))
    photo = data.coffee()[::3, ::3].astype(np.float32) / 255.0
    truth, gray, gray8, gray_l = _plates(np.stack([np.roll(photo, 3 * t, axis=1) for t in range(4)]))
    task = qm.Task(gray, gray8, gray_l, (0, 3), ((truth[0], 0),))
    floor = quality_floor.floor_method(task)
    gray_only = qm.gray_method(task)
    truth_l = srgb_to_lab(truth)[..., 0]
    scores = [metrics.psnr(metrics.with_true_l(floor[t], truth_l[t]), truth[t]) for t in range(4)]
    assert scores[0] > 45
    for t in (1, 2, 3):
        assert scores[t] > 30
        assert scores[t] > metrics.psnr(metrics.with_true_l(gray_only[t], truth_l[t]), truth[t]) + 5


def _result(method, psnr, **extra):
    """A summarised result as quality_report.summarise writes it, with only what targets read."""
    result = {"method": method, "psnr": psnr, "ab_mae": 2.0, "warp_error": 1.5, "truth_warp_error": 1.4,
              "colorfulness": 15.0, "truth_colorfulness": 16.0, "colorfulness_ratio": 15.0 / 16.0,
              "psnr_by_distance": {"0-9": psnr + 3, "10-29": psnr}, "keyed": [], "keyed_psnr_min": float("nan"),
              "after_key_psnr": psnr + 5}
    result.update(extra)
    return result


def test_targets_mark_each_bound_met_or_missed():
    methods = {
        "flow": _result("flow", 36.0),
        "floor": _result("floor", 38.5),
        "global": _result("global", 33.0),
        "excolor": _result("excolor", 38.0, ab_mae=1.5, warp_error=1.5, confidence_auc=0.85,
                           keyed=[{"frame": 0, "psnr": 52.0}, {"frame": 60, "psnr": 44.0}], keyed_psnr_min=44.0,
                           psnr_by_distance={"0-9": 38.5, "10-29": 37.0}, after_key_psnr=38.9),
    }
    verdicts = {target: verdict for target, _, _, verdict in targets.checks(methods)}
    assert verdicts == {
        "PSNR >= flow + 1 dB": "met",
        "PSNR 0-9 frames from a key >= flow": "missed",
        "PSNR 10-29 frames from a key >= flow": "met",
        "ab MAE <= flow's": "met",
        "frame after a key >= flow's - 2 dB": "missed",
        "PSNR >= floor": "missed",
        "warp error <= 1.1x truth's": "met",
        "colourfulness within 10 % of truth's": "met",
        "every keyed frame >= 45 dB (lowest)": "missed",
        "confidence AUC (right: ab error <= 5) >= 0.75": "met",
    }
    # An exported key is not the truth: its frame is not held to 45 dB.
    assert "every keyed frame >= 45 dB (lowest)" not in {row[0] for row in targets.checks(methods, False)}
    # Under cross there is no flow: the node must beat the global colour by 2 dB instead.
    cross = {"global": _result("global", 33.0), "excolor": _result("excolor", 34.0)}
    verdicts = {target: verdict for target, _, _, verdict in targets.checks(cross)}
    assert verdicts["PSNR >= global + 2 dB"] == "missed"
    assert verdicts["confidence AUC (right: ab error <= 5) >= 0.75"] == "n/a"
    assert targets.checks({"flow": _result("flow", 36.0)}) == []
