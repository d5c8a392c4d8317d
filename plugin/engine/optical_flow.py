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
import threading
from typing import Protocol

import cv2
import numpy as np

from ..errors import InputError

# The history is kept at the plate's size up to this long side (2K): beyond it a 4K plate's
# chroma would cost 4x the memory and flow time for detail the eye does not resolve in chroma.
HISTORY_CAP = 2048

# The smallest plate side the motion step takes: cv2's DIS flow refuses an image under 12 px on
# a side (and crashes the process on some, e.g. 40x11), while the network pads any plate to its
# own size. Measured: a 12x12 plate renders; 11x11, 40x11 and 12x5 do not.
MIN_PLATE_SIDE = 12


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


_PAIR_SUM = np.ones(2, np.float32)


def _squared_length(vectors):
    """(H,W,2) -> (H,W) float32 x^2 + y^2 (a matrix-vector product: numpy's reduction over a
    last axis of 2 is ten times slower)."""
    height, width, _ = vectors.shape
    return ((vectors * vectors).reshape(-1, 2) @ _PAIR_SUM).reshape(height, width)


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

    workers: threads that share one `motions` call, the flows first (two a pair), then each
    pair's judging; 1 runs them in turn. OpenCV releases the GIL and DIS's result does not
    depend on which thread runs it (each thread has its own DIS instance), so any count gives
    the same bytes.
    """

    name = "dis"

    def __init__(self, settings=MotionSettings(), workers=1):
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.settings = settings
        self._local = threading.local()  # a DIS instance per thread: one is not thread-safe
        self._pool = concurrent.futures.ThreadPoolExecutor(workers) if workers > 1 else None

    def _dis(self):
        dis = getattr(self._local, "dis", None)
        if dis is None:
            dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
            dis.setFinestScale(self.settings.finest_scale)
            dis.setVariationalRefinementIterations(self.settings.refinement_iterations)
            self._local.dis = dis
        return dis

    def flow(self, target_u8, source_u8):
        """(H,W,2) float32: for each pixel p of `target`, the offset to where it is in `source`."""
        height, width = target_u8.shape
        dis = self._dis()
        size = flow_size(height, width, self.settings.flow_long_side)
        if size is None:
            return dis.calc(target_u8, source_u8, None)
        small = dis.calc(cv2.resize(target_u8, size, interpolation=cv2.INTER_AREA),
                         cv2.resize(source_u8, size, interpolation=cv2.INTER_AREA), None)
        flow = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
        flow[..., 0] *= np.float32(width / size[0])
        flow[..., 1] *= np.float32(height / size[1])
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
        """[Motion] of each (source_l, target_l) pair, the flows of all pairs in parallel first."""
        lightness = [(lightness_u8(target_l), lightness_u8(source_l)) for source_l, target_l in pairs]
        directions = [ends for target_u8, source_u8 in lightness
                      for ends in ((target_u8, source_u8), (source_u8, target_u8))]
        flows = self._map(self.flow, *zip(*directions))
        return self._map(self._judged, [p[0] for p in pairs], [p[1] for p in pairs], flows[0::2], flows[1::2])

    def _judged(self, source_l, target_l, to_source, to_target):
        """The Motion of the flow `to_source` (target -> source) judged against `to_target`."""
        settings = self.settings
        height, width = target_l.shape
        xs, ys = _pixel_grid(height, width)
        map_x, map_y = xs + to_source[..., 0], ys + to_source[..., 1]
        carried_l = _sample(np.ascontiguousarray(source_l, np.float32), map_x, map_y)
        back_there = _sample(to_target, map_x, map_y)
        round_trip = _squared_length(to_source + back_there)
        bound = (settings.round_trip_relative * (_squared_length(to_source) + _squared_length(back_there))
                 + settings.round_trip_absolute)
        outside = (map_x < 0) | (map_x > width - 1) | (map_y < 0) | (map_y > height - 1)
        consistent = (round_trip < bound) & ~outside
        mismatch = np.abs(carried_l - target_l.astype(np.float32))
        mismatch += np.float32(settings.occlusion_error) * (~consistent).astype(np.float32)
        error = cv2.blur(mismatch, (settings.window, settings.window), borderType=cv2.BORDER_REFLECT)
        return Motion(map_x, map_y, error, consistent)
