"""The node's small helper graphs, defined with onnx.helper, and the script that writes them as files.

The runtime loads these graphs from `excolor/graphs/*.onnx` (`excolor.ort.sessions`), so that
running excolor needs ONNX Runtime but not the `onnx` package (nor its `ml_dtypes`). This module
is for development: it defines every shipped graph and regenerates the files:

    python -m excolor.export.helper_graphs          # rewrite excolor/graphs/ from these definitions
    python -m excolor.export.helper_graphs --check  # exit 1 when a shipped file differs

tests/export/test_helper_graphs.py regenerates them in memory and compares the bytes. The graphs:

- `upsampler_r{R}`: the guided chroma upsampler with box radius R (`excolor.colour.upsample` explains the
  filter). A pooling window is fixed in a graph, so there is one file per radius 1..MAX_RADIUS.
- `lightness`: plate RGB -> display L at plate and network size (`excolor.colour.work_graphs`).
- `finish_r{R}_{display_referred|unbounded}`: the upsampler followed by Lab -> display sRGB and
  `ColourConverter.recombine` with its gamut limit; the converter's luma weights are the
  initializers LUMA_WEIGHTS and LUMA_WEIGHT_SUM, which the runtime replaces with its own.
- `recombine_{display_referred|unbounded}`: the finish graph's colour steps for chroma already at
  the plate's size, with the same luma weight initializers.
- `previous_lab`: one Concat, the next previous-frame Lab kept on the GPU (`excolor.engine.graph_runtime`).
- `motion`: dense motion between lightness images, judged as the host judges DIS's flows
  (`excolor.export.motion_graph`, run by `excolor.engine.motion_graph`).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import onnx

from ..colour.cielab import (
    LAB_EPSILON,
    LAB_INV_THRESHOLD,
    LAB_KAPPA,
    LAB_OFFSET,
    RGB_FROM_XYZ,
    SRGB_DECODE_THRESHOLD,
    SRGB_ENCODE_THRESHOLD,
    WHITE_D65_2,
    XYZ_FROM_RGB,
)
from ..engine.motion_graph import MOTION_GRAPH
from ..files import write_atomically
from ..ort.sessions import (
    GRAPHS_DIR,
    LUMA_WEIGHT_SUM,
    LUMA_WEIGHTS,
    MAX_RADIUS,
    UPSAMPLED_AB,
    finish_graph_name,
    recombine_graph_name,
    upsampler_graph_name,
)
from .graph_builder import GraphBuilder, onnx_model
from .motion_graph import motion_graph

# Placeholder luma weights in the finish graphs (Rec. 709); the runtime sets the converter's own.
PLACEHOLDER_LUMA = (0.2126, 0.7152, 0.0722)


def upsampler_graph(radius: int):
    """The guided upsampler with box radius `radius` (see `excolor.colour.upsample`).

    Inputs: l_full (1, 1, H, W) float32 L 0..100; l_low (1, 1, h, w) float32; ab_low (1, 2, h, w)
    float32; eps () float32 > 0. Output: ab_full (1, 2, H, W) float32.
    """
    g = GraphBuilder()

    def box(source, target):
        # The mean over the (2r+1)^2 window clipped at the borders: padding is left out of the
        # count. Direct window sums, so float32 keeps the statistics exact enough where the
        # guide is flat (var(I) ~ 0 next to eps).
        side = 2 * radius + 1
        g.op("AveragePool", source, outputs=[target], kernel_shape=[side, side], pads=[radius] * 4,
             count_include_pad=0)

    g.constant_node("scale", 0.01, np.float32)
    g.constant_node("half", 0.5, np.float32)
    g.constant_node("hundred", 100.0, np.float32)
    g.constant_node("split_sizes", [1, 2, 2, 1], np.int64)
    g.constant_node("split_two", [2, 2], np.int64)

    g.op("Mul", "l_low", "scale", outputs=["l_low_scaled"])
    g.op("Sub", "l_low_scaled", "half", outputs=["guide"])
    g.op("Mul", "ab_low", "scale", outputs=["chroma"])
    g.op("Mul", "guide", "chroma", outputs=["guide_chroma"])
    g.op("Mul", "guide", "guide", outputs=["guide_sq"])
    # One box pass over all statistics: channels [I, p_a, p_b, I p_a, I p_b, I^2].
    g.op("Concat", "guide", "chroma", "guide_chroma", "guide_sq", outputs=["stats"], axis=1)
    box("stats", "means")
    g.op("Split", "means", "split_sizes", outputs=["mean_i", "mean_p", "mean_ip", "mean_ii"], axis=1)
    g.op("Mul", "mean_i", "mean_p", outputs=["mi_mp"])
    g.op("Sub", "mean_ip", "mi_mp", outputs=["cov"])
    g.op("Mul", "mean_i", "mean_i", outputs=["mi_sq"])
    g.op("Sub", "mean_ii", "mi_sq", outputs=["var"])
    g.op("Add", "var", "eps", outputs=["var_eps"])
    g.op("Div", "cov", "var_eps", outputs=["slope"])
    box("slope", "smooth_slope")
    g.op("Mul", "smooth_slope", "guide", outputs=["slope_guide"])
    g.op("Sub", "chroma", "slope_guide", outputs=["offset"])
    g.op("Concat", "smooth_slope", "offset", outputs=["coeffs"], axis=1)
    # Bilinear to the plate's size: (N, C) of the coefficients, (H, W) of l_full.
    g.op("Shape", "coeffs", outputs=["nc"], start=0, end=2)
    g.op("Shape", "l_full", outputs=["hw"], start=2, end=4)
    g.op("Concat", "nc", "hw", outputs=["sizes"], axis=0)
    g.op("Resize", "coeffs", "", "", "sizes", outputs=["coeffs_full"], mode="linear",
         coordinate_transformation_mode="half_pixel")
    g.op("Split", "coeffs_full", "split_two", outputs=["slope_full", "offset_full"], axis=1)
    g.op("Mul", "l_full", "scale", outputs=["l_full_scaled"])
    g.op("Sub", "l_full_scaled", "half", outputs=["guide_full"])
    g.op("Mul", "slope_full", "guide_full", outputs=["fitted"])
    g.op("Add", "fitted", "offset_full", outputs=["chroma_full"])
    g.op("Mul", "chroma_full", "hundred", outputs=[UPSAMPLED_AB])

    graph = g.graph(
        "guided_chroma_upsampler",
        [
            g.tensor("l_full", [1, 1, "height", "width"]),
            g.tensor("l_low", [1, 1, "low_height", "low_width"]),
            g.tensor("ab_low", [1, 2, "low_height", "low_width"]),
            g.tensor("eps", []),
        ],
        [g.tensor(UPSAMPLED_AB, [1, 2, "height", "width"])],
    )
    return onnx_model(graph)


def _lightness_of_display(g, rgb):
    """L 0..100 of display sRGB (..., 3) -> (..., 1), as `excolor.colour.cielab.srgb_lightness`."""
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


def lightness_graph():
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
    `excolor.colour.cielab.lab_planes_to_srgb` (unclipped)."""
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


