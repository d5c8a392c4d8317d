"""Draw one pseudo-video (numpy): frames, exact backward flow and validity, and a reference.

`render_item(store, picture, rng, size, config)` returns float32 arrays:
  frames    (T,3,H,W) CIELAB, L centred (L - 50), ab raw
  flow      (T-1,2,H,W) backward flow, frame t pixel (x,y) came from (x+fx, y+fy) in t-1
  valid     (T-1,1,H,W) 1 where that flow is defined (in bounds, same layer, not occluded,
            not on a soft object edge, inside the source picture)
  reference (3,H,W) CIELAB centred; reference_kind int (see config.REFERENCE_*);
  reference_recolour (2,) [hue rotation radians, saturation factor] applied to a self view.
"""
from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from . import known_motion
from .fastlab import rgb255_to_lab_centred as _to_lab
from .config import REFERENCE_FAR, REFERENCE_SELF, REFERENCE_SIMILAR, PseudoVideoConfig
from .store import PictureStore

FIT_ATTEMPTS = 8


def _signed(rng, limit):
    return float(rng.uniform(-limit, limit))


def _speed(rng, config: PseudoVideoConfig) -> float:
    draw, low = rng.uniform(), 0.0
    for probability, top in config.speeds:
        if draw < probability:
            return float(rng.uniform(low, top))
        draw -= probability
        low = top
    return float(config.speeds[-1][1])


def _random_camera(rng, source_size, size, config: PseudoVideoConfig, moving: bool, flip=False):
    hs, ws = source_size
    height, width = size
    fit = min(hs / height, ws / width)
    long_side = max(size)
    speed = _speed(rng, config) if moving else 0.0
    heading = rng.uniform(0.0, 2.0 * math.pi)
    return known_motion.CameraPath(
        centre=((ws - 1) / 2.0, (hs - 1) / 2.0),
        velocity=(speed * math.cos(heading), speed * math.sin(heading)),
        accel=(_signed(rng, 0.1 * speed), _signed(rng, 0.1 * speed)),
        scale=fit * float(rng.uniform(*config.crop)),
        log_zoom=_signed(rng, config.max_log_zoom) if moving else 0.0,
        angle=_signed(rng, config.max_angle),
        spin=_signed(rng, config.max_spin) if moving else 0.0,
        persp=(_signed(rng, config.max_persp / long_side), _signed(rng, config.max_persp / long_side)),
        persp_rate=(_signed(rng, 0.1 * config.max_persp / long_side),) * 2 if moving else (0.0, 0.0),
        flip=flip,
    )


def fit_camera(rng, camera: known_motion.CameraPath, source_size, size, times, margin):
    """Shrink and shift the camera until the frame (plus `margin`) stays inside the source at
    every time in `times`; None when it cannot (too fast for the picture)."""
    hs, ws = source_size
    for _ in range(FIT_ATTEMPTS):
        corners = np.concatenate([camera.corners(t, size, margin) for t in times])
        lo, hi = corners.min(0), corners.max(0)
        room_x, room_y = (ws - 1) - (hi[0] - lo[0]), (hs - 1) - (hi[1] - lo[1])
        if room_x >= 0 and room_y >= 0:
            shift_x = rng.uniform(-lo[0], -lo[0] + room_x)
            shift_y = rng.uniform(-lo[1], -lo[1] + room_y)
            centre = (camera.centre[0] + shift_x, camera.centre[1] + shift_y)
            return dataclasses.replace(camera, centre=centre)
        camera = dataclasses.replace(camera, scale=camera.scale * 0.85)
    return None


