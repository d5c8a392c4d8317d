"""Per-pixel fusion of a frame's colour candidates.

For each frame the node has up to four candidates for its chroma (`CANDIDATES`), each with
signals of how far it can be trusted at every pixel (made by excolor.engine.candidates):
  history   the run's previous output carried to this frame by motion: its error (how far the
            carried lightness is from the frame's, over a window) and where the flows each way
            agree;
  keyframe  a pinned keyframe's colours carried straight from its own frame: the same signals;
  exemplar  the network's output (the reference matched to this frame, then colorized): the
            match's confidence;
  global    the reference's chroma as a function of lightness alone (excolor.engine.global_colour):
            the fallback where nothing else explains the pixel; how coherent the reference's
            colours are at the pixel's lightness.
A fusion weighs them per pixel into one chroma and a confidence (1 = trusted). Two fusions
exist: the model's learned one (excolor.engine.fusion_graph, a graph in the model directory)
and the hand-set rule here, which model directories without that graph use.

The hand-set rule gives each candidate an error in L units and takes a softmax of the
negated errors; the confidence is the best candidate's error mapped to 0..1.

Every chroma here is channels first, (2, H, W) float32 a/b, as the rest of the engine keeps it.
"""
from __future__ import annotations

import dataclasses

import numpy as np

CANDIDATES = ("history", "keyframe", "exemplar", "global")


@dataclasses.dataclass(frozen=True, eq=False)
class Candidate:
    """ab (2,H,W) float32; error (H,W) float32 in L units for a carried candidate (0 for the
    others); quality (H,W) float32 0..1: flow consistency for a carried candidate, the match
    confidence for the exemplar, the lightness's coherence in the reference for global."""

    ab: np.ndarray
    error: np.ndarray
    quality: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class Candidates:
    """A frame's lightness (H,W) L 0..100 and its candidates {name: Candidate}, in CANDIDATES
    order, only those present."""

    lightness: np.ndarray
    by_name: dict


@dataclasses.dataclass(frozen=True, eq=False)
class Fused:
    """A frame's fused chroma ab (2,H,W) float32, its confidence (H,W) float32 in 0..1, and the
    weight each candidate got ({name: (H,W) float32} summing to 1 per pixel, names from
    CANDIDATES)."""

    ab: np.ndarray
    confidence: np.ndarray
    weights: dict

    @classmethod
    def keyed(cls, ab):
        """A pinned keyframe's own frame: the key's chroma ab (2,H,W), confidence 1, nothing weighed."""
        return cls(ab, np.ones(ab.shape[1:], np.float32), {})


