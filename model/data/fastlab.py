"""sRGB (0..255 float) -> CIELAB, fast enough for a data loader, to ~0.01 of excolor.colour.cielab.

Same conventions as `excolor.colour.cielab.srgb_to_lab` (scikit-image's: D65/2deg, its Lab constants);
the transfer curve and the Lab curve are looked up in tables instead of evaluated with pow and
cbrt, which costs 4x less. Lookup steps: 1/256 of an 8-bit level for the sRGB decode (< 1e-5 in
linear light), 1/600000 in XYZ for the Lab curve; tests hold the result to 0.02 of the exact one.
"""
from __future__ import annotations

import cv2
import numpy as np

from excolor.colour import cielab

_DECODE_STEPS = 256  # table entries per 8-bit level
_DECODE = cielab.srgb_decode(np.arange(255 * _DECODE_STEPS + 1, dtype=np.float64) / (255.0 * _DECODE_STEPS))
_CURVE_TOP = 1.05  # XYZ/white above 1 cannot come from 0..1 sRGB; clipped there
_CURVE_N = 630000
_t = np.arange(_CURVE_N + 1, dtype=np.float64) * (_CURVE_TOP / _CURVE_N)
_CURVE = np.where(_t > cielab.LAB_EPSILON, np.cbrt(_t), cielab.LAB_KAPPA * _t + cielab.LAB_OFFSET).astype(np.float32)
_TO_XYZ = (cielab.XYZ_FROM_RGB / cielab.WHITE_D65_2[:, None] * (_CURVE_N / _CURVE_TOP)).astype(np.float32)
# f(X), f(Y), f(Z) -> L - 50, a, b in one affine map (L centred as the networks use it).
_TO_LAB = np.array(
    [[0.0, 116.0, 0.0, -16.0 - 50.0], [500.0, -500.0, 0.0, 0.0], [0.0, 200.0, -200.0, 0.0]], np.float32
)


def rgb255_to_lab_centred(rgb: np.ndarray) -> np.ndarray:
    """(H,W,3) float32 sRGB in 0..255 (clipped to it) -> (3,H,W) float32 Lab, L centred (L-50)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {rgb.shape}")
    index = np.clip(rgb, 0.0, 255.0) * np.float32(_DECODE_STEPS) + np.float32(0.5)
    linear = _DECODE[index.astype(np.int32)]
    scaled = cv2.transform(linear, _TO_XYZ)
    np.clip(scaled, 0.0, _CURVE_N, out=scaled)
    curve = _CURVE[(scaled + np.float32(0.5)).astype(np.int32)]
    lab = cv2.transform(curve, _TO_LAB)
    return np.ascontiguousarray(lab.transpose(2, 0, 1))
