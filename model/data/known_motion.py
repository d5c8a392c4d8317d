"""Known motion: camera paths (homographies), elastic fields, moving objects, and exact flow.

Coordinates are pixel centres, x along columns, y along rows, float32. A frame pixel p of
frame t shows the source picture at

    s_t(p) = H_t (p + d_t(p))

where H_t is the camera homography at time t (frame pixel -> source pixel) and d_t a smooth
displacement field (the elastic warp, (2,H,W), a few pixels). An object k shows its own
RGBA picture at G^k_t p (an affine map, frame pixel -> object pixel).

The backward flow of frame t is exact by construction: for the background, the q in frame
t-1 with s_{t-1}(q) = s_t(p), i.e. q + d_{t-1}(q) = H_{t-1}^-1 s_t(p) =: r, solved by the
fixed-point iteration q <- r - d_{t-1}(q), which converges because the field's gradient is
far below 1 (see `ElasticField`); for an object, q = (G^k_{t-1})^-1 G^k_t p.
"""
from __future__ import annotations

import dataclasses
import functools
import math

import cv2
import numpy as np

FIXED_POINT_STEPS = 6


def _translate(tx, ty):
    return np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def _rotate_scale(angle, scale):
    c, s = math.cos(angle) * scale, math.sin(angle) * scale
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def apply_homography(matrix: np.ndarray, x: np.ndarray, y: np.ndarray):
    """Map coordinate arrays (any equal shapes, float32) through a 3x3 homography."""
    points = np.stack([x, y], axis=-1).reshape(-1, 1, 2).astype(np.float32, copy=False)
    mapped = cv2.perspectiveTransform(points, matrix.astype(np.float64)).reshape(*x.shape, 2)
    return mapped[..., 0], mapped[..., 1]


@dataclasses.dataclass(frozen=True)
class CameraPath:
    """A smooth camera move over a source picture, as a function of (real) time t.

    centre: source pixel at the frame centre at t=0; velocity/accel in *frame* pixels per
    frame (and per frame^2); scale: source pixels per frame pixel at t=0; log_zoom: change of
    log(scale) per frame; angle/spin in radians (per frame); persp/persp_rate: the projective
    row (1/pixels) of the homography, for a tilting camera; flip mirrors the view."""

    centre: tuple
    velocity: tuple = (0.0, 0.0)
    accel: tuple = (0.0, 0.0)
    scale: float = 1.0
    log_zoom: float = 0.0
    angle: float = 0.0
    spin: float = 0.0
    persp: tuple = (0.0, 0.0)
    persp_rate: tuple = (0.0, 0.0)
    flip: bool = False

    def matrix(self, t: float, size: tuple) -> np.ndarray:
        """3x3 homography: pixel of the HxW frame at time t -> source pixel."""
        height, width = size
        scale = self.scale * math.exp(self.log_zoom * t)
        # Frame-pixel displacement integrated at the current scale keeps the apparent speed.
        dx = self.velocity[0] * t + 0.5 * self.accel[0] * t * t
        dy = self.velocity[1] * t + 0.5 * self.accel[1] * t * t
        px = self.persp[0] + self.persp_rate[0] * t
        py = self.persp[1] + self.persp_rate[1] * t
        projective = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [px, py, 1.0]])
        mirror = np.diag([-1.0 if self.flip else 1.0, 1.0, 1.0])
        return (
            _translate(self.centre[0] + dx * self.scale, self.centre[1] + dy * self.scale)
            @ _rotate_scale(self.angle + self.spin * t, scale)
            @ projective
            @ mirror
            @ _translate(-(width - 1) / 2.0, -(height - 1) / 2.0)
        )

    def corners(self, t: float, size: tuple, margin: float = 0.0) -> np.ndarray:
        """(4,2) source positions of the frame's corners (pushed out by `margin` pixels)."""
        height, width = size
        x = np.array([-margin, width - 1 + margin, -margin, width - 1 + margin])
        y = np.array([-margin, -margin, height - 1 + margin, height - 1 + margin])
        u, v = apply_homography(self.matrix(t, size), x, y)
        return np.stack([u, v], axis=1)


@dataclasses.dataclass(frozen=True)
class ElasticField:
    """d_t = amplitude * (cos(w t + phase) F1 + sin(w t + phase) F2), F1, F2 (2,H,W) smooth
    unit-range noise, so the warp wobbles smoothly in time. `amplitude` in pixels, capped at a
    tenth of the noise's cell size."""

    fields: np.ndarray  # (2, 2, H, W) float32: F1, F2
    amplitude: float
    omega: float
    phase: float

    @staticmethod
    def random(rng: np.random.Generator, size: tuple, amplitude: float, cells: int) -> "ElasticField":
        """Noise on a coarse grid of about `cells` cells along the long side, upsampled
        bicubically: with amplitude A and cell size c the gradient stays near A*pi/c << 1."""
        height, width = size
        # Keep the field's gradient near 0.2 at most, so the inverse (a fixed-point iteration
        # contracting by that factor per step) converges to float precision.
        amplitude = min(amplitude, 0.1 * max(size) / cells)
        gh = max(2, round(cells * height / max(size)))
        gw = max(2, round(cells * width / max(size)))
        coarse = rng.uniform(-1.0, 1.0, size=(4, gh, gw)).astype(np.float32)
        fields = np.stack(
            [cv2.resize(c, (width, height), interpolation=cv2.INTER_CUBIC) for c in coarse]
        ).reshape(2, 2, height, width)
        return ElasticField(
            fields, amplitude, rng.uniform(0.05, 0.3), rng.uniform(0.0, 2.0 * math.pi)
        )

    def at(self, t: float) -> np.ndarray:
        """(2,H,W) float32 displacement in frame pixels at time t."""
        c, s = math.cos(self.omega * t + self.phase), math.sin(self.omega * t + self.phase)
        return (self.amplitude * (c * self.fields[0] + s * self.fields[1])).astype(np.float32)


