"""What a host's source gives the node for a frame, checked before any work is done on it."""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import InputError
from ..io.channels import colour_plate


def checked_plate(frame, plate):
    """A pulled image -> a float32 colour copy (H, W, 3 + extras) with finite RGB; InputError
    naming the frame otherwise.

    The node takes float HxWxC images in the working space: C >= 3 is RGB and extra channels,
    C of 1 or 2 a gray plate (scanned film) and its alpha, whose luma becomes R, G and B
    (excolor.io.channels). NaN/inf pixels (renders and grades produce them) become 0 with a
    warning, since they would spread through the matching and the motion step.
    """
    if not isinstance(plate, np.ndarray) or plate.ndim != 3 or plate.shape[2] < 1:
        raise InputError(
            f"frame {frame}: the source gave {getattr(plate, 'shape', type(plate).__name__)}, "
            "expected a float32 HxWxC array"
        )
    if not np.issubdtype(plate.dtype, np.floating):
        raise InputError(
            f"frame {frame}: the source gave {plate.dtype} pixels; the node takes float "
            "images in the working space (scale integer frames to 0..1 first)"
        )
    plate = colour_plate(plate.astype(np.float32, copy=True))
    rgb = plate[..., :3]
    if not np.isfinite(rgb).all():
        bad = int((~np.isfinite(rgb)).any(axis=2).sum())
        warnings.warn(f"frame {frame}: {bad} pixels with NaN/inf replaced by 0")
        plate[..., :3] = np.nan_to_num(rgb, nan=0.0, posinf=0.0, neginf=0.0)
    return plate
