"""Scoring one method's outputs on one shot (definitions in quality.py's docstring).

Every score but ab MAE is taken on the output's ab recombined with the truth's L
(quality_metrics.with_true_l); ab MAE compares the output's own ab with the truth's. Frames a
key is the true colour of are scored apart ("keyed"), never among the propagated frames,
whether the key was pinned there or given with no frame (so a protocol with no frame named
scores the same frames as its pinned twin).
"""
from __future__ import annotations

import numpy as np

from excolor.colour.cielab import srgb_to_lab

from . import quality_metrics as metrics

# Every 2nd pixel each way of every scored frame: the AUC over a whole clip without 4x the
# memory (each node method holds its pixels until its protocol ends).
MATTE_STRIDE = 2


def new_bucket():
    """Everything one (clip, protocol, method) collects over its shots."""
    return {"rows": [], "keyed": [], "warp": [], "truth_warp": [], "seconds": 0.0, "frames_done": 0,
            "outputs": {},  # only the contact sheet's frames: a whole clip per method is gigabytes
            "usage_sum": {}, "usage_frames": 0, "matte_scores": [], "matte_errors": [], "scan": []}


def distance_to_keys(frame, task):
    keys = task.key_frames
    return min(abs(frame - key) for key in keys) if keys else frame - task.shot[0]


def score_shot(clip, task, outputs, bucket, shot_index):
    """Adds the shot's per-frame rows, keyed frames and warp-error pairs to `bucket`."""
    keyed = set(task.key_frames)
    scored = {n: metrics.with_true_l(outputs[n], clip.truth_l[n]) for n in task.frames()}
    for n in task.frames():
        psnr = metrics.psnr(scored[n], clip.truth[n])
        if n in keyed:
            bucket["keyed"].append({"frame": n, "psnr": psnr})
            continue
        bucket["rows"].append({
            "frame": n, "shot": shot_index, "psnr": psnr,
            "distance": distance_to_keys(n, task),
            "after_key": n - 1 in keyed,
            "between_keys": any(k < n for k in keyed) and any(k > n for k in keyed),
            "ab_mae": metrics.ab_mae(srgb_to_lab(outputs[n]), clip.truth_lab[n]),
            "colorfulness": metrics.colorfulness(scored[n]),
            "truth_colorfulness": metrics.colorfulness(clip.truth[n]),
        })
    for t in range(task.shot[0] + 1, task.shot[1] + 1):
        bucket["warp"].append(clip.motion.pair_error(scored[t - 1], scored[t], t))
        bucket["truth_warp"].append(clip.motion.pair_error(clip.truth[t - 1], clip.truth[t], t))


def add_node_extras(clip, task, outputs, method, bucket, shot_index):
    """The node's candidate usage (weighted by frames), its mattes against the ab error, and
    what its scan made of each key given with no frame."""
    for name, weight in method.usage.items():
        bucket["usage_sum"][name] = bucket["usage_sum"].get(name, 0.0) + weight * method.usage_frames
    bucket["usage_frames"] += method.usage_frames
    bucket["scan"] += [{"shot": shot_index, **record} for record in method.scan]
    keyed = set(task.key_frames)
    for n, matte in method.mattes.items():
        if n in keyed:
            continue
        error = metrics.ab_error(srgb_to_lab(outputs[n]), clip.truth_lab[n])
        bucket["matte_scores"].append(matte[::MATTE_STRIDE, ::MATTE_STRIDE].ravel())
        bucket["matte_errors"].append(error[::MATTE_STRIDE, ::MATTE_STRIDE].ravel())


def node_summary(bucket):
    """{"usage": {candidate: mean weight}, "confidence_auc": float, "scan": [{shot, frame,
    found, best_frame, similarity}, ...]} or {} for a non-node method."""
    if not bucket["matte_scores"]:
        return {}
    frames = max(1, bucket["usage_frames"])
    auc = metrics.confidence_auc(np.concatenate(bucket["matte_scores"]), np.concatenate(bucket["matte_errors"]))
    return {"usage": {name: total / frames for name, total in bucket["usage_sum"].items()},
            "confidence_auc": auc, "scan": bucket["scan"]}
