"""The node's full-resolution colour work as ONNX graphs, to run beside the network on its device.

On a GPU the network's graphs take a few milliseconds a frame, while the per-pixel work at plate
size (display L on the way in; guided chroma upsampling, Lab -> sRGB and the luma-preserving
recombine on the way out) costs hundreds of core-milliseconds at 1080p on the host
(benchmarks/results/speed_findings.md). Here that work is two graphs for ONNX Runtime, so it runs
where the network runs, with the plate uploaded once and only the finished frame coming back.
`GraphColourWork` runs them for the node (an `excolor.colour_work.ColourWork`, like the host's
numpy path beside it):

- `lightness`: plate RGB (H, W, 3) -> l_full (H, W), display L 0..100, and l_content
  (h, w) = rows @ l_full @ columns, the plate at network size (the resize matrices of
  `excolor.resample.resize_matrix`, so the same weights as the host's resize).
- `finish`: the guided upsampler's graph (`excolor.upsample.build_graph`) followed by Lab ->
  display sRGB and `ColourConverter.recombine` with its gamut limit -> image RGB (H, W, 3); and
  the confidence matte resized to the plate.

The graphs hold the same formulas as `excolor.colour` and `excolor.colour_management` (tests keep
them to float32 rounding of each other), for the case where those are fixed arithmetic: the
working space is the network's display sRGB itself (`ColourConverter.works_in_model_space`, e.g.
decoded video), so no OpenColorIO transform runs in between. Other working spaces keep the host
path. Built with onnx.helper when the node is made; sizes are dynamic. On the CPU these graphs
are slower than the host's numpy in row bands (measured, speed_findings.md): they are for GPUs.
"""
from __future__ import annotations

import functools

import numpy as np

from .colour import (LAB_EPSILON, LAB_INV_THRESHOLD, LAB_KAPPA, LAB_OFFSET, RGB_FROM_XYZ,
                     SRGB_DECODE_THRESHOLD, SRGB_ENCODE_THRESHOLD, WHITE_D65_2, XYZ_FROM_RGB)
from .colour_work import FullPlate
from .errors import UsageError
from .onnx_graphs import GraphBuilder, graph_session, onnx_model, run_session
from .resample import resize_matrix
from .runtime import CPU_PROVIDER
from .timing import StageTimer
from .upsample import OUTPUT_NAME as UPSAMPLED_AB, SessionsByRadius, UpsampleSettings
from .upsample import build_graph as build_upsampler_graph

LIGHTNESS_OUTPUTS = ("l_full", "l_content")
FINISH_OUTPUTS = ("image_rgb", "confidence")


def _lightness_of_display(g, rgb):
    """L 0..100 of display sRGB (..., 3) -> (..., 1), as `excolor.colour.srgb_lightness`."""
    # sRGB decode, both branches, the upper one on max(x, threshold) as the host does.
    upper = g.op("Pow", g.op("Mul", g.op("Add", g.op("Max", rgb, g.const(SRGB_DECODE_THRESHOLD)),
                                         g.const(0.055)), g.const(1 / 1.055)), g.const(2.4))
    linear = g.op("Where", g.op("LessOrEqual", rgb, g.const(SRGB_DECODE_THRESHOLD)),
                  g.op("Div", rgb, g.const(12.92)), upper)
    y = g.op("MatMul", linear, g.const((XYZ_FROM_RGB[1] / WHITE_D65_2[1])[:, None]))
    # Cube root above the Lab epsilon (y > 0 there, so Pow is exact enough), the linear toe below.
    curve = g.op("Where", g.op("Greater", y, g.const(LAB_EPSILON)),
                 g.op("Pow", g.op("Max", y, g.const(LAB_EPSILON)), g.const(1 / 3)),
                 g.op("Add", g.op("Mul", y, g.const(LAB_KAPPA)), g.const(LAB_OFFSET)))
    return g.op("Sub", g.op("Mul", curve, g.const(116.0)), g.const(16.0))


