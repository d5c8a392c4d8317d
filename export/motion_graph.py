"""The motion graph: dense motion between lightness images in ONNX, for the node's device.

A classical coarse-to-fine estimator with a fixed amount of work, so that one graph runs the
same ops on every input and a device gives the same bytes for the same frames: pyramidal
Lucas-Kanade with warping. The flow's image (the history's lightness, scaled by the host to the
flow's working size as for DIS) is halved LEVELS - 1 times by 2x2 means; from the coarsest
level to FINEST_LEVEL, ITERATIONS times: warp the source by the flow (GridSample), solve each
pixel's 2x2 least-squares step over a WINDOW-wide mean of gradient products (the gradients the
mean of both images', central differences with replicated edges: Pad + Slice, so no Conv whose
algorithm a GPU library picks at run time), regularised by REGULARISATION and clipped to
MAX_STEP pixels, then average the flow over SMOOTHING-wide windows; the flow is then scaled up
to the next level (Resize). Both directions of every pair run as one batch. The flow at
FINEST_LEVEL is scaled up to the history's size and judged there as
`excolor.engine.optical_flow.DisMotion` judges DIS's flows, with the settings of
`MotionSettings()`: the carried lightness's mismatch plus the occlusion penalty where the round
trip fails or the flow leaves the frame, averaged over the same window with the same reflected
borders. The constants were chosen on real frames warped by a known motion (carphone, bikes,
bigbuckbunny: median end-point error 0.01-0.11 pixels, DIS's 0.11-0.19).

Inputs (float32; N pairs): source_l, target_l (N, 1, H, W) L 0..100 at the history size;
source_small, target_small (N, 1, h, w) the same at the flow's working size (h, w >=
MIN_FLOW_SIDE). Outputs (N, H, W): map_x, map_y float32 source pixel coordinates for each target
pixel, error float32 (L units), consistent bool. `excolor.engine.motion_graph` runs it.
"""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper

from ..engine.motion_graph import MIN_FLOW_SIDE, MOTION_OUTPUTS
from ..engine.optical_flow import MotionSettings
from .graph_builder import GraphBuilder, onnx_model

LEVELS = 5  # the flow's image and four halvings: the coarsest level sees motion 16x smaller
FINEST_LEVEL = 0  # flow estimated at the flow's full working size (DIS stops at half)
ITERATIONS = 2  # warps per level
WINDOW = 7  # side of the least-squares window (pixels of the level)
REGULARISATION = 0.5  # (L units / pixel)^2 added to the window's gradient energy: flat areas keep their flow
MAX_STEP = 1.0  # pixels of the level one iteration may move the flow
SMOOTHING = 7  # side of the window the flow is averaged over after each step
LOWEST = np.iinfo(np.int64).min  # a Slice end that runs to the start of an axis, backwards
HIGHEST = np.iinfo(np.int64).max


