"""Global colour transfer: the reference's chroma as a function of lightness alone.

Where neither motion nor the exemplar match explains a pixel (new content, a reference of
another scene), the safest colour is what the reference's pixels of the same lightness look
like on average: skies stay blue-ish where bright, shadows take the reference's shadow tint.
Where one lightness holds several colours (a red coat and a blue car of equal lightness), their
mean is a hue of neither; there the table falls back to the reference's mean colour, which is
never worse on average than a colour the reference does not hold. How far it falls back is the
lightness's coherence: |mean ab|^2 / mean |ab|^2 over the reference's pixels of that lightness,
measured around the reference's mean colour (1 where they share one chroma, near 0 where they
spread), squared so that only clearly coherent lightnesses keep their own colour.
`LightnessChroma.from_lab` builds that table once per reference (kernel-weighted moments of the
reference's ab over its L), `apply` looks a frame up in it.
"""
from __future__ import annotations

import dataclasses

import numpy as np

# Knots of the table along L (0..100) and the kernel's width there (L units): wide enough
# that a reference without pixels at some lightness borrows from its neighbours.
KNOTS = np.linspace(0.0, 100.0, 41, dtype=np.float32)
KERNEL_SIGMA = 6.0
# Reference pixels (as a mass) that pull a sparsely populated knot toward the overall mean.
PRIOR_MASS = 1e-3


# Frames are looked up at 8-bit lightness steps (0.4 L units), finer than the table varies.
LEVELS = 256


@dataclasses.dataclass(frozen=True, eq=False)
class LightnessChroma:
    """ab (2, len(KNOTS)) float32: the candidate's chroma at each knot's lightness (the
    reference's mean chroma there, pulled toward its overall mean by the coherence);
    coherence (len(KNOTS),) float32 0..1 (module doc); mean (2,) float32 the reference's mean
    chroma; table (3, LEVELS) float32: ab and the coherence interpolated at every 8-bit
    lightness level (channels first, so that a lookup gives a frame's chroma in the engine's
    (2, H, W) layout, and its coherence beside it)."""

    ab: np.ndarray
    coherence: np.ndarray
    mean: np.ndarray
    table: np.ndarray

    @classmethod
    def from_lab(cls, lab):
        """From a reference's CIELAB pixels (h, w, 3), L 0..100 (not centred)."""
        pixels = np.asarray(lab, np.float32).reshape(-1, 3)
        if pixels.shape[0] > 65536:  # a strided subset says the same and costs less
            pixels = pixels[:: pixels.shape[0] // 65536 + 1]
        offsets = (KNOTS[:, None] - pixels[None, :, 0]) / np.float32(KERNEL_SIGMA)
        kernel = np.exp(-0.5 * offsets * offsets)  # (knots, pixels)
        mean = pixels[:, 1:].mean(axis=0)
        mass = kernel.sum(axis=1, keepdims=True)
        prior = np.float32(PRIOR_MASS * pixels.shape[0])
        local = (kernel @ pixels[:, 1:] + prior * mean) / (mass + prior)  # (knots, 2)
        # Moments around the overall mean: a lightness whose pixels all hold the mean colour
        # is coherent too (it needs no fallback).
        offset = pixels[:, 1:] - mean
        power = (kernel @ (offset * offset).sum(axis=1, keepdims=True)) / (mass + prior)
        shift = ((local - mean) ** 2).sum(axis=1, keepdims=True)
        coherence = np.clip(shift / np.maximum(power, np.float32(1e-6)), 0.0, 1.0)
        ab = mean + coherence * coherence * (local - mean)
        ab = np.ascontiguousarray(ab.T, dtype=np.float32)
        levels = np.arange(LEVELS, dtype=np.float32) * np.float32(100.0 / (LEVELS - 1))
        table = np.stack([np.interp(levels, KNOTS, channel) for channel in (*ab, coherence[:, 0])])
        return cls(ab, np.ascontiguousarray(coherence[:, 0], dtype=np.float32), mean.astype(np.float32),
                   np.ascontiguousarray(table, dtype=np.float32))

    def apply(self, lightness):
        """(H, W) L 0..100 -> (3, H, W) float32: chroma a, b and the coherence (0..1)."""
        scale = np.float32((LEVELS - 1) / 100.0)
        levels = np.clip(np.asarray(lightness, np.float32) * scale + np.float32(0.5), 0, LEVELS - 1).astype(np.uint8)
        chroma = np.empty((3,) + levels.shape, np.float32)
        for channel, out in zip(self.table, chroma):  # a lookup per channel: 1.5x faster than table[:, levels]
            np.take(channel, levels, out=out)
        return chroma
