"""Hard-motion benchmark: the node's keyed path against plain flow propagation on turbulent motion.

    python -m benchmarks.hard_motion --data-root DATA   # the training data's root -> results/hard_motion.md
    python -m benchmarks.hard_motion                          # scikit-image photos (no fetched data)
    python -m benchmarks.hard_motion --quick --out D          # a few tiny frames (CI: the code path)

(from the repository root, like every benchmark: `benchmarks` is a package).

Clips: benchmarks/hard_motion_clips.py, a real picture under turbulent non-rigid motion (foliage
in wind, water) with a slow camera drift, known exactly; FRAMES frames at LONG_SIDE long side.
Input, keys and scoring as in the quality benchmark (quality.py): the gray plates are OpenCV's
gray of the 8-bit frames, the key is the true colour of frame 0, pinned, and each frame's output
ab on the truth's L is scored by PSNR against the truth (quality_scoring.score_shot), per frame
and by distance to the key (quality_targets.DISTANCE_BINS); the warp error is taken along the
clip's exact motion. Methods (quality_methods.py): flow (the key's ab chained along OpenCV
DIS-medium flow) and excolor (the node: shipped default model and fusion, DIS motion); with
--ablations flow's propagation along the node's own motion step (DisMotion, on L; and with five
refinement iterations), the node fusing only one candidate (history, keyframe), the hand-set
rule, and the node with the motion graph (NodeTuning(motion="graph")). The diagnosis section
(hard_motion_diagnosis.py) measures each motion step against the exact motion.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from excolor.colour.cielab import srgb_to_lab
from excolor.engine.optical_flow import DisMotion, MotionSettings
from excolor.engine.tuning import NodeTuning

from . import hard_motion_clips as clips
from . import hard_motion_diagnosis as diagnosis
from . import hard_motion_report as report
from . import quality_methods as qm
from . import quality_report
from . import quality_scoring as scoring
from .quality_metrics import warp_backward

log = logging.getLogger("hard_motion")

PROTOCOL = "first"  # the key: frame 0's true colour, pinned to it
QUICK_FRAMES = 6
QUICK_LONG_SIDE = 96
QUICK_CLIPS = 2


class KnownMotion:
    """A clip's exact motion as the quality scoring asks for it (quality_metrics.TrueMotion's
    pair_error): flows[t] (H,W,2) backward t -> t-1, valid[t] (H,W) bool."""

    def __init__(self, flows, valid):
        self.flows, self.valid = flows, valid

    def pair_error(self, previous, current, t):
        """Mean |current - previous carried onto it| where the motion is valid, sRGB 0..255."""
        aligned = warp_backward(np.ascontiguousarray(previous, np.float32), self.flows[t])
        return float(np.abs(current - aligned)[self.valid[t]].mean() * 255.0)


class ScoredClip:
    """A hard-motion clip as quality_scoring scores it: the truth, its Lab, the gray plates (as
    quality.Clip makes them) and the exact motion."""

    def __init__(self, clip):
        self.name = clip.name
        self.shots = ((0, len(clip.frames) - 1),)
        self.truth = clip.frames.astype(np.float32) / 255.0
        self.truth_lab = srgb_to_lab(self.truth)
        self.truth_l = self.truth_lab[..., 0]
        self.gray8 = np.stack([cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) for rgb in clip.frames])
        self.gray = np.repeat(self.gray8[..., None], 3, axis=-1).astype(np.float32) / 255.0
        self.gray_l = srgb_to_lab(self.gray)[..., 0]
        self.motion = KnownMotion(clip.flows, clip.valid)

    def task(self):
        """The key: frame 0's true colour, pinned to it."""
        return qm.Task(self.gray, self.gray8, self.gray_l, self.shots[0], ((self.truth[0], 0),))