class _MotionBuilder(GraphBuilder):
    """GraphBuilder with the steps of the motion graph; tensors are NCHW float32."""

    def ints(self, values):
        return self.const(values, np.int64)

    def slice(self, x, starts, ends, axes, steps=None):
        inputs = [x, self.ints(starts), self.ints(ends), self.ints(axes)]
        return self.op("Slice", *inputs, *([self.ints(steps)] if steps else []))

    def xy_sizes(self, x):
        """(2,) float32 (width, height) of x's last two axes."""
        height_width = self.op("Cast", self.op("Shape", x, start=2, end=4), to=TensorProto.FLOAT)
        return self.slice(height_width, [-1], [LOWEST], [0], [-1])

    def per_channel(self, pair):
        """A (2,) tensor as (1, 2, 1, 1): one value per flow channel."""
        return self.op("Reshape", pair, self.ints([1, 2, 1, 1]))

    def pixel_grid(self, x):
        """(1, 2, h, w) float32 pixel coordinates (x, y) over x's last two axes."""
        def coordinates(axis, shape):
            length = self.op("Cast", self.op("Squeeze", self.op("Shape", x, start=axis, end=axis + 1)),
                             to=TensorProto.FLOAT)
            steps = self.op("Range", self.const(0.0), length, self.const(1.0))
            return self.op("Reshape", steps, self.ints(shape))

        xs, ys = coordinates(3, [1, 1, 1, -1]), coordinates(2, [1, 1, -1, 1])
        zero = self.const(0.0)
        return self.op("Concat", self.op("Add", xs, self.op("Mul", ys, zero)),
                       self.op("Add", ys, self.op("Mul", xs, zero)), axis=1)

    def sampler(self, x):
        """(pixel grid, sample) for images of x's size: sample(image, flow) reads `image` at
        grid + flow, bilinear, borders replicated (cv2.remap's INTER_LINEAR, BORDER_REPLICATE)."""
        grid = self.pixel_grid(x)
        # Pixel coordinates -> GridSample's -1..1 with align_corners: p * 2 / (size - 1) - 1.
        last = self.op("Sub", self.xy_sizes(x), self.const(1.0))
        scale = self.per_channel(self.op("Div", self.const(2.0), last))

        def sample(image, flow, positions=None):
            positions = positions or self.op("Add", grid, flow)
            normalised = self.op("Sub", self.op("Mul", positions, scale), self.const(1.0))
            return self.op("GridSample", image, self.op("Transpose", normalised, perm=[0, 2, 3, 1]),
                           mode="bilinear", padding_mode="border", align_corners=1)

        return grid, sample

    def gradients(self, x):
        """(B, 1, h, w) -> (d/dx, d/dy) central differences, the edges replicated."""
        padded = self.op("Pad", x, self.ints([0, 0, 1, 1, 0, 0, 1, 1]), mode="edge")
        half = self.const(0.5)

        def difference(after_starts, after_ends, before_starts, before_ends):
            return self.op("Sub", self.slice(padded, after_starts, after_ends, [2, 3]),
                           self.slice(padded, before_starts, before_ends, [2, 3]))

        dx = difference([1, 2], [-1, HIGHEST], [1, 0], [-1, -2])
        dy = difference([2, 1], [HIGHEST, -1], [0, 1], [-2, -1])
        return self.op("Mul", dx, half), self.op("Mul", dy, half)

    def window_mean(self, x, side):
        """The mean over a side x side window, of the pixels inside the image."""
        radius = side // 2
        return self.op("AveragePool", x, kernel_shape=[side, side], pads=[radius] * 4, count_include_pad=0)

    def reflected_mean(self, x, side):
        """The mean over a side x side window, borders reflected as cv2.BORDER_REFLECT (fedcba|abcdef)."""
        radius = side // 2
        for axis in (2, 3):
            before = self.slice(x, [radius - 1], [LOWEST], [axis], [-1])
            after = self.slice(x, [-1], [-radius - 1], [axis], [-1])
            x = self.op("Concat", before, x, after, axis=axis)
        return self.op("AveragePool", x, kernel_shape=[side, side])

    def lucas_kanade_step(self, first, first_dx, first_dy, warped):
        """The (B, 2, h, w) flow step that best moves `warped` (the second image read at the
        current flow) onto `first`, over WINDOW-wide means."""
        warped_dx, warped_dy = self.gradients(warped)
        half = self.const(0.5)
        ix = self.op("Mul", self.op("Add", first_dx, warped_dx), half)
        iy = self.op("Mul", self.op("Add", first_dy, warped_dy), half)
        it = self.op("Sub", warped, first)
        products = self.op("Concat", self.op("Mul", ix, ix), self.op("Mul", ix, iy), self.op("Mul", iy, iy),
                           self.op("Mul", ix, it), self.op("Mul", iy, it), axis=1)
        sxx, sxy, syy, sxt, syt = self.op("Split", self.window_mean(products, WINDOW), outputs=5, axis=1)
        regularisation = self.const(REGULARISATION)
        a, c = self.op("Add", sxx, regularisation), self.op("Add", syy, regularisation)
        determinant = self.op("Sub", self.op("Mul", a, c), self.op("Mul", sxy, sxy))
        du = self.op("Div", self.op("Sub", self.op("Mul", sxy, syt), self.op("Mul", c, sxt)), determinant)
        dv = self.op("Div", self.op("Sub", self.op("Mul", sxy, sxt), self.op("Mul", a, syt)), determinant)
        step = self.op("Concat", du, dv, axis=1)
        return self.op("Clip", step, self.const(-MAX_STEP), self.const(MAX_STEP))

    def scaled_flow(self, flow, like):
        """`flow` resized (bilinear, as cv2.INTER_LINEAR) to the size of `like`, its vectors
        scaled by the sizes' ratio per axis."""
        sizes = self.op("Concat", self.op("Shape", flow, start=0, end=2), self.op("Shape", like, start=2, end=4),
                        axis=0)
        resized = self.op("Resize", flow, "", "", sizes, mode="linear",
                          coordinate_transformation_mode="half_pixel")
        ratio = self.op("Div", self.xy_sizes(like), self.xy_sizes(flow))
        return self.op("Mul", resized, self.per_channel(ratio))

    def flow(self, first, second):
        """(B, 1, h, w) images -> (B, 2, h', w') flow at FINEST_LEVEL's size: for each pixel p
        of `first`, the offset to where it is in `second`."""
        pyramid = [(first, second)]
        for _ in range(LEVELS - 1):
            pyramid.append(tuple(self.op("AveragePool", x, kernel_shape=[2, 2], strides=[2, 2])
                                 for x in pyramid[-1]))
        coarsest = pyramid[-1][0]
        flow_shape = self.op("Concat", self.op("Shape", coarsest, start=0, end=1), self.ints([2]),
                             self.op("Shape", coarsest, start=2, end=4), axis=0)
        zero = helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0])
        flow = self.op("ConstantOfShape", flow_shape, value=zero)
        for level in range(LEVELS - 1, FINEST_LEVEL - 1, -1):
            level_first, level_second = pyramid[level]
            if level < LEVELS - 1:
                flow = self.scaled_flow(flow, level_first)
            first_dx, first_dy = self.gradients(level_first)
            _, sample = self.sampler(level_first)
            for _ in range(ITERATIONS):
                warped = sample(level_second, flow)
                flow = self.op("Add", flow, self.lucas_kanade_step(level_first, first_dx, first_dy, warped))
                # Each pixel's step is its window's: without smoothing, what differs between
                # neighbours is never corrected and grows from one warp to the next.
                flow = self.window_mean(flow, SMOOTHING)
        return flow

    def judged(self, source_l, target_l, to_source, to_target, settings):
        """DisMotion's judging of the two flows at the history size -> (map_x, map_y, error,
        consistent), each (N, 1, H, W)."""
        grid, sample = self.sampler(target_l)
        positions = self.op("Add", grid, to_source)
        carried_l = sample(source_l, None, positions)
        back_there = sample(to_target, None, positions)

        def squared_length(vectors):
            return self.op("ReduceSum", self.op("Mul", vectors, vectors), self.ints([1]), keepdims=1)

        round_trip = squared_length(self.op("Add", to_source, back_there))
        lengths = self.op("Add", squared_length(to_source), squared_length(back_there))
        bound = self.op("Add", self.op("Mul", lengths, self.const(settings.round_trip_relative)),
                        self.const(settings.round_trip_absolute))
        limits = self.per_channel(self.op("Sub", self.xy_sizes(target_l), self.const(1.0)))
        beyond = self.op("Or", self.op("Less", positions, self.const(0.0)), self.op("Greater", positions, limits))
        beyond_x, beyond_y = self.op("Split", beyond, outputs=2, axis=1)
        outside = self.op("Or", beyond_x, beyond_y)
        consistent = self.op("And", self.op("Less", round_trip, bound), self.op("Not", outside))
        mismatch = self.op("Abs", self.op("Sub", carried_l, target_l))
        penalty = self.op("Mul", self.op("Cast", self.op("Not", consistent), to=TensorProto.FLOAT),
                          self.const(settings.occlusion_error))
        error = self.reflected_mean(self.op("Add", mismatch, penalty), settings.window)
        map_x, map_y = self.op("Split", positions, outputs=2, axis=1)
        return map_x, map_y, error, consistent