def _recombine(g, plate, colour, display_referred):
    """`ColourConverter.recombine` for a working space that is display sRGB (no OCIO transform,
    chroma as an offset), followed by `gamut_limited`: (H, W, 3) plate and colour -> (H, W, 3).
    The luma weights are the initializers LUMA_WEIGHTS (3, 1) and LUMA_WEIGHT_SUM ()."""
    column = g.const(np.asarray(PLACEHOLDER_LUMA, dtype=np.float32)[:, None], name=LUMA_WEIGHTS)
    weight_sum = g.const(np.float32(np.asarray(PLACEHOLDER_LUMA, dtype=np.float64).sum()), name=LUMA_WEIGHT_SUM)
    luma_plate = g.op("MatMul", plate, column)  # (H, W, 1)
    luma_colour = g.op("MatMul", colour, column)
    chroma = g.op("Sub", colour, g.op("Div", luma_colour, weight_sum))
    # Take out what luma the offset still carries (rounding), as the host does.
    chroma = g.op("Sub", chroma, g.op("Div", g.op("MatMul", chroma, column), weight_sum))
    base = g.op("Div", luma_plate, weight_sum)
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


def finish_graph(display_referred, radius):
    """The upsampler's graph (box radius `radius`) extended to the finished image and its
    confidence matte.

    Inputs: the upsampler's (l_full (1, 1, H, W), l_low (1, 1, h, w), ab_low (1, 2, h, w), eps);
    plate_rgb (H, W, 3) float32 in the working space (= display sRGB);
    confidence_low (h, w) and the resize matrices rows_up (H, h), columns_up (w, W).
    Outputs: image_rgb (H, W, 3) float32, the plate's luma with the upsampled chroma;
    confidence (H, W) float32 in 0..1. display_referred: the ColourConverter's.
    """
    model = upsampler_graph(radius)
    g = GraphBuilder("finish_")
    colour = _lab_to_display(g, "l_full", UPSAMPLED_AB)
    g.output("image_rgb", _recombine(g, "plate_rgb", colour, display_referred))
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


