"""The no-learning floor: what carrying colour along optical flow gives without any network.

Per frame t of a run (outward from a pinned key), two candidates:
  a  the previous output's ab carried by one OpenCV DIS flow (medium preset) from frame t-1
     (along the run) to t
  b  the key's ab carried by one DIS flow straight from the key's frame to t
each weighted per pixel by how well its warped L fits frame t's L: e = mean |L error| over a
9x9 window, weight of a = 1 / (1 + exp((e_a - e_b) / 0.5)), of b = 1 - that. The key's L is
that of its OpenCV gray (the same conversion as the plates), so both candidates' errors are
measured in the plates' own luma. Pinned protocols only.
"""
from __future__ import annotations

import cv2
import numpy as np
from scipy.special import expit

from excolor.colour.cielab import srgb_to_lab

from .quality_methods import Task, compose, pinned_ab
from .quality_metrics import dis_flow, to_gray8, warp_backward

ERROR_WINDOW = 9
TEMPERATURE = 0.5  # L units: an error difference of 0.5 moves the weight from 0.5 to 0.27


def l_error(warped_l: np.ndarray, frame_l: np.ndarray) -> np.ndarray:
    """Mean |L error| over the 9x9 window around each pixel."""
    return cv2.blur(np.abs(warped_l - frame_l), (ERROR_WINDOW, ERROR_WINDOW))


def history_weight(error_history: np.ndarray, error_key: np.ndarray) -> np.ndarray:
    """Per-pixel weight of the carried history (candidate a): 1 / (1 + exp((e_a - e_b) / T))."""
    return expit((error_key - error_history) / TEMPERATURE)[..., None]


def floor_method(task: Task) -> dict:
    out = {}
    for rgb, frames in task.runs():
        key_frame = frames[0]
        key_ab = np.ascontiguousarray(pinned_ab(task, rgb))
        key_gray8 = to_gray8(rgb)
        key_l = srgb_to_lab(np.repeat(key_gray8[..., None], 3, axis=-1).astype(np.float32) / 255.0)[..., 0]
        ab = key_ab
        out[key_frame] = compose(task.gray_l[key_frame], ab)
        for previous, n in zip(frames, frames[1:]):
            frame_l = task.gray_l[n]
            flow_a = dis_flow(task.gray8[n], task.gray8[previous])  # n -> its predecessor
            flow_b = dis_flow(task.gray8[n], key_gray8)  # n -> the key's frame
            error_a = l_error(warp_backward(task.gray_l[previous], flow_a), frame_l)
            error_b = l_error(warp_backward(key_l, flow_b), frame_l)
            weight = history_weight(error_a, error_b)
            ab = weight * warp_backward(np.ascontiguousarray(ab), flow_a) + (1.0 - weight) * warp_backward(key_ab, flow_b)
            ab = np.ascontiguousarray(ab, dtype=np.float32)
            out[n] = compose(frame_l, ab)
    return out
