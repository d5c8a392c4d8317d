"""Settings of the pseudo-video generator (all ranges are per item, drawn uniformly unless noted)."""
from __future__ import annotations

import dataclasses

from .sources import ALL_SOURCES

REFERENCE_SELF = 0  # another view of the same picture (crop, zoom, rotation, flip, small recolour)
REFERENCE_SIMILAR = 1  # a different picture that looks alike (colour histogram + gray thumbnail)
REFERENCE_FAR = 2  # a frame of the same pseudo-video far from the current ones
REFERENCE_KINDS = {"self": REFERENCE_SELF, "similar": REFERENCE_SIMILAR, "far": REFERENCE_FAR}


@dataclasses.dataclass(frozen=True)
class PseudoVideoConfig:
    """How pseudo-videos are made. Distances are in frame pixels, angles in radians.

    frames: T consecutive frames per item (>= 2).
    items_per_picture: dataset length = pictures x this (each index draws a new video).
    source_scale: pictures are held in memory at this multiple of the frame's short side.
    crop: fraction of the largest frame-shaped crop of the picture that frame 0 shows.
    speeds: (probability, max speed px/frame) classes of camera speed, drawn in order.
    p_reference: probabilities of the reference kinds (self, similar, far).
    far_offset: (min, max) frames between the last frame and the far reference.
    recolour_hue / recolour_saturation: self-view recolour: ab rotated by up to +-hue and
      scaled by 1 +- saturation (recorded per item in `reference_recolour`).
    """

    frames: int = 3
    items_per_picture: int = 64
    sources: tuple = ALL_SOURCES
    val_fraction: float = 0.1
    source_scale: float = 1.6
    crop: tuple = (0.45, 0.9)
    speeds: tuple = ((0.5, 3.0), (0.35, 10.0), (0.15, 24.0))
    max_log_zoom: float = 0.03
    max_spin: float = 0.012
    max_angle: float = 0.1
    max_persp: float = 0.12  # projective row times the frame's long side
    p_elastic: float = 0.5
    elastic_amplitude: tuple = (1.0, 5.0)
    elastic_cells: int = 6
    p_objects: float = 0.6
    max_objects: int = 3
    object_height: tuple = (0.2, 0.6)  # fraction of the frame height
    object_speed: float = 14.0
    object_max_side: int = 256
    p_reference: tuple = (0.6, 0.2, 0.2)
    far_offset: tuple = (6, 24)
    neighbours: int = 3
    recolour_hue: float = 0.1
    recolour_saturation: float = 0.1
    p_luminance: float = 0.5
    luminance_jitter: float = 0.06  # max relative gain change across the clip
    p_noise: float = 0.4
    noise_sigma: float = 3.0  # max Gaussian noise sigma, 0..255 scale
    p_blur: float = 0.25
    blur_sigma: float = 1.2

    def __post_init__(self):
        if self.frames < 2:
            raise ValueError(f"frames must be >= 2 (the temporal loss needs a pair), got {self.frames}")
        if self.items_per_picture < 1:
            raise ValueError(f"items_per_picture must be >= 1, got {self.items_per_picture}")
        if len(self.p_reference) != 3 or abs(sum(self.p_reference) - 1.0) > 1e-6:
            raise ValueError(f"p_reference must be 3 probabilities summing to 1, got {self.p_reference}")
        if abs(sum(p for p, _ in self.speeds) - 1.0) > 1e-6:
            raise ValueError(f"speed class probabilities must sum to 1, got {self.speeds}")
        if not 0.0 < self.crop[0] <= self.crop[1] <= 1.0:
            raise ValueError(f"crop must be 0 < lo <= hi <= 1, got {self.crop}")

    def still(self) -> "PseudoVideoConfig":
        """The same motion without photometric changes (no jitter, noise, blur, recolour):
        frames then match each other exactly along the flow, as tests check."""
        return dataclasses.replace(
            self, p_luminance=0.0, p_noise=0.0, p_blur=0.0, recolour_hue=0.0, recolour_saturation=0.0
        )
