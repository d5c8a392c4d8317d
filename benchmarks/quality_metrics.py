"""Scores of a colorized clip against its true colour (docs: shared/docs/data.md, "Metrics").

All images are float32 sRGB (H,W,3) in 0..1, display-referred; ab in CIELAB (skimage
conventions, excolor.colour.cielab). Nothing here needs learned weights.

  with_true_l(out, truth_l)              the output's ab on the truth's L, back to sRGB: what
                                         the benchmark scores, so a method's luma earns nothing
  psnr(out, truth)                       dB, on sRGB clipped to 0..1 (peak 1)
  ab_mae(out_lab, truth_lab)             mean |a - a'| and |b - b'| (CIELAB units)
  colorfulness(rgb)                      Hasler & Suesstrunk (2003), on 0..255 values
  TrueMotion(truth_frames).warp_error(clip)  mean |out_t - out_{t-1} warped along the truth's
                                         motion| (sRGB 0..255) where forward-backward flow agrees
  confidence_auc(confidence, ab_error)   ROC AUC of the confidence as a detector of right
                                         pixels (ab error <= AB_ERROR_THRESHOLD), from ranks
"""
from __future__ import annotations

import cv2
import numpy as np

from excolor.colour.cielab import lab_to_srgb, srgb_to_lab

# Forward-backward consistency (Sundaram et al. 2010 style): |f + b|^2 < A (|f|^2 + |b|^2) + B
FB_RELATIVE = 0.01
FB_ABSOLUTE = 0.5
AB_ERROR_THRESHOLD = 5.0  # CIELAB ab distance: a visibly wrong colour


def with_true_l(out: np.ndarray, truth_l: np.ndarray) -> np.ndarray:
    """Output (H,W,3) sRGB, unclipped -> Lab, its L replaced by `truth_l` (H,W), back to sRGB
    clipped to 0..1."""
    lab = srgb_to_lab(out)
    lab[..., 0] = truth_l
    return np.clip(lab_to_srgb(lab), 0.0, 1.0)


def ab_error(out_lab: np.ndarray, truth_lab: np.ndarray) -> np.ndarray:
    """(H,W) Euclidean distance between the two ab planes."""
    return np.hypot(out_lab[..., 1] - truth_lab[..., 1], out_lab[..., 2] - truth_lab[..., 2])


def confidence_auc(confidence: np.ndarray, error: np.ndarray) -> float:
    """ROC AUC of `confidence` as a detector of right pixels, ab error <= AB_ERROR_THRESHOLD
    (same-shaped arrays): the chance that a right pixel has a higher confidence than a wrong
    one, ties counting half, i.e. the Mann-Whitney U of the right pixels' ranks over the
    product of the counts. 1: the confidence separates them; 0.5: chance. NaN when every pixel
    is on one side of the threshold."""
    values, right = np.asarray(confidence, np.float64).ravel(), (np.asarray(error) <= AB_ERROR_THRESHOLD).ravel()
    right_count = int(right.sum())
    wrong_count = right.size - right_count
    if not right_count or not wrong_count:
        return float("nan")
    ranks = np.empty(values.size, np.float64)
    order = np.argsort(values, kind="stable")
    _, starts, counts = np.unique(values[order], return_index=True, return_counts=True)
    ranks[order] = np.repeat(starts + (counts + 1) / 2.0, counts)  # 1-based, ties averaged
    u_statistic = ranks[right].sum() - right_count * (right_count + 1) / 2.0
    return float(u_statistic / (right_count * float(wrong_count)))


def psnr(out: np.ndarray, truth: np.ndarray) -> float:
    mse = float(np.mean((np.clip(out, 0.0, 1.0) - np.clip(truth, 0.0, 1.0)) ** 2))
    return 10.0 * np.log10(1.0 / max(mse, 1e-12))


def ab_mae(out_lab: np.ndarray, truth_lab: np.ndarray) -> float:
    return float(np.mean(np.abs(out_lab[..., 1:] - truth_lab[..., 1:])))


def colorfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk's M: sigma_rgyb + 0.3 mu_rgyb on sRGB 0..255."""
    rgb = np.clip(rgb, 0.0, 1.0) * 255.0
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def dis_flow(first_gray: np.ndarray, second_gray: np.ndarray) -> np.ndarray:
    """(H,W,2) float32 flow from `first` to `second` (first's pixel p is at p + flow in second),
    OpenCV DIS (medium preset) on uint8 gray."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(first_gray, second_gray, None)


def warp_backward(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample `image` at p + flow(p) (bilinear, edges replicated): an image aligned to p."""
    height, width = flow.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return cv2.remap(image, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def to_gray8(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2GRAY)


class TrueMotion:
    """The truth's motion between consecutive frames, with its consistency masks.

    frames: (N,H,W,3) float32 true sRGB. For each pair (t-1, t): the backward flow from t to
    t-1 and a mask where it is consistent with the forward flow and stays inside the frame.
    """

    def __init__(self, frames: np.ndarray):
        grays = [to_gray8(f) for f in frames]
        self.backward, self.masks = [None], [None]
        height, width = grays[0].shape
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        for t in range(1, len(grays)):
            back = dis_flow(grays[t], grays[t - 1])  # t -> t-1
            fwd = dis_flow(grays[t - 1], grays[t])  # t-1 -> t
            fwd_at = warp_backward(fwd, back)  # forward flow at the back-projected point
            total = back + fwd_at
            bound = FB_RELATIVE * ((back**2).sum(-1) + (fwd_at**2).sum(-1)) + FB_ABSOLUTE
            qx, qy = xs + back[..., 0], ys + back[..., 1]
            inside = (qx >= 0) & (qx <= width - 1) & (qy >= 0) & (qy <= height - 1)
            self.backward.append(back)
            self.masks.append(((total**2).sum(-1) < bound) & inside)

    def pair_error(self, previous: np.ndarray, current: np.ndarray, t: int) -> float:
        """Mean |current - previous warped onto it| over the mask, sRGB 0..255 units."""
        aligned = warp_backward(previous, self.backward[t])
        mask = self.masks[t]
        if not mask.any():
            return float("nan")
        return float(np.abs(current - aligned)[mask].mean() * 255.0)

    def warp_error(self, frames: np.ndarray, pairs) -> float:
        """Mean pair error over `pairs` (indices t, each scoring t-1 -> t)."""
        errors = [self.pair_error(np.clip(frames[t - 1], 0, 1), np.clip(frames[t], 0, 1), t) for t in pairs]
        errors = [e for e in errors if np.isfinite(e)]
        return float(np.mean(errors)) if errors else float("nan")
