"""CIE Lab <-> sRGB in numpy, for the runtime (no torch).

Conventions are scikit-image's (`skimage.color.rgb2lab` / `lab2rgb` with their defaults), because
the network was trained on them: sRGB primaries with the D65 white, the 2-degree observer white
point (0.95047, 1.0, 1.08883), the sRGB transfer curve, and the CIE Lab curve with skimage's
constants (0.008856, 7.787). `excolor.model.lab` is the torch twin of this module; tests hold the
two and scikit-image to 1e-4 of each other.

Shapes: any leading dimensions, channels last: rgb[..., 3] and lab[..., 3].
Ranges: rgb display-referred 0..1 (values outside are converted, not clipped);
L 0..100, a and b raw (roughly -128..127).
"""
from __future__ import annotations

import numpy as np

# sRGB (linear) -> XYZ, the matrix scikit-image uses (from the sRGB specification).
XYZ_FROM_RGB = np.array(
    [
        [0.412453, 0.357580, 0.180423],
        [0.212671, 0.715160, 0.072169],
        [0.019334, 0.119193, 0.950227],
    ],
    dtype=np.float64,
)
# Inverted in float64 once so both directions are exact inverses of each other.
RGB_FROM_XYZ = np.linalg.inv(XYZ_FROM_RGB)
# D65, 2-degree observer, as scikit-image tabulates it.
WHITE_D65_2 = np.array([0.95047, 1.0, 1.08883], dtype=np.float64)

# Lab curve constants (scikit-image's, not the exact CIE 216/24389 and 24389/27).
LAB_EPSILON = 0.008856
LAB_KAPPA = 7.787
LAB_OFFSET = 16.0 / 116.0
# Where the inverse curve switches branch: f(LAB_EPSILON), the value skimage uses.
LAB_INV_THRESHOLD = 0.2068966

# sRGB transfer curve.
SRGB_DECODE_THRESHOLD = 0.04045
SRGB_ENCODE_THRESHOLD = 0.0031308


