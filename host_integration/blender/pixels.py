"""numpy images <-> the flat RGBA buffers of Blender Image datablocks (plain Python, no bpy).

Blender stores an image's pixels as one flat float sequence, RGBA, rows from the bottom up;
numpy images here are HxWxC, rows from the top down.
"""
import numpy as np


def as_rgba(image):
    """HxWxC float image (C = 3, or >= 4 with alpha in channel 3; channels past 4 are dropped,
    an Image datablock holds RGBA only) -> float32 HxWx4, opaque when the image has no alpha."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3 or image.shape[2] < 3:
        raise ValueError(f"expected an HxWxC image with C >= 3, got shape {image.shape}")
    height, width = image.shape[:2]
    rgba = np.ones((height, width, 4), np.float32)
    channels = min(image.shape[2], 4)
    rgba[..., :channels] = image[..., :channels]
    return rgba


def blender_rgba(image):
    """HxWxC float image (as `as_rgba` takes it) -> flat float32 (H*W*4,), rows bottom-up."""
    return np.ascontiguousarray(as_rgba(image)[::-1]).reshape(-1)


def blender_matte(matte):
    """HxW matte in 0..1 -> flat float32 (H*W*4,) gray RGBA (alpha 1), rows bottom-up."""
    matte = np.asarray(matte, dtype=np.float32)
    if matte.ndim != 2:
        raise ValueError(f"expected an HxW matte, got shape {matte.shape}")
    return blender_rgba(np.repeat(matte[..., None], 3, axis=2))


def from_blender_rgba(flat, height, width):
    """Inverse of `blender_rgba`: flat RGBA rows bottom-up -> HxWx4 float32, rows top-down."""
    flat = np.asarray(flat, dtype=np.float32)
    if flat.size != height * width * 4:
        raise ValueError(f"{flat.size} values do not make a {width}x{height} RGBA image")
    return np.ascontiguousarray(flat.reshape(height, width, 4)[::-1])
