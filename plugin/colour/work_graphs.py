"""The node's full-resolution colour work as ONNX graphs, to run beside the network on its device.

On a GPU the network's graphs take a few milliseconds a frame, while the per-pixel work at plate
size (display L on the way in; guided chroma upsampling, Lab -> sRGB and the luma-preserving
recombine on the way out) costs hundreds of core-milliseconds at 1080p on the host
(benchmarks/results/speed_findings.md). Here that work is ONNX Runtime graphs, so it runs
where the network runs, with the plate uploaded once and only the finished frame coming back.
`GraphColourWork` runs them for the node (an `excolor.colour.work.ColourWork`, like the host's
numpy path beside it):

- `lightness`: plate RGB (H, W, 3) -> l_full (H, W), display L 0..100, and l_content
  (h, w) = rows @ l_full @ columns, the plate at network size (the resize matrices of
  `excolor.colour.resample.resize_matrix`, so the same weights as the host's resize).
- `finish`: the guided upsampler's graph (`excolor.colour.upsample`) followed by Lab ->
  display sRGB and `ColourConverter.recombine` with its gamut limit -> image RGB (H, W, 3); and
  the confidence resized to the plate. `finish_full`: the same for chroma already at the
  plate's size, without the upsampling (the recombine graph).
- With a shot's luma kind (`excolor.colour.kind_colour`), the chroma is upsampled by the
  upsampler's graph and the colour out is the host's, on the plate and its L brought back: that
  convention solves for L per pixel, which no shipped graph does.

The graphs hold the same formulas as `excolor.colour.cielab` and `excolor.colour.management` (tests keep
them to float32 rounding of each other), for the case where those are fixed arithmetic: the
working space is the network's display sRGB itself (`ColourConverter.works_in_model_space`, e.g.
decoded video), so no OpenColorIO transform runs in between. Other working spaces keep the host
path. Defined in `excolor.export.helper_graphs` and shipped as files; the converter's luma weights
are set on the finish sessions' options as initializers; sizes are dynamic. On the CPU these graphs
are slower than the host's numpy in row bands (measured, speed_findings.md): they are for GPUs.
"""
from __future__ import annotations

import functools

import numpy as np

from ..errors import UsageError
from ..ort.providers import CPU_PROVIDER
from ..ort.sessions import (
    LUMA_WEIGHT_SUM,
    LUMA_WEIGHTS,
    SessionsByRadius,
    finish_graph_name,
    graph_session,
    import_onnxruntime,
    recombine_graph_name,
    run_session,
)
from ..timing import StageTimer
from .kind_colour import kind_colour
from .resample import resize_matrix
from .upsample import GuidedChromaUpsampler, UpsampleSettings
from .work import FullPlate

LIGHTNESS_OUTPUTS = ("l_full", "l_content")
FINISH_OUTPUTS = ("image_rgb", "confidence")


@functools.lru_cache(maxsize=16)
def _resize_factors(size_in, size_out):
    """(rows (out, in), columns (in, out)): `resize_matrix` as the left and right factors of a
    resize done as two matrix products."""
    matrix = resize_matrix(size_in, size_out)
    columns = np.ascontiguousarray(matrix.T)
    columns.setflags(write=False)
    return matrix, columns


