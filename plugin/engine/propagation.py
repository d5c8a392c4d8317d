"""One frame of a run at the history size: its colour candidates, carried and fused.

For each frame the node has up to four candidates for its chroma (excolor.engine.fusion.CANDIDATES):
the run's history (its previous output, carried by motion from the previous frame), a pinned
keyframe (its colours carried straight from its own frame, so they do not drift through a
chain of flows), the exemplar match (the network's output, upsampled edge-aware under the
frame's lightness) and the reference's global colour by lightness. `Propagation.frame`
carries and fuses them; the fused chroma becomes the run's next history. A keyframe's own frame is not fused at all: it returns the key.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..colour.cielab import srgb_to_lab
from ..colour.resample import resize
from ..timing import StageTimer
from .fusion import CANDIDATES, Candidate, Candidates
from .global_colour import LightnessChroma
from .optical_flow import MotionEstimator, history_size
from .runs import refuse_other_aspect


@dataclasses.dataclass(frozen=True, eq=False)
class KeyChroma:
    """A pinned keyframe's colours for one plate size.

    ab_plate: (2, H, W) float32 CIELAB a/b at the plate's size (what the key's frame returns);
    ab: (2, h, w) the same at the history size; lightness: (h, w) L of the plate at the key's
    frame at the history size (what motion from the key's frame is estimated against), or None
    until that frame's plate has been seen.
    """

    ab_plate: np.ndarray
    ab: np.ndarray
    lightness: np.ndarray | None = None


def key_chroma(display_rgb, plate_height, plate_width, where):
    """KeyChroma (without lightness) from a keyframe's display sRGB (h, w, 3) for a plate size.

    A key of another size is resized to the plate where only the size differs; a key whose
    aspect ratio differs from the plate's (by more than a pixel's rounding) is refused, since
    it cannot be the coloured version of that frame.
    """
    key_h, key_w = display_rgb.shape[:2]
    refuse_other_aspect((key_h, key_w), (plate_height, plate_width), where)
    ab = np.moveaxis(srgb_to_lab(np.clip(display_rgb, 0.0, 1.0))[..., 1:], -1, 0).astype(np.float32)
    if (key_h, key_w) != (plate_height, plate_width):
        ab = resize(ab, plate_height, plate_width)
    ab_plate = np.ascontiguousarray(ab, dtype=np.float32)
    height, width = history_size(plate_height, plate_width)
    ab_history = ab_plate if (height, width) == (plate_height, plate_width) else resize(ab_plate, height, width)
    return KeyChroma(ab_plate, np.ascontiguousarray(ab_history, dtype=np.float32))


class KeyChromas:
    """Per keyframe, made once: its KeyChroma per plate size (see `key_chroma`) and the
    LightnessChroma of its picture (the global candidate, pinned or not).

    references: the node's excolor.engine.references.ReferenceBank (the keyframe's display image).
    """

    def __init__(self, references):
        self._references = references
        self._made = {}

    def _display_lab(self, keyframe):
        _, display = self._references.display(keyframe)
        return srgb_to_lab(np.clip(display, 0.0, 1.0))

    def get(self, keyframe, plate_height, plate_width, key_frame_lightness):
        """The keyframe's KeyChroma for a plate size, with its frame's lightness taken from
        `key_frame_lightness()` (history-size L of the plate at the key's frame) on first use."""
        cache_key = (id(keyframe), plate_height, plate_width)
        made = self._made.get(cache_key)
        if made is None or made[0] is not keyframe:
            _, display = self._references.display(keyframe)
            chroma = key_chroma(display, plate_height, plate_width, f"keyframe {keyframe.describe()}")
            made = (keyframe, dataclasses.replace(chroma, lightness=key_frame_lightness()))
            self._made[cache_key] = made
        return made[1]

    def lightness_chroma(self, keyframe):
        """The keyframe picture's LightnessChroma (the global candidate's table)."""
        cache_key = (id(keyframe), "global")
        made = self._made.get(cache_key)
        if made is None or made[0] is not keyframe:
            made = (keyframe, LightnessChroma.from_lab(self._display_lab(keyframe)))
            self._made[cache_key] = made
        return made[1]

    def clear(self):
        self._made.clear()


@dataclasses.dataclass(frozen=True, eq=False)
class Exemplar:
    """The network's output for a frame at its content size: lightness (h, w), ab (2, h, w)
    (the saturation setting applied), confidence (h, w) of the match."""

    lightness: np.ndarray
    ab: np.ndarray
    confidence: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class Propagated:
    """A frame's fused chroma ab (2, h, w) and matte (h, w) at the history size, and the weight
    each candidate got ({name: (h, w)}, names from CANDIDATES)."""

    ab: np.ndarray
    matte: np.ndarray
    weights: dict


def _planes(image):
    return np.ascontiguousarray(np.moveaxis(image, -1, 0), dtype=np.float32)


def _pixels(planes):
    return np.ascontiguousarray(np.moveaxis(planes, 0, -1), dtype=np.float32)


class Propagation:
    """Carries a frame's candidates and fuses them (see module doc).

    upsampler: an excolor.colour.upsample.GuidedChromaUpsampler (the exemplar's way to the history
    size); fusion: a callable Candidates -> excolor.engine.fusion.Fused with a `settings` attribute
    (an excolor.engine.fusion.FusionSettings: which candidates it weighs): excolor.engine.fusion.HandSetFusion,
    excolor.engine.fusion_graph.LearnedFusion, or a caller's own (training records candidates so); timer: the node's StageTimer,
    which gets `motion` (flow and carrying) and `fusion`.
    """

    def __init__(self, upsampler, fusion, timer=None, motion=None):
        self.fusion = fusion
        self._upsampler = upsampler
        self._motion = motion or MotionEstimator()
        self._timer = timer or StageTimer()

    def _carried(self, ab, source_l, lightness):
        motion = self._motion.motion(source_l, lightness)
        return Candidate(motion.carry(_pixels(ab)), motion.error, motion.consistent.astype(np.float32))

    def needs_exemplar(self, has_history, pinned):
        """Whether a frame of a run (pinned or not, with a history or at its first frame) uses
        the exemplar match: when the fusion weighs it, or when nothing carried is there. When
        not, the node does not run the network for the frame at all."""
        uses = self.fusion.settings.candidates_for(pinned)
        carried = (has_history and "history" in uses) or (pinned and "keyframe" in uses)
        return "exemplar" in uses or not carried

    def frame(self, lightness, history, key, exemplar, global_chroma):
        """Fuse one frame.

        lightness: (h, w) L of the frame at the history size. history: (ab (2,h,w), L (h,w)) of
        the run's previous frame, or None at a run's first frame. key: a KeyChroma with its
        lightness, or None (unpinned reference). exemplar: an Exemplar, or None where
        `needs_exemplar` says it is not used. global_chroma: the reference's
        excolor.engine.global_colour.LightnessChroma.
        """
        uses = self.fusion.settings.candidates_for(key is not None)
        slots = {}
        with self._timer.stage("motion"):
            if history is not None and "history" in uses:
                slots["history"] = self._carried(history[0], history[1], lightness)
            if key is not None and "keyframe" in uses:
                slots["keyframe"] = self._carried(key.ab, key.lightness, lightness)
        with self._timer.stage("fusion"):
            zeros = np.zeros(lightness.shape, np.float32)
            if "exemplar" in uses or not slots:
                height, width = lightness.shape
                ab = self._upsampler(lightness, exemplar.lightness, exemplar.ab)
                confidence = np.clip(resize(exemplar.confidence, height, width), 0.0, 1.0)
                slots["exemplar"] = Candidate(_pixels(ab), zeros, confidence.astype(np.float32))
            if "global" in uses:
                slots["global"] = Candidate(global_chroma.apply(lightness), zeros, zeros)
            fused = self.fusion(Candidates(lightness, slots))
        return Propagated(_planes(fused.ab), fused.matte, fused.weights)


class CandidateUsage:
    """How much each candidate was used: the mean of its per-pixel weight over every pixel of
    the fused frames added (a candidate absent from a frame counts as weight 0 there)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self._sums = dict.fromkeys(CANDIDATES, 0.0)
        self._pixels = 0

    def add(self, weights):
        pixels = None
        for name, weight in weights.items():
            self._sums[name] += float(weight.sum(dtype=np.float64))
            pixels = weight.size
        self._pixels += pixels or 0

    def means(self):
        return {name: (total / self._pixels if self._pixels else 0.0) for name, total in self._sums.items()}


def history_lightness(l_full, plate_height, plate_width):
    """The plate's lightness (H, W) at the history size (itself up to the cap)."""
    height, width = history_size(plate_height, plate_width)
    if (height, width) == (plate_height, plate_width):
        return np.ascontiguousarray(l_full, dtype=np.float32)
    return np.ascontiguousarray(resize(l_full, height, width), dtype=np.float32)
