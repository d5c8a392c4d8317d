"""The node's images are channels last (H, W, C); numpy arrays from torch or some readers come
channels first (C, H, W). Such an array would pass for a plate C pixels tall and W channels
wide and fail deep in the motion step, so the node's boundary names the layout instead.
"""

MOST_CHANNELS_FIRST = 4  # RGBA: a leading axis this short is channels, never an image's rows


def channels_first(shape):
    """True for a 3-axis `shape` laid out (C, H, W): C <= 4 before a last axis longer than 4
    (no image is 4 px tall; the node refuses plates under 16 px a side anyway)."""
    return len(shape) == 3 and shape[0] <= MOST_CHANNELS_FIRST < shape[2]


def channels_first_hint(shape):
    """'' or the sentence a refusal adds for a channels-first `shape`."""
    if not channels_first(shape):
        return ""
    return (f"; shape {tuple(shape)} is channels first (C, H, W): the node takes H x W x C, "
            "e.g. np.moveaxis(image, 0, -1)")
