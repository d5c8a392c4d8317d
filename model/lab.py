"""CIE Lab <-> sRGB in torch, differentiable, channels first: the training twin of excolor.colour.cielab.

Same conventions as scikit-image and `excolor.colour.cielab` (D65 white, 2-degree observer, sRGB curve,
skimage's Lab constants); tests hold all three to 1e-4 of each other.

Shapes: (B, 3, H, W) (any tensor whose third-from-last axis holds the 3 channels works).
Ranges: rgb display-referred 0..1 (outside values are converted, not clipped); L 0..100, ab raw.
The dtype of the input is kept (float32 for training, float64 for gradcheck).

Every piecewise curve evaluates each branch on an input clamped to that branch's domain, so the
unused branch never produces inf/NaN gradients (torch.where would otherwise multiply them by 0
and leak NaN into the backward pass, e.g. cbrt'(0) = inf).
"""
from __future__ import annotations

import torch

from excolor.colour.cielab import (
    LAB_EPSILON,
    LAB_INV_THRESHOLD,
    LAB_KAPPA,
    LAB_OFFSET,
    RGB_FROM_XYZ,
    SRGB_DECODE_THRESHOLD,
    SRGB_ENCODE_THRESHOLD,
    WHITE_D65_2,
    XYZ_FROM_RGB,
)

CHANNEL_AXIS = -3


def _check(tensor: torch.Tensor, name: str) -> None:
    if tensor.dim() < 3 or tensor.shape[CHANNEL_AXIS] != 3:
        raise ValueError(f"{name} must be channels first with 3 channels, e.g. (B, 3, H, W); got {tuple(tensor.shape)}")
    if not tensor.is_floating_point():
        raise ValueError(f"{name} must be a floating point tensor, got {tensor.dtype}")


def _mix(tensor: torch.Tensor, matrix) -> torch.Tensor:
    """Apply a 3x3 matrix to the channel axis: out[..., i, h, w] = sum_j m[i, j] x[..., j, h, w]."""
    weights = torch.as_tensor(matrix, dtype=tensor.dtype, device=tensor.device)
    return torch.einsum("ij,...jhw->...ihw", weights, tensor)


def srgb_decode(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB-encoded -> linear light, elementwise; negatives follow the linear toe."""
    high = ((rgb.clamp(min=SRGB_DECODE_THRESHOLD) + 0.055) / 1.055) ** 2.4
    return torch.where(rgb > SRGB_DECODE_THRESHOLD, high, rgb / 12.92)


def srgb_encode(linear: torch.Tensor) -> torch.Tensor:
    """Linear light -> sRGB-encoded, elementwise, unclipped."""
    high = 1.055 * linear.clamp(min=SRGB_ENCODE_THRESHOLD) ** (1 / 2.4) - 0.055
    return torch.where(linear > SRGB_ENCODE_THRESHOLD, high, linear * 12.92)


def srgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB (B, 3, H, W) 0..1 -> Lab (B, 3, H, W): L 0..100, a/b raw."""
    _check(rgb, "rgb")
    xyz = _mix(srgb_decode(rgb), XYZ_FROM_RGB / WHITE_D65_2[:, None])
    cube = xyz.clamp(min=LAB_EPSILON) ** (1.0 / 3.0)
    f = torch.where(xyz > LAB_EPSILON, cube, LAB_KAPPA * xyz + LAB_OFFSET)
    fx, fy, fz = f.unbind(CHANNEL_AXIS)
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=CHANNEL_AXIS)


def lab_to_srgb(lab: torch.Tensor) -> torch.Tensor:
    """Lab (B, 3, H, W) (L 0..100, ab raw) -> sRGB (B, 3, H, W), unclipped (out of gamut leaves 0..1)."""
    _check(lab, "lab")
    lightness, a, b = lab.unbind(CHANNEL_AXIS)
    fy = (lightness + 16.0) / 116.0
    f = torch.stack([fy + a / 500.0, fy, fy - b / 200.0], dim=CHANNEL_AXIS)
    cube = f.clamp(min=LAB_INV_THRESHOLD) ** 3
    xyz = torch.where(f > LAB_INV_THRESHOLD, cube, (f - LAB_OFFSET) / LAB_KAPPA)
    return srgb_encode(_mix(xyz, RGB_FROM_XYZ * WHITE_D65_2[None, :]))
