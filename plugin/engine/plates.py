"""Plates: what a host's source gives the node for a frame, checked and prepared once.

A pulled plate is checked (`checked_plate`), then prepared for what a frame needs of it: its
display lightness at full resolution (the colour work keeps it for the finish), at the network's
content size and padded to the network size (the network's input), and at the history size
(what motion and the fusion work on). `Plates` pulls from the host's source and keeps the
frame last prepared, since a frame's run steps and its finish all ask for the same plate.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from ..colour.resample import pad_edge, resize
from ..errors import InputError
from ..io.channels import colour_plate, finite_colour
from ..timing import StageTimer
from .channel_order import channels_first, channels_first_hint
from .optical_flow import history_size, refuse_small_plate
from .references import L_OFFSET


def checked_plate(frame, plate):
    """A pulled image -> a float32 colour copy (H, W, 3 + extras) with finite RGB; InputError
    naming the frame otherwise.

    The node takes float HxWxC images in the working space: C >= 3 is RGB and extra channels,
    C of 1 or 2 a gray plate (scanned film) and its alpha, whose luma becomes R, G and B
    (excolor.io.channels); a plate under MIN_PLATE_SIDE on a side is refused
    (excolor.engine.optical_flow). NaN/inf pixels (renders and grades produce them) become 0 with a
    warning, since they would spread through the matching and the motion step.
    """
    if not isinstance(plate, np.ndarray) or plate.ndim != 3 or plate.shape[2] < 1:
        raise InputError(
            f"frame {frame}: the source gave {getattr(plate, 'shape', type(plate).__name__)}, "
            "expected a float32 HxWxC array"
        )
    if channels_first(plate.shape):
        raise InputError(f"frame {frame}: the source gave an array the node cannot take"
                         + channels_first_hint(plate.shape))
    if not np.issubdtype(plate.dtype, np.floating):
        raise InputError(
            f"frame {frame}: the source gave {plate.dtype} pixels; the node takes float "
            "images in the working space (scale integer frames to 0..1 first)"
        )
    refuse_small_plate(plate.shape[0], plate.shape[1], f"frame {frame}")
    plate = colour_plate(plate.astype(np.float32, copy=True))
    rgb, broken = finite_colour(plate[..., :3])
    if broken:
        warnings.warn(f"frame {frame}: {broken} pixels with NaN/inf replaced by 0")
        plate[..., :3] = rgb
    return plate


@dataclasses.dataclass(frozen=True)
class NetworkLayout:
    """A plate at network size: scaled to content_h x content_w, edge-padded to net_h x net_w."""

    net_h: int
    net_w: int
    content_h: int
    content_w: int


def network_layout(size_rule, long_side, plate_height, plate_width):
    """The NetworkLayout of a plate size under a model's SizeRule and the node's network long
    side (aspect kept, padded up to the model's multiples, never cropped)."""
    net_h, net_w = size_rule.fit(plate_height, plate_width, long_side)
    scale = min(net_h / plate_height, net_w / plate_width)
    content_h = min(net_h, max(1, round(plate_height * scale)))
    content_w = min(net_w, max(1, round(plate_width * scale)))
    return NetworkLayout(net_h, net_w, content_h, content_w)


def history_lightness(l_full, plate_height, plate_width):
    """The plate's lightness (H, W) at the history size (itself up to the cap)."""
    height, width = history_size(plate_height, plate_width)
    if (height, width) == (plate_height, plate_width):
        return np.ascontiguousarray(l_full, dtype=np.float32)
    return np.ascontiguousarray(resize(l_full, height, width), dtype=np.float32)


@dataclasses.dataclass(frozen=True, eq=False)
class Plate:
    """One source frame prepared for the network and the fusion."""

    frame: int
    full: object  # excolor.colour.work.FullPlate: as pulled (float32, RGB sanitised) and its L
    l_content: np.ndarray  # (content_h, content_w) L 0..100
    l_history: np.ndarray  # (h, w) L 0..100 at the history size, on the host (motion runs there)
    frame_l: np.ndarray  # (1,1,net_h,net_w) centred L, edge-padded
    layout: NetworkLayout


class Plates:
    """Pulls plates from the host's `source` (frame -> float32 HxWxC) and prepares them,
    keeping the frame last pulled.

    colour_work: the node's excolor.colour.work.ColourWork (display L at full and content
    size); layout: callable (plate_height, plate_width) -> NetworkLayout; timer: the node's
    StageTimer (`read`: the source call, `colour_in`: checks and lightness).
    """

    def __init__(self, colour_work, layout, timer=None):
        self._colour_work = colour_work
        self._layout = layout
        self._timer = timer or StageTimer()
        self.source = None
        self._last = None

    def pull(self, frame):
        """The prepared Plate of a frame (the last one pulled is kept)."""
        if self._last is not None and self._last.frame == frame:
            return self._last
        if self.source is None:
            raise InputError("the node has no source: set node.source = callable(frame) -> image")
        with self._timer.stage("read"):
            pulled = self.source(frame)
        with self._timer.stage("colour_in"):
            self._last = self._prepare(frame, pulled)
        return self._last

    def _prepare(self, frame, pulled):
        plate = checked_plate(frame, pulled)
        layout = self._layout(*plate.shape[:2])
        full, l_content = self._colour_work.lightness(plate, layout.content_h, layout.content_w)
        frame_l = pad_edge(l_content - np.float32(L_OFFSET), layout.net_h, layout.net_w)
        l_history = history_lightness(full.lightness_on_host(), full.height, full.width)
        return Plate(frame, full, l_content, l_history,
                     np.ascontiguousarray(frame_l[None, None], dtype=np.float32), layout)

    def forget(self):
        """Drop the kept plate (the source's pixels changed)."""
        self._last = None