def _as_float32_rgb(array: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim < 1 or array.shape[-1] != 3:
        raise ValueError(f"{name} must have 3 channels in its last axis, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"{name} must be a float array (0..1 for rgb, L 0..100 for lab), got dtype {array.dtype}; "
            "convert integer images with e.g. image / 255"
        )
    return array.astype(np.float32, copy=False)


def srgb_decode(rgb: np.ndarray) -> np.ndarray:
    """sRGB-encoded values -> linear light, elementwise. Negative values follow the linear toe."""
    rgb = np.asarray(rgb, dtype=np.float32)
    high = np.power((np.maximum(rgb, SRGB_DECODE_THRESHOLD) + 0.055) / 1.055, 2.4, dtype=np.float32)
    return np.where(rgb > SRGB_DECODE_THRESHOLD, high, rgb / np.float32(12.92)).astype(np.float32)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """Linear light -> sRGB-encoded values, elementwise, unclipped (negatives use the linear toe)."""
    linear = np.asarray(linear, dtype=np.float32)
    high = np.float32(1.055) * np.power(
        np.maximum(linear, SRGB_ENCODE_THRESHOLD), np.float32(1 / 2.4), dtype=np.float32
    ) - np.float32(0.055)
    return np.where(linear > SRGB_ENCODE_THRESHOLD, high, linear * np.float32(12.92)).astype(np.float32)


def _matmul_channels(array: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    return (array @ matrix.T.astype(np.float32)).astype(np.float32, copy=False)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (display-referred, 0..1, float) [..., 3] -> CIE Lab [..., 3] float32 (L 0..100, ab raw)."""
    rgb = _as_float32_rgb(rgb, "rgb")
    xyz = _matmul_channels(srgb_decode(rgb), XYZ_FROM_RGB / WHITE_D65_2[:, None])
    cube = np.cbrt(xyz)
    f = np.where(xyz > LAB_EPSILON, cube, np.float32(LAB_KAPPA) * xyz + np.float32(LAB_OFFSET))
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    lab = np.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)
    return lab.astype(np.float32, copy=False)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIE Lab [..., 3] (L 0..100, ab raw) -> sRGB [..., 3] float32, unclipped.

    Unlike scikit-image, nothing is clipped (neither negative Z nor the final 0..1 range): colours
    outside the sRGB gamut come back as values outside 0..1, so the caller decides how to bring
    them in (the node reduces chroma at constant luma instead of clipping per channel).
    """
    lab = _as_float32_rgb(lab, "lab")
    fy = (lab[..., 0] + np.float32(16.0)) / np.float32(116.0)
    f = np.stack([fy + lab[..., 1] / np.float32(500.0), fy, fy - lab[..., 2] / np.float32(200.0)], axis=-1)
    xyz = np.where(f > LAB_INV_THRESHOLD, f * f * f, (f - np.float32(LAB_OFFSET)) / np.float32(LAB_KAPPA))
    linear = _matmul_channels(xyz.astype(np.float32), RGB_FROM_XYZ * WHITE_D65_2[None, :])
    return srgb_encode(linear)


# -- the node's per-frame path: same conventions, fewer passes over full-resolution images --------
# The functions above are the reference (and feed training data); these two compute the same
# values (to float32 rounding, ~1e-6 relative) in place, with exp/log instead of pow (numpy
# vectorises those in float32) and without building the parts the node does not use.


def _decode_in_place(values: np.ndarray) -> np.ndarray:
    """srgb_decode into a new float32 array with few temporaries (same branches as srgb_decode)."""
    threshold = np.float32(SRGB_DECODE_THRESHOLD)
    out = np.maximum(values, threshold)
    out += np.float32(0.055)
    out *= np.float32(1 / 1.055)
    np.log(out, out=out)
    out *= np.float32(2.4)
    np.exp(out, out=out)
    np.divide(values, np.float32(12.92), out=out, where=values <= threshold)
    return out


def _encode_in_place(linear: np.ndarray) -> np.ndarray:
    """srgb_encode of a float32 array, overwriting it (same branches as srgb_encode)."""
    threshold = np.float32(SRGB_ENCODE_THRESHOLD)
    low = linear <= threshold
    toe = linear[low] * np.float32(12.92)
    np.maximum(linear, threshold, out=linear)
    np.log(linear, out=linear)
    linear *= np.float32(1 / 2.4)
    np.exp(linear, out=linear)
    linear *= np.float32(1.055)
    linear -= np.float32(0.055)
    linear[low] = toe
    return linear


def _lab_curve_inverse(f: np.ndarray) -> np.ndarray:
    """f -> f^3 above LAB_INV_THRESHOLD, the linear toe below (lab_to_srgb's branch), float32."""
    out = f * f
    out *= f
    low = f <= np.float32(LAB_INV_THRESHOLD)
    out[low] = (f[low] - np.float32(LAB_OFFSET)) / np.float32(LAB_KAPPA)
    return out


def _mix_channels(values: np.ndarray, weights) -> np.ndarray:
    """sum_c weights[c] * values[..., c] as float32, by elementwise passes: a 3-wide BLAS
    product is no faster here and its threads stall when the cores are shared."""
    weights = np.asarray(weights, dtype=np.float32)
    out = values[..., 0] * weights[0]
    out += values[..., 1] * weights[1]
    out += values[..., 2] * weights[2]
    return out


def srgb_lightness(rgb: np.ndarray) -> np.ndarray:
    """CIE L (0..100) of sRGB [..., 3] float -> [...] float32, without computing a and b.

    Equal to srgb_to_lab(rgb)[..., 0] to float32 rounding (~1e-5 in L).
    """
    rgb = _as_float32_rgb(rgb, "rgb")
    linear = _decode_in_place(rgb)
    y = _mix_channels(linear, XYZ_FROM_RGB[1] / WHITE_D65_2[1])
    lightness = np.cbrt(y)
    low = y <= np.float32(LAB_EPSILON)
    lightness[low] = np.float32(LAB_KAPPA) * y[low] + np.float32(LAB_OFFSET)
    lightness *= np.float32(116.0)
    lightness -= np.float32(16.0)
    return lightness


def lab_planes_to_srgb(lightness: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """L (H,W) 0..100 and ab (2,H,W) raw -> sRGB (H,W,3) float32, unclipped.

    lab_to_srgb for planar inputs (what the node holds), equal to it to float32 rounding.
    """
    lightness = np.asarray(lightness, dtype=np.float32)
    ab = np.asarray(ab, dtype=np.float32)
    if lightness.ndim != 2 or ab.shape != (2,) + lightness.shape:
        raise ValueError(f"need L (H,W) and ab (2,H,W), got {lightness.shape} and {ab.shape}")
    fy = lightness + np.float32(16.0)
    fy *= np.float32(1 / 116.0)
    fx = ab[0] * np.float32(1 / 500.0)
    fx += fy
    fz = ab[1] * np.float32(-1 / 200.0)
    fz += fy
    xyz = np.stack([_lab_curve_inverse(f) for f in (fx, fy, fz)], axis=-1)  # (H,W,3)
    matrix = RGB_FROM_XYZ * WHITE_D65_2[None, :]
    linear = np.stack([_mix_channels(xyz, row) for row in matrix], axis=-1)
    return _encode_in_place(linear)
