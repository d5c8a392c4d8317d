"""The node's full-resolution colour work behind one interface, on the host or as ONNX graphs.

The node works on a frame's lightness at the network size and at the history size (the
plate's, up to 2K on the long side); at the plate's size it needs two things a frame: the
display lightness of the plate on the way in (`lightness`), and on the way out the finished
image: the frame's fused chroma put on the plate's L (upsampled under it first where the plate
is larger than the history, `finish`; as it is otherwise, `finish_full`), taken to display sRGB
and recombined with the plate's luma, with the confidence at the plate's size.
Where the shot's luma kind is known (a pinned key told how its gray plates were made), both
finishes take it and put the chroma on the plate by that kind's convention instead
(`excolor.colour.kind_colour`), so the key's frame comes back as the key.
`HostColourWork` does that in numpy and OpenColorIO in row bands over the host's cores
(`excolor.colour.bands`); `excolor.colour.work_graphs.GraphColourWork` as ONNX graphs on the network's
device. The node picks one when it is made and then calls it without asking which it is.
"""
from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np

from ..timing import StageTimer
from .bands import BandPool
from .cielab import lab_planes_to_srgb, srgb_lightness
from .kind_colour import kind_colour
from .resample import resize


@dataclasses.dataclass(frozen=True, eq=False)
class FullPlate:
    """A plate at full resolution as a ColourWork keeps it from `lightness` to `finish`.

    plate: (H, W, C) float32 as the node pulled it (channels beyond RGB pass through to the
    image). rgb: its RGB where the work runs, (H, W, 3) numpy, or an OrtValue on the device.
    l_full: its display L 0..100, (H, W) numpy on the host; (1, 1, H, W) numpy or an OrtValue
    in the graphs (the shape the upsampler takes).
    """

    plate: np.ndarray
    rgb: object
    l_full: object

    @property
    def height(self):
        return self.plate.shape[0]

    @property
    def width(self):
        return self.plate.shape[1]

    def with_rgb(self, rgb):
        """The finished image: `rgb` (H, W, 3), with the plate's channels beyond RGB (alpha,
        other channels) passed through untouched."""
        if self.plate.shape[2] == 3:
            return rgb
        image = self.plate.copy()
        image[..., :3] = rgb
        return image

    def lightness_on_host(self):
        """l_full as (H, W) numpy on the host: the motion step runs there, so on a device this
        is one download of H x W floats a frame."""
        value = self.l_full if isinstance(self.l_full, np.ndarray) else self.l_full.numpy()
        return value.reshape(self.height, self.width)


class ColourWork(Protocol):
    """What the node asks of its full-resolution colour work. Implementations time their own
    stages on the node's timer: `chroma` (upsampling, where it is a step of its own) and
    `colour_out`."""

    def lightness(self, plate: np.ndarray, content_h: int, content_w: int) -> tuple[FullPlate, np.ndarray]:
        """plate (H, W, C >= 3) float32 in the working space -> (FullPlate, l_content
        (content_h, content_w) float32 numpy: its display L resized to the network's content)."""

    def finish(self, plate: FullPlate, l_low: np.ndarray, ab_low: np.ndarray,
               confidence_low: np.ndarray, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The frame's chroma at a smaller size than the plate's (the history size of a plate
        beyond the history cap): l_low (h, w) the plate's L at that size, ab_low (2, h, w) and
        confidence_low (h, w) -> (image (H, W, C) float32: the plate's luma with ab_low
        upsampled under the plate's L, edge-aware, channels beyond RGB copied; confidence
        (H, W) float32 in 0..1, resized to the plate). kind: the shot's luma kind
        (excolor.colour.luma.LUMA_KINDS; plates in display sRGB only), or None: the chroma on
        the plate's CIE L, recombined on the config's luma."""

    def finish_full(self, plate: FullPlate, ab_full: np.ndarray, confidence: np.ndarray,
                    kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`finish` for chroma already at the plate's size: ab_full (2, H, W) and confidence
        (H, W) are used as they are (no upsampling), so a keyframe comes back exactly."""


class HostColourWork:
    """The colour work in numpy and OpenColorIO on the host's cores (see module doc).

    converter: the node's ColourConverter; upsampler: the node's GuidedChromaUpsampler (one
    ONNX Runtime session per node, shared with the exemplar's upsampling); threads: row-band
    threads (None: one per core); timer: the node's StageTimer (None: a private one).
    """

    def __init__(self, converter, upsampler, threads=None, timer=None):
        self._colour = converter
        self._upsampler = upsampler
        self._bands = BandPool(threads)
        self._timer = timer or StageTimer()

    def lightness(self, plate, content_h, content_w):
        rgb = plate[..., :3]
        l_full = np.empty(plate.shape[:2], np.float32)
        self._bands.run(lambda rgb: srgb_lightness(self._colour.to_display(rgb)), l_full, (rgb, 0))
        return FullPlate(plate, rgb, l_full), resize(l_full, content_h, content_w)

    def finish(self, plate, l_low, ab_low, confidence_low, kind=None):
        with self._timer.stage("chroma"):
            ab_full = self._upsampler(plate.l_full, l_low, ab_low)
        return self.finish_full(plate, ab_full, resize(confidence_low, plate.height, plate.width), kind)

    def finish_full(self, plate, ab_full, confidence, kind=None):
        with self._timer.stage("colour_out"):
            image = plate.plate.copy()
            if kind is None:
                self._bands.run(lambda l, ab, rgb: self._colour.recombine(rgb, lab_planes_to_srgb(l, ab)),
                                image[..., :3], (plate.l_full, 0), (ab_full, 1), (plate.rgb, 0))
            else:
                self._bands.run(lambda l, ab, rgb: kind_colour(rgb, l, ab, kind),
                                image[..., :3], (plate.l_full, 0), (ab_full, 1), (plate.rgb, 0))
            confidence = np.clip(confidence, 0.0, 1.0)
        return image, confidence