@dataclasses.dataclass(frozen=True)
class FusionSettings:
    """Which candidates a frame may use and which fusion weighs them.

    candidates: a non-empty subset of CANDIDATES (an ablation knob: e.g. ("history",)); a frame
        with none of them available (a run's first frame without the exemplar) uses the
        exemplar anyway, so every frame has colour.
    rule: "learned" (the model directory's fusion graph; the hand-set rule where it has none)
        or "hand-set".
    from_pinned: the candidates a run from a pinned keyframe weighs (of `candidates`). By
        default only the key's own colours, carried by motion (history and keyframe): measured
        on real footage (benchmarks/quality.py), where the flows fail, a poorly carried colour
        of the key is still closer than the exemplar match (which cost 2-5 dB there) or the
        global colour (up to 4 dB on fast motion). A run from an unpinned keyframe weighs them
        all but the keyframe candidate: the exemplar is its only semantic match, and the global
        colour its fallback.
    The rest sets the hand-set rule: temperature (L units per e-fold of weight between two
    candidates); the exemplar's error exemplar_error + exemplar_uncertainty * (1 - match
    confidence); global_error, the global candidate's; confidence_scale, the best error at which
    the confidence reads 0.5.
    graph_sampled_above: a history longer than this on its long side is fed to the learned
    fusion's graph every other pixel (excolor.engine.fusion_graph), and the weights it returns
    weigh the full-size candidates. Histories up to it (the fusion's training, the quality
    benchmark at 448 px) are fused exactly as trained; measured from 640 to 1920 px, the sampling
    costs at most 0.08 dB on hard motion (every fourth pixel at 1920 cost up to 0.17).
    """

    candidates: tuple = CANDIDATES
    rule: str = "learned"
    from_pinned: tuple = ("history", "keyframe")
    temperature: float = 0.5
    exemplar_error: float = 4.0
    exemplar_uncertainty: float = 8.0
    global_error: float = 16.0
    confidence_scale: float = 3.0
    graph_sampled_above: int = 512

    def __post_init__(self):
        unknown = [c for c in self.candidates + self.from_pinned if c not in CANDIDATES]
        if unknown or not self.candidates:
            raise ValueError(f"fusion candidates must be a non-empty subset of {CANDIDATES} (and from_pinned "
                             f"a subset), got candidates={self.candidates}, from_pinned={self.from_pinned}")
        if self.rule not in ("learned", "hand-set"):
            raise ValueError(f"fusion rule must be 'learned' or 'hand-set', got {self.rule!r}")
        if not (self.temperature > 0 and self.confidence_scale > 0):
            raise ValueError("fusion temperature and confidence_scale must be positive")
        if self.graph_sampled_above < 16:
            raise ValueError(f"fusion graph_sampled_above must be at least 16, got {self.graph_sampled_above}")

    def candidates_for(self, from_pinned):
        """The candidates a frame of a run may weigh: a run from a pinned keyframe or not."""
        if from_pinned:
            return tuple(c for c in self.candidates if c in self.from_pinned)
        return tuple(c for c in self.candidates if c != "keyframe")

    def needs_exemplar(self, from_pinned, has_history):
        """Whether a frame of a run (from a pinned keyframe or not, with a history or at its
        first frame) uses the exemplar: when the fusion weighs it, or when no other colour is
        there (nothing carried, and no global colour, which every reference gives). When not,
        the node does not run the network for the frame at all."""
        uses = self.candidates_for(from_pinned)
        carried = (has_history and "history" in uses) or (from_pinned and "keyframe" in uses)
        return "exemplar" in uses or not (carried or "global" in uses)


def weighted_sum(by_name, weights):
    """sum_k weights[k] (H,W) * by_name[k].ab (2,H,W) -> (2,H,W) float32."""
    ab = None
    for name, weight in weights.items():
        term = weight * by_name[name].ab
        ab = term if ab is None else ab + term
    return ab.astype(np.float32)


class HandSetFusion:
    """The hand-set rule (module doc) on FusionSettings: Candidates -> Fused."""

    def __init__(self, settings=FusionSettings()):
        self.settings = settings

    def _error(self, name, candidate):
        settings = self.settings
        if name == "exemplar":
            confidence = np.clip(candidate.quality, 0.0, 1.0)
            return np.float32(settings.exemplar_error) + np.float32(settings.exemplar_uncertainty) * (1.0 - confidence)
        if name == "global":
            return np.full(candidate.ab.shape[1:], settings.global_error, np.float32)
        return np.asarray(candidate.error, np.float32)

    def __call__(self, candidates):
        if not candidates.by_name:
            raise ValueError("fusion needs at least one candidate")
        names = list(candidates.by_name)
        errors = np.stack([self._error(name, candidates.by_name[name]) for name in names])
        logits = -errors / np.float32(self.settings.temperature)
        logits -= logits.max(axis=0, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(axis=0, keepdims=True)
        weights = dict(zip(names, weights.astype(np.float32)))
        scale = np.float32(self.settings.confidence_scale)
        confidence = scale / (scale + errors.min(axis=0))
        return Fused(weighted_sum(candidates.by_name, weights), confidence.astype(np.float32), weights)


class CandidateUsage:
    """How much each candidate was used: the mean of its per-pixel weight over every pixel of
    the fused frames added (a candidate absent from a frame counts as weight 0 there)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self._sums = dict.fromkeys(CANDIDATES, 0.0)
        self._pixels = 0

    def add(self, weights):
        """One fused frame's Fused.weights."""
        pixels = None
        for name, weight in weights.items():
            self._sums[name] += float(weight.sum(dtype=np.float64))
            pixels = weight.size
        self._pixels += pixels or 0

    def means(self):
        return {name: (total / self._pixels if self._pixels else 0.0) for name, total in self._sums.items()}