def motion_graph(settings=MotionSettings()):
    """The motion graph (see the module doc) judged with `settings`' window, round trip and
    occlusion penalty."""
    if MIN_FLOW_SIDE < 2 ** LEVELS:
        raise ValueError(f"MIN_FLOW_SIDE {MIN_FLOW_SIDE}: {LEVELS} levels need {2 ** LEVELS} pixels a side "
                         "(two at the coarsest)")
    g = _MotionBuilder("motion_")
    first = g.op("Concat", "target_small", "source_small", axis=0)  # both directions in one batch
    second = g.op("Concat", "source_small", "target_small", axis=0)
    flow = g.scaled_flow(g.flow(first, second), "target_l")
    to_source, to_target = g.op("Split", flow, outputs=2, axis=0)
    judged = g.judged("source_l", "target_l", to_source, to_target, settings)
    channel = g.ints([1])
    for name, value in zip(MOTION_OUTPUTS, judged):
        g.output(name, g.op("Squeeze", value, channel))
    full, small = ["pairs", 1, "height", "width"], ["pairs", 1, "flow_height", "flow_width"]
    planes = ["pairs", "height", "width"]
    outputs = [g.tensor(name, planes) for name in MOTION_OUTPUTS[:3]]
    outputs.append(helper.make_tensor_value_info(MOTION_OUTPUTS[3], TensorProto.BOOL, planes))
    graph = g.graph("excolor_motion",
                    [g.tensor("source_l", full), g.tensor("target_l", full),
                     g.tensor("source_small", small), g.tensor("target_small", small)], outputs)
    return onnx_model(graph)