def _random_objects(rng, store: PictureStore, size, config: PseudoVideoConfig):
    if not store.objects or rng.uniform() >= config.p_objects:
        return []
    height, width = size
    chosen = []
    for _ in range(int(rng.integers(1, config.max_objects + 1))):
        rgba = store.objects[int(rng.integers(len(store.objects)))]
        heading = rng.uniform(0.0, 2.0 * math.pi)
        speed = rng.uniform(0.0, config.object_speed)
        path = known_motion.ObjectPath(
            object_size=rgba.shape[:2],
            position=(rng.uniform(0, width - 1), rng.uniform(0, height - 1)),
            velocity=(speed * math.cos(heading), speed * math.sin(heading)),
            height=height * rng.uniform(*config.object_height),
            log_zoom=_signed(rng, config.max_log_zoom),
            angle=_signed(rng, 0.3),
            spin=_signed(rng, 0.03),
        )
        chosen.append((rgba, path))
    return chosen


def _compose(source, camera, elastic, objects, t, size):
    """RGB float32 0..255 (H,W,3), layer index (H,W) int8 (0 = background), soft-edge mask,
    and whether each pixel's source point lies inside the picture."""
    hs, ws = source.shape[:2]
    map_x, map_y = known_motion.source_coords(camera, elastic, t, size)
    image = cv2.remap(source, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    image = image.astype(np.float32)
    inside = (map_x >= 0) & (map_x <= ws - 1) & (map_y >= 0) & (map_y <= hs - 1)
    layers = np.zeros(size, np.int8)
    mixed = np.zeros(size, bool)
    for k, (rgba, path) in enumerate(objects, start=1):
        colour, alpha = known_motion.warp_object(rgba, path, t, size)
        image = colour + image * (1.0 - alpha[..., None])
        layers[alpha > 0.5] = k
        mixed |= (alpha > 0.02) & (alpha < 0.98)
    return image, layers, mixed, inside


def _flow_between(camera, elastic, objects, t, size, now, before):
    """Backward flow t -> t-1 and its validity, from composed layer maps of both frames."""
    _, layers, mixed, inside = now
    _, layers_prev, mixed_prev, _ = before
    flow = known_motion.background_flow(camera, elastic, t, size)
    for k, (_, path) in enumerate(objects, start=1):
        mine = layers == k
        if mine.any():
            flow[:, mine] = known_motion.object_flow(path, t, size, mine)
    height, width = size
    xs, ys = known_motion.pixel_grid(size)
    qx, qy = xs + flow[0], ys + flow[1]
    in_frame = (qx >= 0) & (qx <= width - 1) & (qy >= 0) & (qy <= height - 1)
    qi = np.clip(np.rint(qy), 0, height - 1).astype(np.intp)
    qj = np.clip(np.rint(qx), 0, width - 1).astype(np.intp)
    shaky = known_motion.unstable(layers_prev, mixed_prev)
    valid = in_frame & (layers_prev[qi, qj] == layers) & ~shaky[qi, qj] & ~mixed
    valid &= inside | (layers > 0)
    return flow.astype(np.float32), valid


def _photometric(rng, config: PseudoVideoConfig):
    """A function (rgb, t) -> rgb applying this clip's luminance jitter, noise and blur."""
    amplitude = rng.uniform(0, config.luminance_jitter) if rng.uniform() < config.p_luminance else 0.0
    omega, phase = rng.uniform(0.1, 0.8), rng.uniform(0, 2 * math.pi)
    sigma = rng.uniform(0, config.noise_sigma) if rng.uniform() < config.p_noise else 0.0
    blur = rng.uniform(0.3, config.blur_sigma) if rng.uniform() < config.p_blur else 0.0
    noise_rng = np.random.default_rng(rng.integers(2**63))

    def apply(rgb, t):
        if blur > 0:
            rgb = cv2.GaussianBlur(rgb, (0, 0), blur)
        if amplitude > 0:
            rgb = rgb * np.float32(1.0 + amplitude * math.sin(omega * t + phase))
        if sigma > 0:
            rgb = rgb + np.float32(sigma) * noise_rng.standard_normal(rgb.shape, dtype=np.float32)
        return rgb

    return apply


def _view(rng, source, size, config, flip_probability=0.3):
    camera = _random_camera(rng, source.shape[:2], size, config, moving=False,
                            flip=bool(rng.uniform() < flip_probability))
    camera = fit_camera(rng, camera, source.shape[:2], size, [0.0], 1.0)
    if camera is None:  # a rotated view that cannot fit: fall back to an upright crop
        camera = known_motion.CameraPath(centre=((source.shape[1] - 1) / 2, (source.shape[0] - 1) / 2),
                                   scale=0.95 * min(source.shape[0] / size[0], source.shape[1] / size[1]))
    return _compose(source, camera, None, [], 0.0, size)[0]


def _recolour(rng, lab, config):
    hue = _signed(rng, config.recolour_hue)
    saturation = 1.0 + _signed(rng, config.recolour_saturation)
    c, s = math.cos(hue) * saturation, math.sin(hue) * saturation
    a, b = lab[1].copy(), lab[2].copy()
    lab[1], lab[2] = c * a - s * b, s * a + c * b
    return lab, np.array([hue, saturation], np.float32)


def render_item(store: PictureStore, picture: int, rng: np.random.Generator, size: tuple,
                config: PseudoVideoConfig) -> dict:
    """One training item from picture `picture` of the store, driven only by `rng`."""
    source = store.pictures[picture]
    frames_n = config.frames
    kind = int(rng.choice(3, p=np.asarray(config.p_reference)))
    if kind == REFERENCE_SIMILAR and not store.neighbours[picture]:
        kind = REFERENCE_SELF
    elastic = None
    if rng.uniform() < config.p_elastic:
        elastic = known_motion.ElasticField.random(rng, size, rng.uniform(*config.elastic_amplitude),
                                             config.elastic_cells)
    margin = 2.0 + (elastic.amplitude if elastic else 0.0)
    times = list(range(frames_n))
    far = None
    if kind == REFERENCE_FAR:
        offset = int(rng.integers(config.far_offset[0], config.far_offset[1] + 1))
        far = float(frames_n - 1 + offset if rng.uniform() < 0.5 else -offset)
    camera = _random_camera(rng, source.shape[:2], size, config, moving=True)
    fitted = fit_camera(rng, camera, source.shape[:2], size, times + ([far] if far is not None else []), margin)
    if fitted is None and far is not None:
        kind, far = REFERENCE_SELF, None  # too fast to stay on the picture that long
        fitted = fit_camera(rng, camera, source.shape[:2], size, times, margin)
    if fitted is None:  # even the clip itself runs off the picture: slow the camera down
        still = _random_camera(rng, source.shape[:2], size, config, moving=False)
        fitted = fit_camera(rng, dataclasses.replace(still, angle=0.0, persp=(0.0, 0.0)),
                            source.shape[:2], size, times, margin)
    camera = fitted
    objects = _random_objects(rng, store, size, config)
    photometric = _photometric(rng, config)

    composed = [_compose(source, camera, elastic, objects, float(t), size) for t in times]
    flows, valids, frames = [], [], []
    for t in times:
        if t > 0:
            flow, valid = _flow_between(camera, elastic, objects, float(t), size, composed[t], composed[t - 1])
            flows.append(flow)
            valids.append(valid[None].astype(np.float32))
        frames.append(_to_lab(photometric(composed[t][0], float(t))))

    recolour = np.array([0.0, 1.0], np.float32)
    if kind == REFERENCE_FAR:
        reference = _to_lab(photometric(_compose(source, camera, elastic, objects, far, size)[0], far))
    elif kind == REFERENCE_SIMILAR:
        other = store.neighbours[picture][int(rng.integers(len(store.neighbours[picture])))]
        reference = _to_lab(_view(rng, store.pictures[other], size, config))
    else:
        reference, recolour = _recolour(rng, _to_lab(_view(rng, source, size, config)), config)
    return {
        "frames": np.stack(frames),
        "reference": reference,
        "reference_kind": kind,
        "reference_recolour": recolour,
        "flow": np.stack(flows),
        "valid": np.stack(valids),
    }
