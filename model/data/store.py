"""In-memory pictures and objects of one split, and each picture's look-alike neighbours."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import cv2
import numpy as np

from excolor.errors import InputError

from . import index as idx
from . import sources as src


@dataclasses.dataclass(frozen=True)
class PictureStore:
    """pictures: list of HxWx3 uint8 sRGB (short side = `short_side`); locators/groups align.
    objects: list of hxwx4 uint8 RGBA cut-outs. neighbours[i]: indices of the pictures most
    like picture i (never i itself nor a variant of it from the same split group)."""

    pictures: list
    locators: list
    groups: list
    objects: list
    neighbours: list


def descriptor(rgb: np.ndarray) -> tuple:
    """(colour histogram over a and b + L, unit-norm zero-mean 8x8 gray thumbnail)."""
    small = cv2.resize(rgb, (64, 64), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    hist_ab, _, _ = np.histogram2d(lab[:, 1], lab[:, 2], bins=8, range=[[64, 192], [64, 192]])
    hist_l, _ = np.histogram(lab[:, 0], bins=8, range=(0, 256))
    hist = np.concatenate([hist_ab.ravel(), hist_l]).astype(np.float32)
    hist /= hist.sum()
    gray = cv2.resize(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (8, 8), interpolation=cv2.INTER_AREA)
    thumb = gray.astype(np.float32).ravel()
    thumb -= thumb.mean()
    thumb /= np.linalg.norm(thumb) + 1e-6
    return hist, thumb


def neighbour_table(pictures: list, groups: list, count: int) -> list:
    """For each picture the `count` nearest others by histogram L1 + (1 - thumbnail cosine)."""
    described = [descriptor(p) for p in pictures]
    hists = np.stack([d[0] for d in described])
    thumbs = np.stack([d[1] for d in described])
    dist = 0.5 * np.abs(hists[:, None] - hists[None]).sum(-1) + (1.0 - thumbs @ thumbs.T)
    table = []
    for i in range(len(pictures)):
        order = [j for j in np.argsort(dist[i], kind="stable") if groups[j] != groups[i]]
        table.append([int(j) for j in order[:count]])
    return table


def _fit_short_side(rgb: np.ndarray, short_side: int) -> np.ndarray:
    scale = short_side / min(rgb.shape[:2])
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_CUBIC
    return cv2.resize(rgb, size, interpolation=interpolation)


def load_store(root: Path, index: dict, split: str, frame_size: tuple, source_scale: float,
               object_max_side: int, neighbours: int) -> PictureStore:
    """Decode the split's cached pictures at `source_scale` x the frame's short side."""
    entries = [
        e for e in index["pictures"]
        if e["usable"] and "duplicate_of" not in e and e["split"] == split
    ]
    if not entries:
        raise InputError(f"data root {root}: no pictures in split '{split}' (index lists "
                         f"{index['record']['pictures']} pictures in all)")
    short_side = math.ceil(min(frame_size) * source_scale)
    pictures = []
    for e in entries:
        path = root / idx.CACHE_DIR / e["cache"]
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise InputError(f"{path}: cached picture of {e['locator']} unreadable; delete "
                             f"{root / idx.INDEX_NAME} to rebuild")
        pictures.append(np.ascontiguousarray(_fit_short_side(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), short_side)))
    objects = []
    for o in index["objects"]:
        if o["split"] == split:
            rgba = src.load_object(root / o["locator"], object_max_side)
            if rgba is not None:
                objects.append(rgba)
    groups = [e["group"] for e in entries]
    return PictureStore(
        pictures=pictures,
        locators=[e["locator"] for e in entries],
        groups=groups,
        objects=objects,
        neighbours=neighbour_table(pictures, groups, neighbours),
    )
