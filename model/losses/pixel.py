"""Pixel losses of the paper's objective (section 3.3): L1 on ab, smoothness, temporal warping.

Conventions: Lab with L centred (L-50) and ab raw; the losses measure ab divided by AB_NORM
(110), so a loss of 0.01 is about 1 ab unit. Each function is pure and returns
(loss scalar tensor, metrics dict of floats).
"""
import torch
from torch.nn import functional as F

AB_NORM = 110.0
SMOOTH_SIGMA = 10.0  # raw ab units: neighbours closer in true chroma than this count fully


def l1_ab(predicted_ab, true_ab, sample_mask):
    """Paper eq. 14 on the samples whose reference shows the same scene.

    predicted_ab, true_ab: (B,2,H,W) raw ab; sample_mask: (B,) float, 1 where the loss applies.
    A batch with no such sample gives 0 (with a graph, so backward still works).
    """
    per_sample = (predicted_ab - true_ab).abs().mean(dim=(1, 2, 3)) / AB_NORM
    count = sample_mask.sum()
    loss = (per_sample * sample_mask).sum() / count.clamp(min=1.0)
    return loss, {"l1_ab_units": float(loss.detach()) * AB_NORM}


def warp_backward(image, flow):
    """Resample image (B,C,H,W) at (x + flow_x, y + flow_y): brings frame t-1 onto frame t when
    `flow` (B,2,H,W, pixels) is the backward flow of the dataset contract. Outside -> 0."""
    batch, _, height, width = image.shape
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=image.dtype, device=image.device),
        torch.arange(width, dtype=image.dtype, device=image.device),
        indexing="ij",
    )
    x = xs + flow[:, 0]
    y = ys + flow[:, 1]
    grid = torch.stack([2.0 * x / max(width - 1, 1) - 1.0, 2.0 * y / max(height - 1, 1) - 1.0], dim=-1)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def temporal_warping(current_ab, previous_ab, flow, valid):
    """Paper eq. 13 with the dataset's exact flow: |m * (W(previous) - current)|, mean over m.

    current_ab, previous_ab: (B,2,H,W) predictions at t and t-1; flow (B,2,H,W) backward flow;
    valid (B,1,H,W) 1 where the flow is defined (not occluded).
    """
    warped = warp_backward(previous_ab, flow)
    difference = (warped - current_ab).abs() * valid
    loss = difference.sum() / (valid.sum() * 2.0).clamp(min=1.0) / AB_NORM
    return loss, {"temporal_ab_units": float(loss.detach()) * AB_NORM}


def _neighbour_shifts(x):
    """The 8 neighbours of every pixel of x (B,C,H,W): list of (B,C,H,W), edge-replicated."""
    height, width = x.shape[-2:]
    padded = F.pad(x, (1, 1, 1, 1), mode="replicate")
    return [
        padded[..., 1 + dy:1 + dy + height, 1 + dx:1 + dx + width]
        for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)
    ]


def smoothness(predicted_ab, true_ab, sigma=SMOOTH_SIGMA):
    """Paper eq. 11: |x(i) - sum_j w_ij x(j)| over the 8-neighbourhood, with edge-aware weights
    from the true chroma: w_ij proportional to exp(-|ab_true(i) - ab_true(j)|^2 / (2 sigma^2)).

    predicted_ab, true_ab: (B,2,H,W) raw ab.
    """
    true_neighbours = _neighbour_shifts(true_ab)
    logits = torch.stack(
        [-((n - true_ab) ** 2).sum(dim=1) / (2.0 * sigma * sigma) for n in true_neighbours], dim=1
    )  # (B,8,H,W)
    weights = torch.softmax(logits, dim=1).detach()
    predicted_neighbours = torch.stack(_neighbour_shifts(predicted_ab), dim=1)  # (B,8,2,H,W)
    average = (weights.unsqueeze(2) * predicted_neighbours).sum(dim=1)
    loss = (predicted_ab - average).abs().mean() / AB_NORM
    return loss, {}