class GraphColourWork:
    """The node's full-resolution colour work on ONNX Runtime (see module doc); an
    `excolor.colour.work.ColourWork`.

    converter: the node's ColourConverter; it must work in the model space
    (`works_in_model_space`), else UsageError. providers/session_options as for the node's
    graphs; io_binding: keep the plate and its L on the device between the two graphs (CUDA);
    timer: the node's StageTimer, which gets `colour_out` (None: a private one).
    """

    def __init__(self, converter, providers=(CPU_PROVIDER,), session_options=None,
                 settings: UpsampleSettings = UpsampleSettings(), io_binding=False, device="cpu", timer=None):
        ort = import_onnxruntime()  # deferred as in excolor.engine.graph_runtime: the node imports it when made
        if not converter.works_in_model_space:
            raise UsageError(
                f"colour graphs need the working space to be the network's display sRGB; "
                f"{converter.input_space!r} in {converter.config.getName() or 'this config'!r} "
                "needs OpenColorIO between the steps (use the host colour path)"
            )
        self._ort = ort
        self.settings = settings
        # Where bound sessions keep values; None runs the graphs on numpy feeds.
        self._device = device if io_binding else None
        self._timer = timer or StageTimer()
        self._lightness = graph_session("lightness", providers, session_options)
        finish_options = session_options or ort.SessionOptions()
        # The converter's weights replace the finish graphs' placeholder initializers, as the
        # constants they are (graph optimisations see them); their names are the finish graphs'
        # own, so other sessions made with the node's options ignore them. The options hold
        # references only: the OrtValues must live as long as the sessions.
        weights = np.asarray(converter.luma_coefficients, dtype=np.float64)
        self._luma = (ort.OrtValue.ortvalue_from_numpy(weights.astype(np.float32)[:, None]),
                      ort.OrtValue.ortvalue_from_numpy(np.array(np.float32(weights.sum()))))
        finish_options.add_initializer(LUMA_WEIGHTS, self._luma[0])
        finish_options.add_initializer(LUMA_WEIGHT_SUM, self._luma[1])
        self._finish = SessionsByRadius(lambda radius: finish_graph_name(converter.display_referred, radius),
                                        providers, finish_options)
        self._recombine = graph_session(recombine_graph_name(converter.display_referred), providers,
                                        finish_options)
        self.providers = self._lightness.get_providers()
        self._graph_args = (providers, session_options)
        self._upsampler = None  # made on a shot with a luma kind's first frame beyond the history cap

    def lightness(self, plate, content_h, content_w):
        """plate (H, W, C >= 3) float32 -> (FullPlate, l_content (content_h, content_w) numpy)."""
        height, width = plate.shape[:2]
        rgb = np.ascontiguousarray(plate[..., :3], dtype=np.float32)
        if self._device is not None:
            rgb = self._ort.OrtValue.ortvalue_from_numpy(rgb, self._device, 0)
        rows, _ = _resize_factors(height, content_h)
        _, columns = _resize_factors(width, content_w)
        l_full, l_content = run_session(self._lightness, {"plate_rgb": rgb, "rows": rows, "columns": columns},
                                        LIGHTNESS_OUTPUTS, self._device, keep=("l_full",))
        return FullPlate(plate, rgb, l_full), l_content

    def finish(self, plate, l_low, ab_low, confidence_low, kind=None):
        """FullPlate, l_low (h, w), ab_low (2, h, w), confidence_low (h, w) ->
        (image (H, W, C), confidence (H, W)) float32 numpy; channels beyond RGB are the plate's.
        kind: the shot's luma kind, or None (module doc)."""
        if kind is not None:
            if self._upsampler is None:
                providers, options = self._graph_args
                self._upsampler = GuidedChromaUpsampler(providers, self.settings, options)
            with self._timer.stage("chroma"):
                ab_full = self._upsampler(plate.lightness_on_host(), l_low, ab_low)
            rows_up, _ = _resize_factors(confidence_low.shape[0], plate.height)
            _, columns_up = _resize_factors(confidence_low.shape[1], plate.width)
            return self.finish_full(plate, ab_full, rows_up @ confidence_low @ columns_up, kind)
        with self._timer.stage("colour_out"):  # the guided upsampling included
            rows_up, _ = _resize_factors(confidence_low.shape[0], plate.height)
            _, columns_up = _resize_factors(confidence_low.shape[1], plate.width)
            feeds = {
                "l_full": plate.l_full,
                "l_low": np.ascontiguousarray(l_low, dtype=np.float32)[None, None],
                "ab_low": np.ascontiguousarray(ab_low, dtype=np.float32)[None],
                "eps": np.array(self.settings.eps, dtype=np.float32),
                "plate_rgb": plate.rgb,
                "confidence_low": np.ascontiguousarray(confidence_low, dtype=np.float32),
                "rows_up": rows_up,
                "columns_up": columns_up,
            }
            finish = self._finish.get(self.settings.radius_for(l_low.shape))
            rgb, confidence = run_session(finish, feeds, FINISH_OUTPUTS, self._device)
            return plate.with_rgb(rgb), confidence

    def finish_full(self, plate, ab_full, confidence, kind=None):
        """`finish` for ab_full (2, H, W) already at the plate's size (no upsampling)."""
        if kind is not None:
            with self._timer.stage("colour_out"):
                rgb = plate.rgb if isinstance(plate.rgb, np.ndarray) else plate.rgb.numpy()
                image = kind_colour(rgb, plate.lightness_on_host(), np.asarray(ab_full, np.float32), kind)
                return plate.with_rgb(image), np.clip(confidence, 0.0, 1.0).astype(np.float32)
        with self._timer.stage("colour_out"):
            feeds = {"l_full": plate.l_full, "plate_rgb": plate.rgb,
                     "ab_full": np.ascontiguousarray(ab_full, dtype=np.float32)[None]}
            (rgb,) = run_session(self._recombine, feeds, ("image_rgb",), self._device)
            confidence = np.clip(confidence, 0.0, 1.0).astype(np.float32)
            return plate.with_rgb(rgb), confidence