def recombine_graph(display_referred):
    """Lab -> display sRGB and the recombine of `finish_graph` for chroma already at the plate's
    size: l_full (1, 1, H, W), ab_full (1, 2, H, W), plate_rgb (H, W, 3) float32 -> image_rgb
    (H, W, 3) float32. display_referred: the ColourConverter's."""
    g = GraphBuilder("recombine_")
    colour = _lab_to_display(g, "l_full", UPSAMPLED_AB)
    g.output("image_rgb", _recombine(g, "plate_rgb", colour, display_referred))
    graph = g.graph(
        "excolor_recombine",
        [g.tensor("l_full", [1, 1, "height", "width"]), g.tensor(UPSAMPLED_AB, [1, 2, "height", "width"]),
         g.tensor("plate_rgb", ["height", "width", 3])],
        [g.tensor("image_rgb", ["height", "width", 3])],
    )
    return onnx_model(graph)


def previous_lab_graph():
    """A one-node Concat graph: l (N, 1, H, W) and ab (N, 2, H, W) -> lab (N, 3, H, W) float32."""
    g = GraphBuilder()
    g.op("Concat", "l", "ab", outputs=["lab"], axis=1)
    dims = ["batch", "height", "width"]
    graph = g.graph("excolor_previous_lab",
                    [g.tensor("l", [dims[0], 1] + dims[1:]), g.tensor("ab", [dims[0], 2] + dims[1:])],
                    [g.tensor("lab", [dims[0], 3] + dims[1:])])
    return onnx_model(graph)


def shipped_graphs():
    """{file name: serialized ModelProto} of every graph the runtime loads, each checked by
    onnx's full checker."""
    models = {"lightness": lightness_graph(), "previous_lab": previous_lab_graph(), MOTION_GRAPH: motion_graph()}
    for display_referred in (True, False):
        models[recombine_graph_name(display_referred)] = recombine_graph(display_referred)
    for radius in range(1, MAX_RADIUS + 1):
        models[upsampler_graph_name(radius)] = upsampler_graph(radius)
        for display_referred in (True, False):
            models[finish_graph_name(display_referred, radius)] = finish_graph(display_referred, radius)
    files = {}
    for name, model in models.items():
        onnx.checker.check_model(model, full_check=True)
        files[f"{name}.onnx"] = model.SerializeToString()
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m excolor.export.helper_graphs",
                                     description=f"Write the node's helper graphs into {GRAPHS_DIR}.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a shipped file is missing, stale or extra")
    args = parser.parse_args(argv)
    files = shipped_graphs()
    shipped = {path.name for path in GRAPHS_DIR.glob("*.onnx")}
    stale = sorted(name for name, data in files.items()
                   if name not in shipped or (GRAPHS_DIR / name).read_bytes() != data)
    extra = sorted(shipped - set(files))
    if args.check:
        for name in stale + extra:
            print(f"{GRAPHS_DIR / name}: {'not a shipped graph' if name in extra else 'differs from its definition'}")
        return 1 if stale or extra else 0
    GRAPHS_DIR.mkdir(exist_ok=True)
    for name in stale:
        write_atomically(GRAPHS_DIR / name, files[name])
    for name in extra:
        (GRAPHS_DIR / name).unlink()
    print(f"{GRAPHS_DIR}: {len(files)} graphs, {len(stale)} written, {len(extra)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
