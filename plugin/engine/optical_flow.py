"""Motion between consecutive plates: where each pixel of a frame came from, and how sure that is.

A run carries its previous output to the next frame along this motion, at the history
resolution (the plate's, up to `HISTORY_CAP` on the long side), so fine colour survives
propagation. A `MotionEstimator` gives a `Motion` for a pair of lightness images; the node picks
one once (`NodeTuning.motion`): `DisMotion` (the default) is OpenCV's DIS optical flow
(coarse-to-fine, so it follows large displacements) on 8-bit lightness, run on the host;
`excolor.engine.motion_graph.GraphMotion` is a classical estimator as an ONNX graph on the node's
device. Both are deterministic for a given input (and device), which keeps chunked and resumed
renders byte-exact with one-go renders. Each carried image comes with a per-pixel error: how far
the carried lightness is from the frame's own (over a small window), raised where the flows each
way disagree (occlusions, pixels that left the frame). Flows are OpenCV's (H,W,2) offsets and
stay inside this module; what is carried is channels first, (C,H,W), as the engine keeps its chroma.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
from typing import Protocol

import cv2
import numpy as np

from ..errors import InputError

# The history is kept at the plate's size up to this long side (2K): beyond it a 4K plate's
# chroma would cost 4x the memory and flow time for detail the eye does not resolve in chroma.
HISTORY_CAP = 2048

# The smallest plate side the motion step takes: cv2's DIS flow (OpenCV 4.11) refuses an image
# under 12 px on a side and crashes the process on plates 12-15 px high and 40 px or more wide
# (width x height 40x12, 64x13, 100x14, 200x13), while the network pads any plate to its own
# size. Measured: 16 px a side renders at every other side tried (16 to 2048); a 12 px floor
# let the crashing sizes in.
MIN_PLATE_SIDE = 16


def refuse_small_plate(height, width, where):
    """InputError naming `where` unless a plate of height x width has both sides >= MIN_PLATE_SIDE."""
    if min(height, width) < MIN_PLATE_SIDE:
        raise InputError(
            f"{where}: the plate is {width}x{height}; the node takes plates of at least "
            f"{MIN_PLATE_SIDE}x{MIN_PLATE_SIDE} (the motion step's optical flow needs {MIN_PLATE_SIDE} px a side)"
        )


@dataclasses.dataclass(frozen=True)
class MotionSettings:
    """How motion is estimated and judged.

    window: side of the square window (pixels at history size) over which lightness errors
        are averaged; a single pixel's error is noise.
    round_trip_relative, round_trip_absolute: the flows each way agree where a pixel's round
        trip comes back, |t + s|^2 < relative (|t|^2 + |s|^2) + absolute (pixels^2), t the flow
        from the target to the source and s the flow back there; a pixel that fails it is taken
        as occluded.
    occlusion_error: the error (L units) added where the flows disagree. Small: measured on
        real footage, the lightness mismatch already marks most occlusions, and a large
        penalty throws away history that is still right (uncovered flat areas).
    flow_long_side: flows of larger images are estimated on a copy scaled to this long side
        and scaled back up: DIS costs grow with the pixels, and motion at 1080p is found as
        well at half size, while carrying still happens at the full history size.
    finest_scale, refinement_iterations: DIS's ultrafast preset with these two changed. The
        finest scale decides quality (1: flow at half the image's size, as the medium preset;
        2, as the fast presets, loses ~1 dB on large motion); one variational refinement
        iteration instead of medium's five halves the cost at the same benchmark PSNR.
    The motion graph (excolor.engine.motion_graph) is built with the defaults' window, round trip
    and occlusion penalty and takes `flow_long_side`; the DIS settings are DIS's alone.
    """

    window: int = 9
    round_trip_relative: float = 0.01
    round_trip_absolute: float = 0.5
    occlusion_error: float = 1.0
    flow_long_side: int = 1024
    finest_scale: int = 1
    refinement_iterations: int = 1


def history_size(plate_height, plate_width, cap=HISTORY_CAP):
    """(height, width) of the history for a plate: the plate's, scaled down to `cap` long side."""
    scale = min(1.0, cap / max(plate_height, plate_width))
    return max(1, round(plate_height * scale)), max(1, round(plate_width * scale))