@functools.lru_cache(maxsize=4)
def pixel_grid(size: tuple):
    """(xs, ys) (H,W) float32 pixel-centre coordinates, shared and read-only."""
    height, width = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    xs.setflags(write=False)
    ys.setflags(write=False)
    return xs, ys


def source_coords(camera: CameraPath, elastic: ElasticField | None, t: float, size: tuple):
    """(map_x, map_y) (H,W) float32: the source pixel every frame pixel shows at time t."""
    xs, ys = pixel_grid(size)
    if elastic is not None:
        d = elastic.at(t)
        xs, ys = xs + d[0], ys + d[1]
    return apply_homography(camera.matrix(t, size), xs, ys)


def background_flow(camera: CameraPath, elastic: ElasticField | None, t: float, size: tuple):
    """(2,H,W) float32 backward flow of the background from frame t to frame t-1."""
    xs, ys = pixel_grid(size)
    map_x, map_y = source_coords(camera, elastic, t, size)
    # r = H_{t-1}^-1 s_t(p): where the point would be in frame t-1 before its elastic warp.
    rx, ry = apply_homography(np.linalg.inv(camera.matrix(t - 1, size)), map_x, map_y)
    if elastic is None:
        return np.stack([rx - xs, ry - ys])
    d_prev = np.ascontiguousarray(elastic.at(t - 1).transpose(1, 2, 0))  # (H,W,2): one remap
    qx, qy = rx, ry
    for _ in range(FIXED_POINT_STEPS):
        d = cv2.remap(d_prev, qx, qy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        qx, qy = rx - d[..., 0], ry - d[..., 1]
    return np.stack([qx - xs, qy - ys])


@dataclasses.dataclass(frozen=True)
class ObjectPath:
    """A cut-out moving over the frame: its centre at `position` (frame pixels) + velocity*t,
    its height `height` frame pixels times exp(log_zoom*t), rotated by angle + spin*t."""

    object_size: tuple  # (h, w) of the RGBA picture
    position: tuple
    velocity: tuple
    height: float
    log_zoom: float
    angle: float
    spin: float

    def matrix(self, t: float) -> np.ndarray:
        """3x3 affine: frame pixel at time t -> object pixel."""
        oh, ow = self.object_size
        scale = self.height * math.exp(self.log_zoom * t) / oh
        cx = self.position[0] + self.velocity[0] * t
        cy = self.position[1] + self.velocity[1] * t
        to_frame = (
            _translate(cx, cy)
            @ _rotate_scale(self.angle + self.spin * t, scale)
            @ _translate(-(ow - 1) / 2.0, -(oh - 1) / 2.0)
        )
        return np.linalg.inv(to_frame)


def warp_object(rgba: np.ndarray, path: ObjectPath, t: float, size: tuple):
    """The object at time t in frame space: (rgb HxWx3 float32 0..255, alpha HxW 0..1)."""
    height, width = size
    affine = path.matrix(t)[:2].astype(np.float32)
    premultiplied = rgba.astype(np.float32)
    premultiplied[..., :3] *= premultiplied[..., 3:4] / 255.0
    warped = cv2.warpAffine(
        premultiplied, affine, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT, borderValue=0,
    )
    return warped[..., :3], warped[..., 3] / 255.0


def object_flow(path: ObjectPath, t: float, size: tuple, where: np.ndarray) -> np.ndarray:
    """(2,N) float32 backward flow from frame t to t-1 of the object's own pixels at the N
    positions where the (H,W) bool mask `where` is set."""
    xs, ys = pixel_grid(size)
    xs, ys = xs[where], ys[where]
    step = np.linalg.inv(path.matrix(t - 1)) @ path.matrix(t)
    qx, qy = apply_homography(step, xs, ys)
    return np.stack([qx - xs, qy - ys])


def unstable(layers: np.ndarray, mixed: np.ndarray) -> np.ndarray:
    """Pixels whose bilinear neighbourhood straddles two layers or a soft alpha edge."""
    edge = np.zeros_like(mixed)
    edge[:, 1:] |= layers[:, 1:] != layers[:, :-1]
    edge[:, :-1] |= layers[:, 1:] != layers[:, :-1]
    edge[1:, :] |= layers[1:, :] != layers[:-1, :]
    edge[:-1, :] |= layers[1:, :] != layers[:-1, :]
    bad = (edge | mixed).astype(np.uint8)
    return cv2.dilate(bad, np.ones((3, 3), np.uint8)).astype(bool)
