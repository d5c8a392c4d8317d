"""Separable image resizing in numpy (no OpenCV at runtime): plates to network size and back.

A resize is two small matrix products, rows then columns, with a triangle (bilinear) kernel whose
support widens with the reduction factor, so downscaling averages (antialiased, like PIL's
BILINEAR) and upscaling interpolates. Pixel centres are aligned (half-pixel convention).
"""
from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=64)
def resize_matrix(size_in, size_out):
    """(size_out, size_in) float32 weights mapping a 1-D signal to a new length; rows sum to 1."""
    if size_in < 1 or size_out < 1:
        raise ValueError(f"sizes must be >= 1, got {size_in} -> {size_out}")
    scale = size_in / size_out
    support = max(scale, 1.0)  # kernel radius in input pixels
    centres = (np.arange(size_out, dtype=np.float64) + 0.5) * scale - 0.5
    inputs = np.arange(size_in, dtype=np.float64)
    weights = np.maximum(0.0, 1.0 - np.abs(inputs[None, :] - centres[:, None]) / support)
    empty = weights.sum(axis=1) == 0
    if empty.any():
        # Can only happen at the borders when upscaling a single pixel: take the nearest.
        nearest = np.clip(np.rint(centres[empty]), 0, size_in - 1).astype(int)
        weights[np.nonzero(empty)[0], nearest] = 1.0
    weights /= weights.sum(axis=1, keepdims=True)
    weights.setflags(write=False)
    return weights.astype(np.float32)


def resize(image, height, width):
    """Resize the last two axes of `image` (..., H, W) float32 to (..., height, width)."""
    image = np.asarray(image, dtype=np.float32)
    in_h, in_w = image.shape[-2:]
    if (in_h, in_w) == (height, width):
        return image.copy()
    rows = resize_matrix(in_h, height)
    cols = resize_matrix(in_w, width)
    return np.ascontiguousarray(rows @ image @ cols.T, dtype=np.float32)


def resize_hwc(image, height, width):
    """Resize an HxWxC image (channels last) to height x width x C."""
    planar = np.moveaxis(np.asarray(image, dtype=np.float32), -1, 0)
    return np.ascontiguousarray(np.moveaxis(resize(planar, height, width), 0, -1))


def pad_edge(image, height, width):
    """Pad the last two axes at the bottom/right to (height, width) by repeating the edge."""
    in_h, in_w = image.shape[-2:]
    if in_h > height or in_w > width:
        raise ValueError(f"cannot pad {in_h}x{in_w} down to {height}x{width}")
    widths = [(0, 0)] * (image.ndim - 2) + [(0, height - in_h), (0, width - in_w)]
    return np.pad(image, widths, mode="edge")
