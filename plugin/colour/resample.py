"""Separable image resizing in numpy (no OpenCV at runtime): plates to network size and back.

A resize is separable, rows and columns, each a handful of weighted gathers (the taps of a
triangle, i.e. bilinear, kernel whose support widens with the reduction factor), so downscaling
averages (antialiased, like PIL's BILINEAR) and upscaling interpolates. Pixel centres are aligned (half-pixel convention).
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


@functools.lru_cache(maxsize=64)
def resize_taps(size_in, size_out):
    """The non-zero weights of `resize_matrix` as taps: (index (out, T) int, weight (out, T)).

    T is the widest row's support (2 when enlarging, about 2x the factor when shrinking); rows
    with fewer taps are padded with weight 0, so a resize is T gathers, not a dense product.
    """
    matrix = resize_matrix(size_in, size_out)
    nonzero = matrix != 0
    taps = int(nonzero.sum(axis=1).max())
    first = np.argmax(nonzero, axis=1)  # the support of a row is contiguous
    index = np.minimum(first[:, None] + np.arange(taps)[None, :], size_in - 1)
    weight = np.take_along_axis(matrix, index, axis=1)
    # A clamped duplicate index at the right border must not count twice.
    weight = np.where(first[:, None] + np.arange(taps)[None, :] < size_in, weight, 0.0)
    index.setflags(write=False)
    weight = weight.astype(np.float32)
    weight.setflags(write=False)
    return index, weight


def resize(image, height, width):
    """Resize the last two axes of `image` (..., H, W) float32 to (..., height, width)."""
    image = np.asarray(image, dtype=np.float32)
    in_h, in_w = image.shape[-2:]
    if (in_h, in_w) == (height, width):
        return image.copy()
    # Gathering whole rows is cheap and gathering columns is not: run the column pass on the
    # smaller of the input and the row-resized image.
    if in_h < height:
        return _resize_rows(_resize_columns(image, width), height)
    return _resize_columns(_resize_rows(image, height), width)


def _resize_rows(image, height):
    index, weight = resize_taps(image.shape[-2], height)
    out = np.zeros(image.shape[:-2] + (height, image.shape[-1]), np.float32)
    for tap in range(index.shape[1]):
        out += weight[:, tap, None] * image[..., index[:, tap], :]
    return out


def _resize_columns(image, width):
    index, weight = resize_taps(image.shape[-1], width)
    out = np.zeros(image.shape[:-1] + (width,), np.float32)
    for tap in range(index.shape[1]):
        out += weight[:, tap] * image[..., index[:, tap]]
    return out


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
