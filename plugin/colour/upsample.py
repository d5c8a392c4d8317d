"""Edge-aware upsampling of predicted chroma, guided by the full-resolution luminance, on ONNX Runtime.

The network predicts ab at its own size; the plate is larger. Plain bilinear upsampling smears
colour across edges. Here the guided filter's local linear model (He, Sun & Tang; the "fast" variant
of He & Sun 2015 that fits at low resolution and applies at full resolution) carries the plate's
edges into the chroma:

    I = L / 100 - 0.5 (guide), p = ab / 100, both at low resolution, box means over (2r+1)^2:
    A = box( cov(I, p) / (var(I) + eps) )      the local slope of chroma against luminance
    b = p - A * I                               pointwise, so the low-res chroma keeps its detail
    ab_full = 100 * (up(A) * I_full + up(b))    up = bilinear (half-pixel centres)

Unlike the textbook filter, b is not box-averaged: averaging b blurs the chroma itself and, on
photographs downsampled 4x, made the result worse than bilinear; with the slope alone smoothed the
error at edges drops by 10-25% (see tests/colour/test_upsample.py).

The graph is defined in `excolor.export.helper_graphs` and shipped as a file per box radius 1..8 (a
pooling window is fixed in a graph); it runs on the execution providers given (CPU here, CUDA
where the node's graphs run on CUDA).
Height, width and eps are dynamic, so one session serves every size. The box means are
AveragePool windows that leave the padding out of their count: exactly the window clipped at the
borders. No torch, no OpenCV.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, ProviderUnavailableError, UsageError
from ..ort.sessions import MAX_RADIUS, SessionsByRadius, import_onnxruntime, run_session, upsampler_graph_name
from ..ort.sessions import UPSAMPLED_AB as OUTPUT_NAME

# Default radius: one low-res pixel per 256 of the low-res short side (1 at usual network sizes).
RADIUS_PER_PIXELS = 256


@dataclass(frozen=True)
class UpsampleSettings:
    """radius: box radius in low-res pixels, 1..MAX_RADIUS (None: from the low-res size, see
    `radius_for`).
    eps: regularisation of the slope, in units of the guide's variance with L scaled to 0..1;
    larger eps follows only stronger luminance edges (sqrt(eps) * 100 ~ the L contrast that counts).
    """

    radius: int | None = None
    eps: float = 1e-3

    def __post_init__(self):
        if self.radius is not None and (not isinstance(self.radius, int) or not 1 <= self.radius <= MAX_RADIUS):
            raise UsageError(f"upsampler radius must be an integer 1..{MAX_RADIUS} or None, got {self.radius!r}")
        if not self.eps > 0:
            raise UsageError(f"upsampler eps must be > 0, got {self.eps!r}")

    def radius_for(self, low_shape: tuple[int, int]) -> int:
        """The box radius used at a low-res size (h, w): `radius`, or one per 256 px of the short
        side (at most MAX_RADIUS, reached from a low-res short side of 1920 px)."""
        if self.radius is not None:
            return self.radius
        return min(MAX_RADIUS, max(1, round(min(low_shape) / RADIUS_PER_PIXELS)))


class GuidedChromaUpsampler:
    """ab at network size -> ab at plate size, edge-aware, on ONNX Runtime (see module doc).

    providers: ONNX Runtime execution providers, as for the node's graphs (names or (name, options)).
    Sessions serve every size; one is made per box radius in use (usually one: radius 1 up to a
    low-res short side of 383 pixels).
    """

    def __init__(self, providers=("CPUExecutionProvider",), settings: UpsampleSettings = UpsampleSettings(), session_options=None):
        ort = import_onnxruntime()  # deferred as in excolor.engine.graph_runtime: the node imports it when made
        wanted = [p if isinstance(p, str) else p[0] for p in providers]
        missing = [p for p in wanted if p not in ort.get_available_providers()]
        if missing:
            raise ProviderUnavailableError(
                f"execution provider(s) {', '.join(missing)} not available in this onnxruntime; "
                f"available: {', '.join(ort.get_available_providers())}"
            )
        self.settings = settings
        self._sessions = SessionsByRadius(upsampler_graph_name, providers, session_options)
        self.providers = self._sessions.get(settings.radius_for((256, 256))).get_providers()

    def __call__(self, l_full: np.ndarray, l_low: np.ndarray, ab_low: np.ndarray) -> np.ndarray:
        """l_full (H, W) L 0..100, l_low (h, w) the network's L, ab_low (2, h, w) -> ab_full (2, H, W) float32."""
        l_full, l_low, ab_low = (np.asarray(a) for a in (l_full, l_low, ab_low))
        if l_full.ndim != 2:
            raise InputError(f"l_full must be (H, W) luminance, got shape {l_full.shape}")
        if l_low.ndim != 2:
            raise InputError(f"l_low must be (h, w) luminance, got shape {l_low.shape}")
        if ab_low.shape != (2,) + l_low.shape:
            raise InputError(f"ab_low must be (2, h, w) matching l_low {l_low.shape}, got shape {ab_low.shape}")
        feeds = {
            "l_full": np.ascontiguousarray(l_full, dtype=np.float32)[None, None],
            "l_low": np.ascontiguousarray(l_low, dtype=np.float32)[None, None],
            "ab_low": np.ascontiguousarray(ab_low, dtype=np.float32)[None],
            "eps": np.array(self.settings.eps, dtype=np.float32),
        }
        session = self._sessions.get(self.settings.radius_for(l_low.shape))
        return run_session(session, feeds, (OUTPUT_NAME,))[0][0]
