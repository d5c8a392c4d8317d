"""PseudoVideoDataset: the torch Dataset that training iterates (contract in notes/contracts.md)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from . import index as idx
from .config import PseudoVideoConfig
from .recipe import missing_root
from .render import render_item
from .store import load_store

SPLITS = ("train", "val")


MIN_SIDE = 32  # the lite network's smallest side (LiteConfig.min_side)


class PseudoVideoDataset(Dataset):
    """Pseudo-videos with exactly known motion, drawn from the pictures of one split.

    Args:
      root: data root (images/, objects/ from fetch_training_data.sh, see recipe.py; the index
        and a cache of downscaled pictures are written there). Built-in sources (skimage, sklearn,
        matplotlib, carphone) are added per `config.sources`.
      split: "train" or "val" (disjoint by picture, and by variants of a picture).
      size: (H, W) of every frame and of the reference.
      seed: item i is a pure function of (seed, epoch, i); see `set_epoch`.
      config: a `PseudoVideoConfig`.

    Item (dict of tensors), T = config.frames:
      frames (T,3,H,W) float32 true colour, CIELAB with L centred (L-50), ab raw;
      reference (3,H,W) float32 CIELAB centred; reference_kind int64 0 self / 1 similar / 2 far;
      reference_recolour (2,) float32 [hue rotation rad, saturation factor] (0, 1 if none);
      flow (T-1,2,H,W) float32 backward flow in pixels: frame t's pixel (x,y) came from
        (x+flow[0], y+flow[1]) in frame t-1;
      valid (T-1,1,H,W) float32 1 where that flow is defined; picture int64 (index in split).
    """

    def __init__(self, root, split="train", size=(224, 384), seed=0, config=PseudoVideoConfig()):
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if len(size) != 2 or min(int(s) for s in size) < MIN_SIDE:
            raise ValueError(f"size must be (H, W) with both sides >= {MIN_SIDE}, got {size!r}")
        if not isinstance(config, PseudoVideoConfig):
            raise ValueError(f"config must be a PseudoVideoConfig, got {type(config).__name__}")
        self.root = Path(root)
        if not self.root.is_dir():
            raise missing_root(self.root)
        self.split = split
        self.size = (int(size[0]), int(size[1]))
        self.seed = int(seed)
        self.config = config
        self.epoch = 0
        self.index = idx.build_index(self.root, config.sources, config.val_fraction)
        self.store = load_store(self.root, self.index, split, self.size, config.source_scale,
                                config.object_max_side, config.neighbours)

    def __len__(self):
        return len(self.store.pictures) * self.config.items_per_picture

    def set_epoch(self, epoch: int) -> None:
        """Draw other videos for the same indices (call before creating the epoch's iterator)."""
        self.epoch = int(epoch)

    def sample(self, i: int) -> dict:
        """Item i as numpy arrays (the same content as `__getitem__`)."""
        if not 0 <= i < len(self):
            raise IndexError(f"item {i} out of range 0..{len(self) - 1}")
        rng = np.random.default_rng([self.seed, self.epoch, i])
        picture = i % len(self.store.pictures)
        item = render_item(self.store, picture, rng, self.size, self.config)
        item["picture"] = picture
        return item

    def __getitem__(self, i):
        item = self.sample(int(i))
        return {
            key: torch.as_tensor(value) if isinstance(value, np.ndarray) else torch.tensor(value, dtype=torch.int64)
            for key, value in item.items()
        }

    def locators(self) -> list:
        """Locator of every picture of this split (for provenance and split checks)."""
        return list(self.store.locators)

    def record(self) -> dict:
        """Data provenance for a model manifest: `data_record` plus this dataset's settings."""
        record = idx.data_record(self.root)
        record["split"] = self.split
        record["size"] = list(self.size)
        record["seed"] = self.seed
        record["config"] = dataclasses.asdict(self.config)
        return record
