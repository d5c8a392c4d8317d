"""Candidate clips: what the runtime node's fusion sees on a pseudo-video, recorded for training.

Each clip is a pseudo-video (excolor.model.data: real pictures under known motion) turned into
the benchmark's input (8-bit sRGB -> OpenCV gray in three channels) and run through the real
node with a recording fusion, so training sees the exemplar match, keyframe carry and global
colour exactly as inference computes them. The history candidate depends on the fusion's own
past output, so it is not recorded as values but as its motion (excolor.engine.optical_flow.Motion, which
does not depend on what is carried): training carries its own output along it.

A clip is either keyed (its true frame 0 pinned to frame 0: the run starts from the key and
carries it) or unkeyed (a reference that is not a frame of the clip, never pinned: a view of the
same picture, a look-alike, a far frame, another scene, a detail, another grade; drawn by
excolor.model.fusion.unkeyed_references). Saved as one .npz per clip, float16 except
the lightness and the motion offsets, float32 (the motion is estimated from the lightness, and
offsets need sub-pixel precision):
  truth_ab (T,2,H,W); lightness (T,H,W); exemplar_ab (T,2,H,W), exemplar_quality (T,H,W);
  global_ab (T,2,H,W), global_quality (T,H,W); keyframe_ab (T,2,H,W), keyframe_error, keyframe_quality (T,H,W) (zeros
  when unkeyed and at frame 0); history_offset (T,2,H,W) float32 (source pixel - target pixel),
  history_error, history_quality (T,H,W) (zeros at frame 0); keyed () bool.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np

from excolor.colour.cielab import lab_to_srgb, srgb_to_lab
from excolor.files import replacing
from excolor.engine.fusion import CANDIDATES, FusionSettings, HandSetFusion
from excolor.engine.optical_flow import DisMotion
from excolor.engine.node import ColorizeNode, Keyframe, NodeTuning, Shot

from ..data.config import PseudoVideoConfig
from ..data.dataset import PseudoVideoDataset
from .unkeyed_references import draw_kind, unkeyed_reference


@dataclasses.dataclass(frozen=True)
class ClipSettings:
    """clips: how many to record; frames: T per clip (drift needs >= 8); size: (H, W);
    keyed_fraction: share of keyed clips (the rest unkeyed); unkeyed_references: the share of
    each kind of reference among the unkeyed clips ((kind, share) pairs, kinds from
    excolor.model.fusion.unkeyed_references.UNKEYED_REFERENCES); seed: which pseudo-videos."""

    clips: int = 320
    frames: int = 10
    size: tuple = (192, 320)
    keyed_fraction: float = 0.5
    unkeyed_references: tuple = (("pseudo-video", 0.4), ("other picture", 0.3), ("detail", 0.15),
                                 ("regraded", 0.15))
    seed: int = 0


class RecordingFusion:
    """A fusion that keeps every frame's Candidates (every candidate, the exemplar of runs from
    a pinned keyframe too, so that training can choose) and fuses by the hand-set rule (what it returns only
    drives the node's history, which training replaces by its own)."""

    settings = FusionSettings(rule="hand-set", from_pinned=CANDIDATES)

    def __init__(self):
        self.frames = []
        self._fuse = HandSetFusion(self.settings)

    def __call__(self, candidates):
        self.frames.append(candidates)
        return self._fuse(candidates)


def to_8bit_srgb(lab_centred):
    """(3,H,W) CIELAB with L centred -> (H,W,3) uint8 sRGB, as a video frame stores it."""
    lab = np.moveaxis(lab_centred, 0, -1).astype(np.float32) + np.array([50.0, 0.0, 0.0], np.float32)
    return np.round(np.clip(lab_to_srgb(lab), 0.0, 1.0) * 255.0).astype(np.uint8)


def gray_plate(rgb8):
    """(H,W,3) uint8 sRGB -> the benchmark's input: OpenCV's gray in three channels, 0..1."""
    gray = cv2.cvtColor(rgb8, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    return np.repeat(gray[..., None], 3, axis=2)


def record_clip(node, recorder, item, reference_lab=None):
    """Run `node` (whose fusion is `recorder`, a RecordingFusion) over a pseudo-video item ->
    the clip's arrays (module doc). reference_lab: an unkeyed clip's reference (3,H,W CIELAB,
    L centred), never pinned; None: the clip is keyed (its true frame 0 pinned to frame 0)."""
    rgb8 = [to_8bit_srgb(frame) for frame in item["frames"]]
    plates = [gray_plate(frame) for frame in rgb8]
    count = len(plates)
    keyed = reference_lab is None
    reference = rgb8[0] if keyed else to_8bit_srgb(reference_lab)
    node.source = lambda n: plates[n]
    node.shots = [Shot(0, count - 1, [Keyframe(reference.astype(np.float32) / 255.0, frame=0 if keyed else "none")])]
    recorder.frames.clear()
    (run,) = node.runs(0)
    state = node.initial_state(run)
    for _ in range(count):
        _, state = node.step(run, state)
    recorded = ([None] if keyed else []) + recorder.frames
    height, width = plates[0].shape[:2]
    clip = {
        "truth_ab": np.stack([np.moveaxis(srgb_to_lab(f.astype(np.float32) / 255.0)[..., 1:], -1, 0) for f in rgb8]),
        "lightness": np.stack([srgb_to_lab(p)[..., 0] for p in plates]),
        "keyed": np.array(keyed),
    }
    zeros1, zeros2 = np.zeros((count, height, width), np.float32), np.zeros((count, 2, height, width), np.float32)
    for name in ("exemplar_ab", "global_ab", "keyframe_ab", "history_offset"):
        clip[name] = zeros2.copy()
    for name in ("exemplar_quality", "global_quality", "keyframe_error", "keyframe_quality", "history_error", "history_quality"):
        clip[name] = zeros1.copy()
    for t, candidates in enumerate(recorded):
        if candidates is None:
            continue
        clip["lightness"][t] = candidates.lightness
        by_name = candidates.by_name
        clip["exemplar_ab"][t] = by_name["exemplar"].ab
        clip["exemplar_quality"][t] = by_name["exemplar"].quality
        clip["global_ab"][t] = by_name["global"].ab
        clip["global_quality"][t] = by_name["global"].quality
        if "keyframe" in by_name:
            clip["keyframe_ab"][t] = by_name["keyframe"].ab
            clip["keyframe_error"][t] = by_name["keyframe"].error
            clip["keyframe_quality"][t] = by_name["keyframe"].quality
    estimator = DisMotion()
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    for t in range(1, count):
        motion = estimator.motion(clip["lightness"][t - 1], clip["lightness"][t])
        clip["history_offset"][t] = np.stack([motion.map_x - xs, motion.map_y - ys])
        clip["history_error"][t] = motion.error
        clip["history_quality"][t] = motion.consistent
    return {name: (value if name in ("history_offset", "lightness", "keyed") else value.astype(np.float16))
            for name, value in clip.items()}


def clip_path(folder, index):
    return Path(folder) / f"clip_{index:05d}.npz"


def unkeyed_draw(settings, index):
    """(rng, kind) of unkeyed clip `index` of a recording with `settings` (ClipSettings): the
    kind of its reference (UNKEYED_REFERENCES) and the generator its reference draws on from there."""
    rng = np.random.default_rng([settings.seed, index, 1])
    return rng, draw_kind(rng, dict(settings.unkeyed_references))


def record_clips(data_root, folder, model=None, settings=ClipSettings(), progress=None):
    """Record settings.clips clips into `folder` (skipping those already there, so a stopped
    recording resumes); returns the paths. `progress(done, total)` is called after each clip."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = dataclasses.replace(PseudoVideoConfig(), frames=settings.frames)
    dataset = PseudoVideoDataset(data_root, "train", settings.size, settings.seed, config)
    recorder = RecordingFusion()
    node = ColorizeNode(model, device="cpu", fusion=recorder, tuning=NodeTuning(threads=1))
    share = settings.keyed_fraction
    paths = []
    for index in range(settings.clips):
        path = clip_path(folder, index)
        paths.append(path)
        if not path.exists():
            item = dataset.sample(index)
            reference = None
            if int((index + 1) * share) <= int(index * share):  # keyed clips spread evenly
                rng, kind = unkeyed_draw(settings, index)
                other = None
                if kind == "other picture":
                    # Item i shows picture i % pictures: an offset of 1..pictures-1 is another picture.
                    offset = int(rng.integers(1, len(dataset.store.pictures)))
                    other = dataset.sample((index + offset) % len(dataset))
                reference = unkeyed_reference(rng, kind, item, other)
            clip = record_clip(node, recorder, item, reference)
            with replacing(path) as temporary, open(temporary, "wb") as file:
                np.savez(file, **clip)
        if progress is not None:
            progress(index + 1, settings.clips)
    return paths
