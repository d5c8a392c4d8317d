"""Hard-motion test clips: real pictures under turbulent, non-rigid motion that is known exactly.

The quality benchmark's two clips move mostly rigidly. Foliage in wind and water move otherwise:
many small patches, each its own way, changing from frame to frame, and drifting apart over a
shot. A clip here is one real picture seen through such a motion, a pure function of
(picture, seed). Frame t's pixel p (x along columns, y along rows, pixel centres) shows the
picture at S_t(p) = A_t(p + d_t(p)):

  d_t  the sway: a sum of travelling sine waves (`Wave`), d_t(p) = sum_i a_i(t) u_i
       sin(k_i . p - w_i t + phi_i), wavelengths SWAY_WAVELENGTHS (24 to 250 px), each with
       its own direction of travel k_i, direction of sway u_i, speed w_i and a gust
       a_i(t) = A_i (1 - GUST + GUST sin(g_i t + psi_i)); each wave's steepness A_i |k_i| is
       SWAY_STEEPNESS, so the field's gradient stays below MAX_GRADIENT (no fold) and the
       peaks add up to SWAY_AMPLITUDE px. It oscillates: alone, frame t would be a small warp
       of frame 0.
  A_t  the current: points drift along a slowly changing velocity field and never come back,
       A_t(z) = A_{t-1}(z + v_t(z)), A_0 the identity; v_t, where a point of frame t was a
       frame earlier, is a camera drift of DRIFT_SPEED px a frame plus slow waves of
       CURRENT_WAVELENGTHS, each of steepness CURRENT_STEEPNESS (a few px a frame): over a
       shot the picture shears by tens of px, as leaves and water stream apart.

The picture is resized once (OpenCV area) so that it just covers every S_t of the clip, one of
its pixels about one frame pixel; frames are sampled from it bilinearly and rounded to 8-bit
sRGB. The motion is known exactly: frame t's pixel p shows what frame s < t shows at q with
q + d_s(q) = r, r = A_{s->t}(p + d_t(p)) the current followed back from t to s (v evaluated
analytically, step by step), solved by a fixed-point iteration that contracts by the sway's
gradient (< MAX_GRADIENT) per step, until no point moves FIXED_POINT_TOLERANCE px; `valid`
marks where q lies inside frame s.

Pictures: with a data root (the training pictures, DATA_ROOT/images as fetched by
model/data/fetch_training_data.sh) the foliage and leaves of DATA_PICTURES; without one,
scikit-image's bundled photos SKIMAGE_PICTURES (real photographs, fur and texture), so the
tests need no fetched data. Neither is a frame of the quality benchmark's clips.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import cv2
import numpy as np

FRAMES = 48
LONG_SIDE = 448
# Foliage, leaves and flowers: the high-frequency natural texture this material is about.
DATA_PICTURES = {
    "meadow": "usr_share_backgrounds_mate_nature_GreenMeadow.jpg",
    "ladybird": "usr_share_backgrounds_mate_nature_LadyBird.jpg",
    "fallen_leaf": "usr_share_wallpapers_FallenLeaf_contents_images_2560x1600.jpg",
}
SKIMAGE_PICTURES = {"chelsea": "chelsea", "coffee": "coffee", "astronaut": "astronaut"}

SWAY_WAVELENGTHS = (250.0, 120.0, 70.0, 40.0, 24.0)  # px, one wave each
SWAY_STEEPNESS = 0.15  # A_i |k_i| of each wave: their sum bounds the field's gradient
MAX_GRADIENT = SWAY_STEEPNESS * len(SWAY_WAVELENGTHS)
SWAY_AMPLITUDE = SWAY_STEEPNESS * sum(SWAY_WAVELENGTHS) / (2.0 * math.pi)  # px, the waves' peaks added
SWAY_SPEEDS = (0.3, 1.0)  # radians of phase a frame (uniform)
CURRENT_WAVELENGTHS = (300.0, 150.0, 80.0)  # px
CURRENT_STEEPNESS = 0.03  # each wave's px a frame per px: a frame's step stays a small warp
CURRENT_SPEEDS = (0.02, 0.1)  # radians of phase a frame: streams that persist over a shot
GUST = 0.4  # how deep each wave's amplitude breathes
GUST_SPEEDS = (0.05, 0.2)  # radians a frame
DRIFT_SPEED = 0.6  # px a frame
FIXED_POINT_STEPS = 64  # at most: MAX_GRADIENT ** 64 < 1e-8
FIXED_POINT_TOLERANCE = 1e-4  # px: the iteration stops once no point moves more


@dataclasses.dataclass(frozen=True)
class Wave:
    """One travelling sine wave of displacement (or velocity): wavenumber (kx, ky) radians a px,
    sway (ux, uy) unit, peak amplitude px (a frame), speed and gust speed radians a frame,
    phases radians."""

    wavenumber: tuple
    sway: tuple
    amplitude: float
    speed: float
    phase: float
    gust_speed: float
    gust_phase: float

    @classmethod
    def random(cls, rng, wavelength, steepness, speeds):
        heading, sway = rng.uniform(0.0, 2.0 * math.pi, 2)
        k = 2.0 * math.pi / wavelength
        return cls((k * math.cos(heading), k * math.sin(heading)), (math.cos(sway), math.sin(sway)), steepness / k,
                   float(rng.uniform(*speeds) * rng.choice((-1.0, 1.0))), float(rng.uniform(0.0, 2.0 * math.pi)),
                   float(rng.uniform(*GUST_SPEEDS)), float(rng.uniform(0.0, 2.0 * math.pi)))

    def at(self, t, x, y):
        """(dx, dy) float64 arrays like x, y: this wave at time t."""
        gust = self.amplitude * (1.0 - GUST + GUST * math.sin(self.gust_speed * t + self.gust_phase))
        wave = gust * np.sin(self.wavenumber[0] * x + self.wavenumber[1] * y - self.speed * t + self.phase)
        return self.sway[0] * wave, self.sway[1] * wave


def _sum(waves, t, x, y):
    """(dx, dy) float64 like x, y: the waves added at time t."""
    dx, dy = np.zeros(np.shape(x)), np.zeros(np.shape(y))
    for wave in waves:
        wx, wy = wave.at(t, x, y)
        dx += wx
        dy += wy
    return dx, dy


@dataclasses.dataclass(frozen=True)
class Turbulence:
    """The motion of one clip: its sway, its current and the camera's drift (module doc)."""

    sway: tuple  # Waves of displacement
    current: tuple  # Waves of velocity, px a frame
    drift: tuple  # (vx, vy) px a frame

    @classmethod
    def random(cls, seed):
        rng = np.random.default_rng(seed)
        sway = tuple(Wave.random(rng, wavelength, SWAY_STEEPNESS, SWAY_SPEEDS) for wavelength in SWAY_WAVELENGTHS)
        current = tuple(Wave.random(rng, wavelength, CURRENT_STEEPNESS, CURRENT_SPEEDS)
                        for wavelength in CURRENT_WAVELENGTHS)
        pan = rng.uniform(0.0, 2.0 * math.pi)
        return cls(sway, current, (DRIFT_SPEED * math.cos(pan), DRIFT_SPEED * math.sin(pan)))

    def displacement(self, t, x, y):
        """(dx, dy) float64 like x, y: the sway d_t at the points (x, y)."""
        return _sum(self.sway, t, x, y)

    def followed_back(self, t, source, x, y):
        """(x, y) float64: where the current carried the points (x, y) of frame t from, in
        frame `source` <= t (A_{source->t}: the velocity v_k followed from k = t down)."""
        for k in range(t, source, -1):
            vx, vy = _sum(self.current, k, x, y)
            x, y = x + vx + self.drift[0], y + vy + self.drift[1]
        return x, y

    def source_coords(self, t, size):
        """(x, y) float64 (H,W): S_t, the point of the picture's plane each frame pixel shows."""
        ys, xs = np.mgrid[0:size[0], 0:size[1]].astype(np.float64)
        dx, dy = self.displacement(t, xs, ys)
        return self.followed_back(t, 0, xs + dx, ys + dy)

    def flow(self, t, source, size):
        """((H,W,2) float32 exact flow from frame t to frame `source` < t, (H,W) bool valid):
        frame t's pixel p shows what frame `source` shows at p + flow(p); valid where that
        lies inside frame `source`."""
        height, width = size
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
        dx, dy = self.displacement(t, xs, ys)
        rx, ry = self.followed_back(t, source, xs + dx, ys + dy)
        qx, qy = rx.copy(), ry.copy()
        for _ in range(FIXED_POINT_STEPS):
            dx, dy = self.displacement(source, qx, qy)
            step = max(np.abs(rx - dx - qx).max(), np.abs(ry - dy - qy).max())
            qx, qy = rx - dx, ry - dy
            if step < FIXED_POINT_TOLERANCE:
                break
        valid = (qx >= 0) & (qx <= width - 1) & (qy >= 0) & (qy <= height - 1)
        return np.stack([qx - xs, qy - ys], axis=-1).astype(np.float32), valid