def carried_by(motion):
    """A flow method chaining the key's ab along `motion` (an excolor.engine.optical_flow
    MotionEstimator) on the plates' L instead of DIS-medium on their gray: flow's propagation
    with the node's motion step, nothing fused."""

    def method(task):
        out = {}
        for rgb, frames in task.runs():
            ab = np.moveaxis(qm.pinned_ab(task, rgb), -1, 0)
            out[frames[0]] = qm.compose(task.gray_l[frames[0]], np.moveaxis(ab, 0, -1))
            for previous, n in zip(frames, frames[1:]):
                ab = motion.motion(task.gray_l[previous], task.gray_l[n]).carry(ab)
                out[n] = qm.compose(task.gray_l[n], np.moveaxis(ab, 0, -1))
        return out

    return method


def build_methods(args):
    """{name: method}: flow and the node, and with --ablations the node's variants and flow's
    propagation with the node's motion step (its default settings, and five refinement
    iterations as DIS-medium has)."""
    methods = {"flow": qm.flow_method, "excolor": qm.NodeMethod(args.model, args.device)}
    if args.ablations:
        methods["flow_node_motion"] = carried_by(DisMotion())
        methods["flow_node_motion_refined"] = carried_by(DisMotion(MotionSettings(refinement_iterations=5)))
        for candidate in ("history", "keyframe"):
            methods[f"excolor_{candidate}"] = qm.NodeMethod(args.model, args.device, candidates=(candidate,))
        methods["excolor_hand_set"] = qm.NodeMethod(args.model, args.device, rule="hand-set")
        methods["excolor_graph_motion"] = qm.NodeMethod(args.model, args.device, tuning=NodeTuning(motion="graph"))
    return methods


def run_clip(clip, methods):
    """[result dict per method] (quality_report.summarise's, per-frame rows included)."""
    task = clip.task()
    results = []
    for name, method in methods.items():
        start = time.perf_counter()
        outputs = method(task)
        bucket = scoring.new_bucket()
        bucket["seconds"] = time.perf_counter() - start
        bucket["frames_done"] = len(outputs)
        scoring.score_shot(clip, task, outputs, bucket, 0)
        if isinstance(method, qm.NodeMethod):
            scoring.add_node_extras(clip, task, outputs, method, bucket, 0)
        result = quality_report.summarise(clip.name, PROTOCOL, name, bucket)
        log.info("%s %s: %.2f dB (%.1f s)", clip.name, name, result["psnr"], bucket["seconds"])
        results.append(result)
    return results


def run(args):
    """(results, diagnoses, clip sizes, {"excolor": model dir}): every method on every clip, and
    the motion diagnosis."""
    frames = QUICK_FRAMES if args.quick else args.frames
    long_side = QUICK_LONG_SIDE if args.quick else args.long_side
    names = clips.picture_names(args.data_root)[:QUICK_CLIPS] if args.quick else None
    methods = build_methods(args)
    results, diagnoses, sizes = [], [], {}
    for hard in clips.make_clips(args.data_root, args.seed, frames, long_side, names):
        clip = ScoredClip(hard)
        sizes[clip.name] = clip.truth.shape[1:3]
        log.info("%s: %d frames at %dx%d", clip.name, len(clip.truth), clip.truth.shape[2], clip.truth.shape[1])
        results += run_clip(clip, methods)
        diagnoses.append(diagnosis.diagnose(hard, clip.gray8, clip.gray_l))
    return results, diagnoses, sizes, {"excolor": methods["excolor"].model_dir}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", type=Path, default=None,
                        help="training data root (its images/): the foliage pictures; default: scikit-image photos")
    parser.add_argument("--quick", action="store_true", help="a few tiny frames (for CI)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    parser.add_argument("--model", default=None, help="model name or dir for the node (default: packaged)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    parser.add_argument("--frames", type=int, default=clips.FRAMES)
    parser.add_argument("--long-side", type=int, default=clips.LONG_SIDE)
    parser.add_argument("--seed", type=int, default=0, help="clip i moves under seed + i")
    parser.add_argument("--ablations", action="store_true",
                        help="also the node fusing one candidate, the hand-set rule and the motion graph")
    # The report's header names the node's motion estimator: DIS, but for excolor_graph_motion.
    parser.set_defaults(motion="dis")
    return parser.parse_args(argv)


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    start = time.perf_counter()
    results, diagnoses, sizes, models = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    path = report.write(args, results, diagnoses, sizes, models, time.perf_counter() - start)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