def build_lightness_graph():
    """plate_rgb (H, W, 3), rows (h, H), columns (W, w) float32 -> l_full (1, 1, H, W),
    l_content (h, w).

    The plate is clipped to 0..1 first, as `ColourConverter.to_display` does for the network.
    """
    g = GraphBuilder("lightness_")
    display = g.op("Clip", "plate_rgb", g.const(0.0), g.const(1.0))
    l_full = g.op("Squeeze", _lightness_of_display(g, display), g.const([2], np.int64))
    g.output("l_full", g.op("Unsqueeze", l_full, g.const([0, 1], np.int64)))  # as the upsampler takes it
    g.output("l_content", g.op("MatMul", g.op("MatMul", "rows", l_full), "columns"))
    graph = g.graph(
        "excolor_display_lightness",
        [g.tensor("plate_rgb", ["height", "width", 3]), g.tensor("rows", ["low_height", "height"]),
         g.tensor("columns", ["width", "low_width"])],
        [g.tensor("l_full", [1, 1, "height", "width"]), g.tensor("l_content", ["low_height", "low_width"])],
    )
    return onnx_model(graph)


def _lab_to_display(g, l_full, ab_full):
    """L (1, 1, H, W) and ab (1, 2, H, W) -> display sRGB (H, W, 3), as
    `excolor.colour.lab_planes_to_srgb` (unclipped)."""
    fy = g.op("Mul", g.op("Add", l_full, g.const(16.0)), g.const(1 / 116.0))
    a, b = g.op("Split", ab_full, g.const([1, 1], np.int64), outputs=2, axis=1)
    fx = g.op("Add", g.op("Mul", a, g.const(1 / 500.0)), fy)
    fz = g.op("Add", g.op("Mul", b, g.const(-1 / 200.0)), fy)
    f = g.op("Transpose", g.op("Concat", fx, fy, fz, axis=1), perm=[0, 2, 3, 1])  # (1, H, W, 3)
    cube = g.op("Mul", g.op("Mul", f, f), f)
    toe = g.op("Div", g.op("Sub", f, g.const(LAB_OFFSET)), g.const(LAB_KAPPA))
    xyz = g.op("Where", g.op("LessOrEqual", f, g.const(LAB_INV_THRESHOLD)), toe, cube)
    matrix = RGB_FROM_XYZ * WHITE_D65_2[None, :]
    linear = g.op("Squeeze", g.op("MatMul", xyz, g.const(matrix.T)), g.const([0], np.int64))
    upper = g.op("Sub", g.op("Mul", g.op("Pow", g.op("Max", linear, g.const(SRGB_ENCODE_THRESHOLD)),
                                         g.const(1 / 2.4)), g.const(1.055)), g.const(0.055))
    return g.op("Where", g.op("LessOrEqual", linear, g.const(SRGB_ENCODE_THRESHOLD)),
                g.op("Mul", linear, g.const(12.92)), upper)


def _recombine(g, plate, colour, luma_coefficients, display_referred):
    """`ColourConverter.recombine` for a working space that is display sRGB (no OCIO transform,
    chroma as an offset), followed by `gamut_limited`: (H, W, 3) plate and colour -> (H, W, 3)."""
    weights = np.asarray(luma_coefficients, dtype=np.float32)
    weight_sum = np.float32(np.asarray(luma_coefficients, dtype=np.float64).sum())
    column = g.const(weights[:, None])
    luma_plate = g.op("MatMul", plate, column)  # (H, W, 1)
    luma_colour = g.op("MatMul", colour, column)
    chroma = g.op("Sub", colour, g.op("Div", luma_colour, g.const(weight_sum)))
    # Take out what luma the offset still carries (rounding), as the host does.
    chroma = g.op("Sub", chroma, g.op("Div", g.op("MatMul", chroma, column), g.const(weight_sum)))
    base = g.op("Div", luma_plate, g.const(weight_sum))
    infinity = g.const(np.inf)
    # k: the largest factor in [0, 1] keeping every channel >= 0 (and <= 1 under the bound).
    lowest = g.op("ReduceMin", chroma, axes=[2], keepdims=1)
    k = g.op("Where", g.op("Less", lowest, g.const(0.0)), g.op("Div", base, g.op("Neg", lowest)), infinity)
    if display_referred:
        highest = g.op("ReduceMax", chroma, axes=[2], keepdims=1)
        bounded = g.op("LessOrEqual", luma_plate, g.const(1.0))
        limit = g.op("Where", g.op("And", bounded, g.op("Greater", highest, g.const(0.0))),
                     g.op("Div", g.op("Sub", g.const(1.0), base), highest), infinity)
        k = g.op("Min", k, limit)
    k = g.op("Clip", k, g.const(0.0), g.const(1.0))
    out = g.op("Add", g.op("Mul", chroma, k), base)
    # Snap float residues beyond the bounds, leaving pixels whose gray level is itself outside.
    floor = g.op("Where", g.op("GreaterOrEqual", base, g.const(0.0)), g.const(0.0), g.const(-np.inf))
    out = g.op("Max", out, floor)
    if display_referred:
        inside = g.op("And", bounded, g.op("LessOrEqual", base, g.const(1.0)))
        out = g.op("Min", out, g.op("Where", inside, g.const(1.0), infinity))
    return out


