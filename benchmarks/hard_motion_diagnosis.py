"""The motion steps of the hard-motion benchmark measured against the clip's exact motion.

For every frame t of a clip (hard_motion_clips.HardClip), with its gray plates:

  flow's step       OpenCV DIS-medium from gray8[t] to gray8[t-1] (quality_metrics.dis_flow),
                    what the flow baseline chains;
  history's step    the node's motion (excolor.engine.optical_flow.DisMotion, its default
                    settings) from L[t-1] to L[t]: what carries the run's history;
  keyframe's reach  the node's motion from L[0] (the key's frame) to L[t]: what carries the
                    pinned key's colours straight to frame t.

Each is scored by its end-point error against the exact flow (px, mean over the valid pixels),
and the node's two by what the fusion sees of them: the share of pixels its round trip calls
consistent, the end-point error there, and its error signal (L units, Motion.error). `exact`
is the key's ab carried to each frame along the exact motion: the chroma PSNR a propagation
with perfect motion reaches (bilinear sampling only), the ceiling of every method here.
"""
from __future__ import annotations

import numpy as np

from excolor.colour.cielab import srgb_to_lab
from excolor.engine.optical_flow import DisMotion

from .quality_methods import compose
from .quality_metrics import dis_flow, psnr, warp_backward, with_true_l
from .quality_targets import DISTANCE_BINS, bin_label


def end_point_error(flow, exact):
    """(H,W) px: |flow - exact| per pixel, both (H,W,2)."""
    return np.hypot(flow[..., 0] - exact[..., 0], flow[..., 1] - exact[..., 1])


def _node_flow(motion):
    """A Motion's (H,W,2) flow from its sampling maps."""
    height, width = motion.map_x.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([motion.map_x - xs, motion.map_y - ys], axis=-1)


def _judged(motion, exact, valid):
    """{epe, consistent, epe_consistent, error} of a node Motion against the exact flow."""
    epe = end_point_error(_node_flow(motion), exact)
    consistent = motion.consistent & valid
    return {"epe": float(epe[valid].mean()), "consistent": float(consistent.sum() / valid.sum()),
            "epe_consistent": float(epe[consistent].mean()) if consistent.any() else float("nan"),
            "error": float(motion.error[valid].mean())}


def _mean_rows(rows):
    return {key: float(np.nanmean([row[key] for row in rows])) for key in rows[0]}


def _by_bin(rows_by_distance):
    """{bin label: mean row} over DISTANCE_BINS (1-based distances: frame 0 is the key)."""
    binned = {}
    for lo, hi in DISTANCE_BINS:
        inside = [row for distance, row in rows_by_distance.items() if lo <= distance <= hi]
        if inside:
            binned[bin_label(lo, hi)] = _mean_rows(inside)
    return binned


def diagnose(clip, gray8, gray_l):
    """The module doc's measures of `clip` (a HardClip) with its gray plates gray8 (N,H,W)
    uint8 and their L gray_l (N,H,W) 0..100 -> {"clip", "flow_step", "history_step"
    (means over the frames), "keyframe_reach", "exact_psnr" (by distance bin)}."""
    motion = DisMotion()
    truth = clip.frames.astype(np.float32) / 255.0
    truth_l = srgb_to_lab(truth)[..., 0]
    key_ab = np.ascontiguousarray(srgb_to_lab(truth[0])[..., 1:])
    size = clip.frames.shape[1:3]
    flow_rows, history_rows, reach, exact = [], [], {}, {}
    for t in range(1, len(clip.frames)):
        step, valid = clip.flows[t], clip.valid[t]
        medium = end_point_error(dis_flow(gray8[t], gray8[t - 1]), step)
        flow_rows.append({"epe": float(medium[valid].mean())})
        history_rows.append(_judged(motion.motion(gray_l[t - 1], gray_l[t]), step, valid))
        to_key, key_valid = clip.motion.flow(t, 0, size)
        reach[t] = _judged(motion.motion(gray_l[0], gray_l[t]), to_key, key_valid)
        carried = warp_backward(key_ab, to_key)
        exact[t] = {"psnr": psnr(with_true_l(compose(truth_l[t], carried), truth_l[t]), truth[t])}
    return {"clip": clip.name, "flow_step": _mean_rows(flow_rows), "history_step": _mean_rows(history_rows),
            "keyframe_reach": _by_bin(reach), "exact_psnr": {k: v["psnr"] for k, v in _by_bin(exact).items()}}
