"""The references of the fusion's unkeyed clips: what an unpinned reference is at inference.

A render finds the frame a reference colours and pins it there (excolor.engine.reference_frames),
so the references left unpinned are pictures that are not a frame of the shot: another view of
the scene, objects missing or added, another grade, a detail of it, or a picture of another
scene altogether. The fusion of unpinned runs must learn both to use a right exemplar match and
to fall back to the global colour where the match is wrong, so its clips draw all of these:

  pseudo-video   the pseudo-video's own reference: a view of the same picture without the
                 clip's moving objects, a look-alike picture, or a frame of the clip far away;
  other picture  the first frame of another pseudo-video of the split (another scene);
  detail         a 25-45 % crop of the clip's first frame enlarged to the frame's size (another
                 framing: most of the frame's content is missing from it);
  regraded       the pseudo-video's own reference under another grade (hue turned by 0.15-0.35
                 rad either way, saturation scaled by 0.7-1.3, a gamma of 0.8-1.25 on L).
Every draw is a pure function of the clip's index and the settings' seed.
"""
from __future__ import annotations

import cv2
import numpy as np

UNKEYED_REFERENCES = ("pseudo-video", "other picture", "detail", "regraded")


def draw_kind(rng, shares):
    """One of UNKEYED_REFERENCES, drawn with `shares` ({kind: probability}, summing to 1)."""
    kinds = [kind for kind in UNKEYED_REFERENCES if shares.get(kind, 0.0) > 0.0]
    weights = np.array([shares[kind] for kind in kinds], np.float64)
    return kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]


def detail(rng, lab):
    """A 25-45 % (of each side) crop of `lab` (3,H,W CIELAB, L centred) at a random place,
    enlarged back to (H,W)."""
    _, height, width = lab.shape
    share = rng.uniform(0.25, 0.45)
    crop_h, crop_w = max(8, int(height * share)), max(8, int(width * share))
    top, left = int(rng.integers(0, height - crop_h + 1)), int(rng.integers(0, width - crop_w + 1))
    crop = np.moveaxis(lab[:, top:top + crop_h, left:left + crop_w], 0, -1)
    return np.moveaxis(cv2.resize(np.ascontiguousarray(crop, np.float32), (width, height),
                                  interpolation=cv2.INTER_LINEAR), -1, 0)


def regraded(rng, lab):
    """`lab` (3,H,W CIELAB, L centred) under another grade (module doc)."""
    hue = rng.uniform(0.15, 0.35) * rng.choice((-1.0, 1.0))
    saturation = rng.uniform(0.7, 1.3)
    gamma = np.exp(rng.uniform(np.log(0.8), np.log(1.25)))
    out = np.array(lab, np.float32, copy=True)
    c, s = np.cos(hue) * saturation, np.sin(hue) * saturation
    a, b = lab[1], lab[2]
    out[1], out[2] = c * a - s * b, s * a + c * b
    lightness = np.clip((lab[0] + 50.0) / 100.0, 0.0, 1.0)
    out[0] = 100.0 * lightness ** gamma - 50.0
    return out


def unkeyed_reference(rng, kind, item, other_item):
    """The reference (3,H,W CIELAB, L centred) of an unkeyed clip of `kind`: from the clip's
    pseudo-video `item` (frames, reference) and, for "other picture", `other_item` (another
    pseudo-video of the split; None for other kinds)."""
    if kind == "pseudo-video":
        return item["reference"]
    if kind == "other picture":
        return other_item["frames"][0]
    if kind == "detail":
        return detail(rng, item["frames"][0])
    if kind == "regraded":
        return regraded(rng, item["reference"])
    raise ValueError(f"unkeyed reference kind must be one of {UNKEYED_REFERENCES}, got {kind!r}")
