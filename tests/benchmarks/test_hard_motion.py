"""The hard-motion material and benchmark: the clips are a pure function of their seed, their
known motion is exact (solved to the tolerance, and frame t-1 carried along it is frame t), and
the benchmark's quick mode runs every method through the real node and writes its report.

The quick run uses the randomly initialised test model on a few 96-px frames: its scores are not
asserted beyond being finite; the exact-motion ceiling is (above flow's), since it needs no model.
"""
import math

import numpy as np
import pytest

from benchmarks import hard_motion
from benchmarks import hard_motion_clips as clips
from benchmarks import hard_motion_report
from benchmarks.quality_metrics import dis_flow, warp_backward

SIZE = (60, 80)  # (height, width) of the solver checks


def small_clip(seed, frames=5, long_side=128):
    return clips.make_clips(None, seed, frames, long_side, names=("chelsea",))[0]


def test_a_clip_is_a_pure_function_of_its_seed():
    first, again, other = small_clip(4), small_clip(4), small_clip(5)
    assert np.array_equal(first.frames, again.frames)
    assert all(np.array_equal(a, b) for a, b in zip(first.flows[1:], again.flows[1:]))
    assert not np.array_equal(first.frames[1:], other.frames[1:])
    # Frame 0 is the picture before any motion but the turbulence's: the seed moves it too.
    assert first.frames.shape == (5, 85, 128, 3) and first.frames.dtype == np.uint8


def test_the_flow_solves_the_motion_to_its_tolerance():
    motion = clips.Turbulence.random(7)
    for t, source in ((3, 2), (9, 0)):
        flow, valid = motion.flow(t, source, SIZE)
        ys, xs = np.mgrid[0:SIZE[0], 0:SIZE[1]].astype(np.float64)
        qx, qy = xs + flow[..., 0], ys + flow[..., 1]
        # S_source(q) = S_t(p): the same point of the picture.
        dx, dy = motion.displacement(source, qx, qy)
        shown_x, shown_y = motion.followed_back(source, 0, qx + dx, qy + dy)
        px, py = motion.source_coords(t, SIZE)
        assert np.abs(shown_x - px).max() < 1e-3 and np.abs(shown_y - py).max() < 1e-3
        assert valid.mean() > 0.5 and not valid.all()  # the drift takes an edge out of the frame
        assert np.array_equal(valid, (qx >= 0) & (qx <= SIZE[1] - 1) & (qy >= 0) & (qy <= SIZE[0] - 1))


def test_the_sway_stays_invertible_and_the_current_drifts_apart():
    motion = clips.Turbulence.random(1)
    ys, xs = np.mgrid[0:200, 0:300].astype(np.float64)
    dx, dy = motion.displacement(10.0, xs, ys)
    jacobian = np.stack([np.gradient(dx, axis=1), np.gradient(dx, axis=0),
                         np.gradient(dy, axis=1), np.gradient(dy, axis=0)])
    assert np.abs(jacobian).sum(axis=0).max() < clips.MAX_GRADIENT * 1.05
    assert 2.0 < np.hypot(dx, dy).max() <= clips.SWAY_AMPLITUDE
    # The current never comes back: over 40 frames it carries points tens of px, unevenly.
    fx, fy = motion.followed_back(40, 0, xs, ys)
    travel = np.hypot(fx - xs, fy - ys)
    assert travel.mean() > 15.0 and travel.max() - travel.min() > 10.0


def test_frame_t_is_frame_t_minus_1_carried_along_the_known_flow():
    clip = small_clip(2, frames=4, long_side=160)
    frames = clip.frames.astype(np.float32)
    for t in range(1, len(frames)):
        valid = clip.valid[t]
        carried = np.abs(warp_backward(frames[t - 1], clip.flows[t]) - frames[t])[valid].mean()
        off = np.abs(warp_backward(frames[t - 1], clip.flows[t] + 0.3) - frames[t])[valid].mean()
        still = np.abs(frames[t - 1] - frames[t])[valid].mean()
        gray = [np.ascontiguousarray(f.mean(-1).astype(np.uint8)) for f in (frames[t], frames[t - 1])]
        estimated = np.abs(warp_backward(frames[t - 1], dis_flow(*gray)) - frames[t])[valid].mean()
        # Within two levels of 0..255 (bilinear sampling twice, on fur at its Nyquist limit): far
        # closer than no motion, than the same flow 0.3 px off, and than DIS's estimate.
        assert carried < 2.0 and carried < 0.2 * still, (t, carried, still)
        assert carried < 0.5 * off and carried < 0.8 * estimated, (t, carried, off, estimated)


@pytest.mark.slow
def test_quick_benchmark_runs_every_method_and_writes_its_report(model_dir, tmp_path):
    args = hard_motion.parse_args(["--quick", "--ablations", "--model", str(model_dir), "--out", str(tmp_path)])
    results, diagnoses, sizes, models = hard_motion.run(args)
    path = hard_motion_report.write(args, results, diagnoses, sizes, models, 1.0)
    methods = ("flow", "excolor", "flow_node_motion", "flow_node_motion_refined", "excolor_history",
               "excolor_keyframe", "excolor_hand_set", "excolor_graph_motion")
    assert [(r["clip"], r["method"]) for r in results] == [(c, m) for c in ("chelsea", "coffee") for m in methods]
    for r in results:
        assert r["frames"] == hard_motion.QUICK_FRAMES - 1 and math.isfinite(r["psnr"]), r["method"]
        assert [row["frame"] for row in r["per_frame"]] == list(range(1, hard_motion.QUICK_FRAMES))
        assert math.isfinite(r["warp_error"]) and r["keyed"][0]["frame"] == 0
    by_method = {(r["clip"], r["method"]): r for r in results}
    # The ablated node weighs only its one candidate; the default one weighs the key's colours.
    assert by_method["chelsea", "excolor_keyframe"]["usage"]["keyframe"] == pytest.approx(1.0)
    assert by_method["chelsea", "excolor_history"]["usage"]["history"] == pytest.approx(1.0)
    assert by_method["chelsea", "flow"]["keyed_psnr_min"] > 45  # flow returns the pinned key as itself
    for d in diagnoses:
        # The key carried along the exact motion beats it carried along DIS-medium's estimate.
        flow = by_method[d["clip"], "flow"]["psnr_by_distance"]
        assert all(value > flow[label] for label, value in d["exact_psnr"].items()), (d, flow)
        assert 0.0 < d["history_step"]["consistent"] <= 1.0
    text = path.read_text()
    assert text.startswith("# Hard motion") and "| chelsea | excolor_graph_motion |" in text
    assert "| coffee | 0-9 |" in text and "| 5 |" in text