def build_finish_graph(luma_coefficients, display_referred=True, radius=1):
    """The guided upsampler's graph (box radius `radius`) extended to the finished image and its
    confidence matte.

    Inputs: the upsampler's (l_full (1, 1, H, W), l_low (1, 1, h, w), ab_low (1, 2, h, w), eps);
    plate_rgb (H, W, 3) float32 in the working space (= display sRGB);
    confidence_low (h, w) and the resize matrices rows_up (H, h), columns_up (w, W).
    Outputs: image_rgb (H, W, 3) float32, the plate's luma with the upsampled chroma;
    confidence (H, W) float32 in 0..1. luma_coefficients (3,) and display_referred are the
    ColourConverter's.
    """
    model = build_upsampler_graph(radius)
    g = GraphBuilder("finish_")
    colour = _lab_to_display(g, "l_full", UPSAMPLED_AB)
    g.output("image_rgb", _recombine(g, "plate_rgb", colour, luma_coefficients, display_referred))
    confidence = g.op("MatMul", g.op("MatMul", "rows_up", "confidence_low"), "columns_up")
    g.output("confidence", g.op("Clip", confidence, g.const(0.0), g.const(1.0)))
    graph = model.graph
    graph.name = "excolor_finish"
    graph.node.extend(g.nodes)
    graph.initializer.extend(g.constants)
    graph.input.extend([g.tensor("plate_rgb", ["height", "width", 3]),
                        g.tensor("confidence_low", ["low_height", "low_width"]),
                        g.tensor("rows_up", ["height", "low_height"]),
                        g.tensor("columns_up", ["low_width", "width"])])
    del graph.output[:]
    graph.output.extend([g.tensor("image_rgb", ["height", "width", 3]),
                         g.tensor("confidence", ["height", "width"])])
    return onnx_model(graph)


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
    `excolor.colour_work.ColourWork`.

    converter: the node's ColourConverter; it must work in the model space
    (`works_in_model_space`), else UsageError. providers/session_options as for the node's
    graphs; io_binding: keep the plate and its L on the device between the two graphs (CUDA);
    timer: the node's StageTimer, which gets `colour_out` (None: a private one).
    """

    def __init__(self, converter, providers=(CPU_PROVIDER,), session_options=None,
                 settings: UpsampleSettings = UpsampleSettings(), io_binding=False, device="cpu", timer=None):
        import onnxruntime as ort  # deferred as in excolor.runtime: the node imports it when made

        if not converter.works_in_model_space:
            raise UsageError(
                f"colour graphs need the working space to be the network's display sRGB; "
                f"{converter.input_space!r} in {converter.config.getName() or 'this config'!r} "
                "needs OpenColorIO between the steps (use the host colour path)"
            )
        self._ort = ort
        self.settings = settings
        # Where bound runs keep values; None runs the graphs on numpy feeds.
        self._device = device if io_binding else None
        self._timer = timer or StageTimer()
        self._lightness = graph_session(build_lightness_graph(), providers, session_options)
        self._finish = SessionsByRadius(
            lambda radius: build_finish_graph(converter.luma_coefficients, converter.display_referred, radius),
            providers, session_options)
        self.providers = self._lightness.get_providers()

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

    def finish(self, plate, l_low, ab_low, confidence_low):
        """FullPlate, l_low (h, w), ab_low (2, h, w), confidence_low (h, w) ->
        (image (H, W, C), confidence (H, W)) float32 numpy; channels beyond RGB are the plate's."""
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
            if plate.plate.shape[2] == 3:
                return rgb, confidence
            image = plate.plate.copy()  # extra channels (alpha, mattes) pass through untouched
            image[..., :3] = rgb
            return image, confidence