@dataclasses.dataclass(frozen=True)
class HardClip:
    """A rendered clip: name, frames (N,H,W,3) uint8 sRGB, flows[t] (H,W,2) float32 backward
    flow t -> t-1 and valid[t] (H,W) bool (index 0: None, frame 0 has no predecessor), and
    the Turbulence that moves it (its `flow` between any two frames)."""

    name: str
    frames: np.ndarray
    flows: list
    valid: list
    motion: Turbulence


def frame_size(picture_shape, long_side):
    """(height, width) of the clip's frames: the picture's aspect, `long_side` on its long side."""
    height, width = picture_shape[:2]
    scale = long_side / max(height, width)
    return max(16, round(height * scale)), max(16, round(width * scale))


def render_clip(name, picture, seed, frames=FRAMES, long_side=LONG_SIDE):
    """A HardClip of `frames` frames of `picture` (h,w,3) uint8 sRGB under Turbulence.random(seed)."""
    motion = Turbulence.random(seed)
    size = frame_size(picture.shape, long_side)
    coords = [motion.source_coords(t, size) for t in range(frames)]
    left = min(x.min() for x, _ in coords) - 1.0
    top = min(y.min() for _, y in coords) - 1.0
    right = max(x.max() for x, _ in coords) + 1.0
    bottom = max(y.max() for _, y in coords) + 1.0
    # The picture, just covering every point the clip shows, centred on it.
    scale = max((bottom - top) / picture.shape[0], (right - left) / picture.shape[1])
    source_size = (math.ceil(picture.shape[1] * scale), math.ceil(picture.shape[0] * scale))
    source = cv2.resize(picture, source_size, interpolation=cv2.INTER_AREA).astype(np.float32)
    offset_x = (source.shape[1] - (right + left)) / 2.0
    offset_y = (source.shape[0] - (bottom + top)) / 2.0
    rendered, flows, valid = [], [None], [None]
    for t, (x, y) in enumerate(coords):
        sampled = cv2.remap(source, (x + offset_x).astype(np.float32), (y + offset_y).astype(np.float32),
                            cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        rendered.append(np.clip(sampled + 0.5, 0, 255).astype(np.uint8))
        if t:
            flow, inside = motion.flow(t, t - 1, size)
            flows.append(flow)
            valid.append(inside)
    return HardClip(name, np.stack(rendered), flows, valid, motion)


def read_picture(name, data_root=None):
    """(name's picture (h,w,3) uint8 sRGB): DATA_PICTURES[name] under data_root/images, or
    SKIMAGE_PICTURES[name] from scikit-image when data_root is None."""
    if data_root is None:
        import skimage.data

        return np.ascontiguousarray(getattr(skimage.data, SKIMAGE_PICTURES[name])()[..., :3])
    path = Path(data_root) / "images" / DATA_PICTURES[name]
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"{path}: hard-motion picture missing (fetch the training data)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def picture_names(data_root=None):
    """The clips' names, in order: DATA_PICTURES with a data root, else SKIMAGE_PICTURES."""
    return tuple(SKIMAGE_PICTURES if data_root is None else DATA_PICTURES)


def make_clips(data_root=None, seed=0, frames=FRAMES, long_side=LONG_SIDE, names=None):
    """[HardClip] of every picture (or `names`), clip i under seed + i: a pure function of the
    arguments (and the pictures)."""
    names = picture_names(data_root) if names is None else names
    return [render_clip(name, read_picture(name, data_root), seed + index, frames, long_side)
            for index, name in enumerate(names)]
