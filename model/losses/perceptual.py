"""Perceptual (paper eq. 8) and contextual (eq. 9-10) losses on a feature network's maps.

Pure functions of feature lists (from excolor.model.losses.features): (loss, metrics).
"""
import torch

CONTEXT_BANDWIDTH = 0.1  # h in eq. 9 (paper's value)
CONTEXT_EPS = 1e-5


def perceptual(predicted_features, true_features):
    """Mean squared difference of the deepest feature maps (paper: VGG relu5_2)."""
    loss = ((predicted_features[-1] - true_features[-1]) ** 2).mean()
    return loss, {}


def _contextual_level(predicted, reference, bandwidth):
    """One level: predicted (B,C,H,W), reference (B,C,h,w) -> (B,) forward-matching CX loss."""
    centre = reference.mean(dim=(2, 3), keepdim=True)  # both centred on the reference's mean
    x = torch.nn.functional.normalize((predicted - centre).flatten(2), dim=1)  # (B,C,N)
    y = torch.nn.functional.normalize((reference - centre).flatten(2), dim=1)  # (B,C,M)
    distance = 1.0 - torch.bmm(x.transpose(1, 2), y)  # cosine distance (B,N,M)
    relative = distance / (distance.min(dim=2, keepdim=True).values + CONTEXT_EPS)
    affinity = torch.softmax((1.0 - relative) / bandwidth, dim=2)
    best = affinity.max(dim=2).values.mean(dim=1)  # (B,)
    return -torch.log(best + CONTEXT_EPS)


def contextual(predicted_features, reference_features, level_weights, bandwidth=CONTEXT_BANDWIDTH):
    """Paper eq. 10 with forward matching (each output feature finds its closest reference
    feature); levels weighted by `level_weights` (coarser = more reliable = heavier)."""
    if len(level_weights) != len(predicted_features):
        raise ValueError(
            f"{len(level_weights)} contextual level weights for {len(predicted_features)} levels"
        )
    total = 0.0
    metrics = {}
    for index, (weight, x, y) in enumerate(zip(level_weights, predicted_features, reference_features)):
        level = _contextual_level(x, y, bandwidth).mean()
        metrics[f"contextual_{index}"] = float(level.detach())
        total = total + weight * level
    return total, metrics
