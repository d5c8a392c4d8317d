"""A plate's channels <-> the colour the node works on and the channels an output holds.

Plates come with any number of channels: 1 (Y: a gray film scan), 2 (Y + alpha), 3 (RGB),
4 (RGBA) or more (RGB, alpha and extra channels such as mattes or depth). Colorizing makes
colour: a single luma channel becomes R, G and B (all equal to it, so the plate's luma is kept),
and every channel after the colour ones (alpha, extras) passes through as it came. The output is
named accordingly: a 1-channel sequence in gives RGB out, Y + A gives RGBA, RGBA + Z gives
RGBA + Z.

    rgb, extras = split_plate(plate)           # (H, W, 3) float32, (H, W, k) float32
    plate = join_plate(rgb, extras)            # (H, W, 3 + k)
    colour_plate(plate)                        # both at once: what the node is given
    colour_channel_names(("Y", "A"))           # -> ("R", "G", "B", "A")
    rgb, broken = finite_colour(rgb)          # NaN/inf set to 0, and how many pixels had any
"""
import numpy as np

RGB_NAMES = ("R", "G", "B")


def colour_count(channels):
    """How many of a plate's first channels carry its colour: 1 (luma) below 3 channels, else 3."""
    if channels < 1:
        raise ValueError(f"a plate needs at least one channel, got {channels}")
    return 1 if channels < 3 else 3


def split_plate(plate):
    """plate (H, W, C) with C >= 1 -> (rgb (H, W, 3) float32, extras (H, W, C - colour channels)
    float32). A 1- or 2-channel plate's first channel is its luma, repeated to R, G and B."""
    plate = np.asarray(plate, dtype=np.float32)
    if plate.ndim != 3:
        raise ValueError(f"a plate is an HxWxC array, got shape {plate.shape}")
    count = colour_count(plate.shape[2])
    colour = plate[..., :count]
    rgb = np.repeat(colour, 3, axis=2) if count == 1 else colour
    return rgb, plate[..., count:]


def join_plate(rgb, extras):
    """(rgb (H, W, 3), extras (H, W, k)) -> (H, W, 3 + k) float32: the colour output of a plate."""
    return np.concatenate([np.asarray(rgb, dtype=np.float32), np.asarray(extras, dtype=np.float32)], axis=2)


def colour_plate(plate):
    """A plate of any channel count as (H, W, 3 + extras) float32 (the array itself when it is
    already colour and float32, so RGB(A) plates cost no copy)."""
    plate = np.asarray(plate)
    if plate.ndim == 3 and plate.shape[2] >= 3 and plate.dtype == np.float32:
        return plate
    return join_plate(*split_plate(plate))


def colour_channel_names(names):
    """A plate's channel names -> its colour output's: the luma channel becomes R, G, B; the
    rest keep their names."""
    names = tuple(names)
    count = colour_count(len(names))
    return (RGB_NAMES + names[count:]) if count == 1 else names


def finite_colour(rgb):
    """(H, W, 3) float colour -> (the same with every NaN/inf value set to 0, how many pixels
    held any). Renders and grades produce such values, and one would spread through the
    matching, the motion step and every frame after it; the caller warns in its own words."""
    # A sum is NaN or inf wherever the plate holds one: a finite sum clears the plate at a
    # fraction of the per-pixel test's cost (a sum that overflows only sends it to that test).
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(rgb)):
            return rgb, 0
    broken = int(np.count_nonzero(~np.isfinite(rgb).all(axis=-1)))
    if not broken:
        return rgb, 0
    return np.nan_to_num(rgb, nan=0.0, posinf=0.0, neginf=0.0), broken