def flow_size(height, width, long_side):
    """(width, height) of the flow's working size for an image: scaled down to `long_side`
    (cv2's order, as cv2.resize takes it), or None when the image is not larger."""
    scale = min(1.0, long_side / max(height, width))
    if scale == 1.0:
        return None
    return max(1, round(width * scale)), max(1, round(height * scale))


def lightness_u8(l_channel):
    """CIELAB L (0..100, float) -> uint8 0..255, the estimator's input."""
    return np.clip(l_channel * np.float32(2.55) + np.float32(0.5), 0, 255).astype(np.uint8)


@functools.lru_cache(maxsize=4)
def _pixel_grid(height, width):
    """(xs, ys) float32 pixel coordinates, made once per size (every carry of a shot needs them)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    xs.setflags(write=False)
    ys.setflags(write=False)
    return xs, ys


def _squared_length(vectors):
    """(H,W,2) -> (H,W) float32 x^2 + y^2: the squares, then one add of their two strided
    halves. Neither numpy's reduction over a last axis of 2 (ten times slower) nor a
    matrix-vector product with (1, 1): BLAS's threads fight OpenCV's and ONNX Runtime's for
    the cores (measured on 2 loaded cores: 18 ms against 0.2 for a 640x360 flow). All three
    round x^2 and y^2 to float32 and then their sum once, so the bytes are the same."""
    squares = vectors * vectors
    return squares[..., 0] + squares[..., 1]


def _sample(image, map_x, map_y, out=None):
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, dst=out, borderMode=cv2.BORDER_REPLICATE)


@dataclasses.dataclass(frozen=True, eq=False)
class Motion:
    """Where each pixel of a target frame comes from in a source frame, and how sure that is.

    map_x, map_y: (H,W) float32 source pixel coordinates sampled for each target pixel;
    error: (H,W) float32 in L units (0 = the carried lightness matches the target's exactly
    and the flow is consistent); consistent: (H,W) bool, where the flows each way agree and
    stay inside the frame. None of it depends on what is carried, which is why
    training can carry any values along a recorded Motion.
    """

    map_x: np.ndarray
    map_y: np.ndarray
    error: np.ndarray
    consistent: np.ndarray

    def carry(self, planes):
        """planes (C,H,W) aligned with the source -> (C,H,W) float32 aligned with the target.

        Each plane is remapped on its own, straight into the result: the same values as one
        remap of the channels-last image (remap interpolates channels independently), without
        the two transposing copies (measured: 19 ms against 23 ms for a 2K chroma).
        """
        planes = np.asarray(planes, np.float32)
        carried = np.empty((planes.shape[0],) + self.map_x.shape, np.float32)
        for plane, out in zip(planes, carried):
            _sample(np.ascontiguousarray(plane), self.map_x, self.map_y, out)
        return carried


class MotionEstimator(Protocol):
    """What the node asks of motion: `motion(source_l, target_l)` -> the Motion from lightness
    `source_l` (H,W) to `target_l` (H,W) (L 0..100 float32); `motions(pairs)` the same for a
    sequence of (source_l, target_l) pairs of one size, at once (in parallel, or as one batch,
    where the estimator can), in order. name: "dis" or "graph" (NodeTuning.motion's words)."""

    name: str

    def motion(self, source_l, target_l) -> Motion: ...

    def motions(self, pairs) -> list[Motion]: ...


class DisMotion:
    """OpenCV's DIS flow each way on the host, judged by `MotionSettings`.

    workers: threads that share one `motions` call: each distinct image's flow input, then the
    flows (two a pair), then each pair's judging; 1 runs them in turn. OpenCV releases the GIL and DIS's result does not
    depend on which thread runs it (each flow has its own DIS instance), so any count gives
    the same bytes.
    """

    name = "dis"

    def __init__(self, settings=MotionSettings(), workers=1):
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.settings = settings
        self._pool = concurrent.futures.ThreadPoolExecutor(workers) if workers > 1 else None

    def _dis(self):
        """A new DIS instance for each flow: an instance's result can depend on the calls it made
        before (measured on 40 px wide images), so a reused one would make a resumed or chunked
        render differ from one go; making one costs nothing measurable beside the flow."""
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
        dis.setFinestScale(self.settings.finest_scale)
        dis.setVariationalRefinementIterations(self.settings.refinement_iterations)
        return dis

    def _flow_input(self, lightness):
        """L (H,W) 0..100 -> the uint8 image DIS sees: at the flow's working size
        (`MotionSettings.flow_long_side`, area-averaged) where the image is larger."""
        image = lightness_u8(lightness)
        size = flow_size(*image.shape, self.settings.flow_long_side)
        return image if size is None else cv2.resize(image, size, interpolation=cv2.INTER_AREA)

    def _flow(self, target, source, height, width):
        """(height, width, 2) float32: for each pixel p of the target, the offset to where it is
        in the source; `target`, `source` are `_flow_input`s of (height, width) images."""
        flow = self._dis().calc(target, source, None)
        small_height, small_width = target.shape
        if (small_height, small_width) == (height, width):
            return flow
        flow = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
        # Both components scaled in one contiguous pass (the same float32 products as two
        # strided ones).
        flow *= np.array([width / small_width, height / small_height], np.float32)
        return flow

    def _map(self, function, *iterables):
        """[function(*items)] in order, on the pool's threads where there is one."""
        if self._pool is None:
            return list(map(function, *iterables))
        return list(self._pool.map(function, *iterables))

    def motion(self, source_l, target_l):
        """The Motion from lightness `source_l` (H,W) to `target_l` (H,W): the flow from target
        to source, and its error (lightness mismatch over a window, plus the occlusion penalty
        where the flows each way disagree)."""
        return self.motions([(source_l, target_l)])[0]

    def motions(self, pairs):
        """[Motion] of each (source_l, target_l) pair, the flows of all pairs in parallel first.

        Work is shared by identity: each distinct lightness array becomes a flow input once
        (the frame's own lightness is the target of every pair: at 1080p its scaling to the
        flow size is most of a flow's host work), and a pair given twice (the history and the
        key are the same frame right after a pinned key) is estimated once. Each result is a
        function of its pair's arrays alone, so sharing changes no byte.
        """
        pairs = [(source_l, target_l) for source_l, target_l in pairs]
        images = {}
        for pair in pairs:
            for image in pair:
                images.setdefault(id(image), image)
        inputs = dict(zip(images, self._map(self._flow_input, images.values())))
        distinct = list(dict.fromkeys((id(source_l), id(target_l)) for source_l, target_l in pairs))
        sizes = [images[target].shape for _, target in distinct]
        directions = [ends for source, target in distinct for ends in ((target, source), (source, target))]
        flows = self._map(self._flow, [inputs[first] for first, _ in directions],
                          [inputs[second] for _, second in directions],
                          [size[0] for size in sizes for _ in (0, 1)], [size[1] for size in sizes for _ in (0, 1)])
        judged = self._map(self._judged, [images[source] for source, _ in distinct],
                           [images[target] for _, target in distinct], flows[0::2], flows[1::2])
        by_pair = dict(zip(distinct, judged))
        return [by_pair[id(source_l), id(target_l)] for source_l, target_l in pairs]

    def _judged(self, source_l, target_l, to_source, to_target):
        """The Motion of the flow `to_source` (target -> source) judged against `to_target`.

        Temporaries are reused in place where the arithmetic stays the same float32 operations
        in the same order (at 1080p each fresh (H,W) array is 8 MB of page faults).
        """
        settings = self.settings
        height, width = target_l.shape
        xs, ys = _pixel_grid(height, width)
        map_x, map_y = xs + to_source[..., 0], ys + to_source[..., 1]
        carried_l = _sample(np.ascontiguousarray(source_l, np.float32), map_x, map_y)
        back_there = _sample(to_target, map_x, map_y)
        bound = _squared_length(to_source)
        bound += _squared_length(back_there)
        bound *= np.float32(settings.round_trip_relative)
        bound += np.float32(settings.round_trip_absolute)
        back_there += to_source
        consistent = _squared_length(back_there) < bound
        consistent &= map_x >= 0
        consistent &= map_x <= width - 1
        consistent &= map_y >= 0
        consistent &= map_y <= height - 1
        mismatch = np.subtract(carried_l, np.asarray(target_l, np.float32), out=carried_l)
        np.abs(mismatch, out=mismatch)
        # + the penalty where not consistent (+ 0 elsewhere is the same value: mismatch >= 0).
        np.add(mismatch, np.float32(settings.occlusion_error), out=mismatch, where=~consistent)
        error = cv2.blur(mismatch, (settings.window, settings.window), borderType=cv2.BORDER_REFLECT)
        return Motion(map_x, map_y, error, consistent)
