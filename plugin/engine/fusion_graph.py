"""The learned fusion: a model directory's `fusion` graph weighing a frame's candidates.

The graph (trained by excolor.model.fusion, exported beside the network's graphs) sees, per
pixel, every candidate's chroma and trust signals (excolor.engine.fusion.Candidate) and returns the
weights it gives each, their weighted chroma, and its estimate of the probability that the
fused chroma is within 5 ab units of the truth: the frame's confidence. Its inputs, at the
history size, candidates in excolor.engine.fusion.CANDIDATES order (K of them), zeros for an
absent candidate:

  lightness          (1,1,H,W)   L 0..100
  candidate_ab       (1,2K,H,W)  a, b of each candidate in turn
  candidate_error    (1,K,H,W)   Candidate.error (L units)
  candidate_quality  (1,K,H,W)   Candidate.quality (0..1)
  present            (1,K,1,1)   1 where the candidate exists for this frame
Outputs: ab (1,2,H,W), weights (1,K,H,W) (0 where absent, summing to 1), matte (1,1,H,W): the
confidence. These tensor names are the shipped graphs' and their manifests' own; the engine's
names (Fused.confidence) start at this module's boundary.

A history longer than FusionSettings.graph_sampled_above on its long side is fed to the graph
every other pixel (`graph_step`), as the graph itself samples its signals for the weights; the
weights and confidence it returns are brought back to the history size bilinearly (which
keeps them convex) and weigh the full-size candidates on the host. The weights are smooth
where the fused chroma is sharp, so the chroma keeps the history's detail for a quarter of the
graph's work (the history is at most optical_flow.HISTORY_CAP, so the graph at most half that).
"""
from __future__ import annotations

import cv2
import numpy as np

from .fusion import CANDIDATES, Fused, FusionSettings, HandSetFusion, weighted_sum

FUSION_GRAPH = "fusion"
FUSION_INPUTS = ("lightness", "candidate_ab", "candidate_error", "candidate_quality", "present")
FUSION_OUTPUTS = ("ab", "weights", "matte")  # "matte": the confidence (module doc)


def graph_step(height, width, sampled_above):
    """The step at which a (height, width) history is fed to the graph: every other pixel where
    its long side is over `sampled_above`, else every pixel."""
    return 2 if max(height, width) > sampled_above else 1


def fusion_inputs(candidates, inputs=None, step=1):
    """excolor.engine.fusion.Candidates -> {input name: float32 array} in the layout above,
    every `step`-th row and column of the history.

    inputs: a previous result for the same size, refilled in place and returned (a 1080p
    frame's inputs are 130 MB at full size: fresh zeroed arrays cost their page faults every
    frame); None, or another size, makes new arrays.
    """
    lightness = candidates.lightness[::step, ::step]
    height, width = lightness.shape
    count = len(CANDIDATES)
    if inputs is None or inputs["candidate_error"].shape != (1, count, height, width):
        inputs = {"candidate_ab": np.empty((1, 2 * count, height, width), np.float32),
                  "candidate_error": np.empty((1, count, height, width), np.float32),
                  "candidate_quality": np.empty((1, count, height, width), np.float32),
                  "present": np.empty((1, count, 1, 1), np.float32)}
    ab, error, quality, present = (inputs[name] for name in FUSION_INPUTS[1:])
    for index, name in enumerate(CANDIDATES):
        candidate = candidates.by_name.get(name)
        if candidate is None:
            ab[0, 2 * index:2 * index + 2] = 0.0
            error[0, index] = 0.0
            quality[0, index] = 0.0
            present[0, index] = 0.0
            continue
        ab[0, 2 * index:2 * index + 2] = candidate.ab[:, ::step, ::step]
        error[0, index] = candidate.error[::step, ::step]
        quality[0, index] = candidate.quality[::step, ::step]
        present[0, index] = 1.0
    inputs["lightness"] = np.ascontiguousarray(lightness[None, None], dtype=np.float32)
    return inputs


def _to_size(plane, height, width):
    """A (h, w) float32 plane brought to (height, width) bilinearly (pixel centres aligned).
    OpenCV's rather than excolor.colour.resample.resize: the same values (within 2e-7) at an
    eighth of the time for 1080p weights, on the fusion's per-frame path."""
    return cv2.resize(plane, (width, height), interpolation=cv2.INTER_LINEAR)


class LearnedFusion:
    """Runs the fusion graph (an ONNX Runtime session) on a frame's Candidates -> Fused."""

    def __init__(self, session, settings=FusionSettings()):
        self._session = session
        self.settings = settings
        self._inputs = None  # the last frame's input arrays, refilled for the next (fusion_inputs)

    def __call__(self, candidates):
        if not candidates.by_name:
            raise ValueError("fusion needs at least one candidate")
        height, width = candidates.lightness.shape
        step = graph_step(height, width, self.settings.graph_sampled_above)
        self._inputs = fusion_inputs(candidates, self._inputs, step)
        ab, weights, confidence = self._session.run(list(FUSION_OUTPUTS), self._inputs)
        by_name = {name: weights[0, CANDIDATES.index(name)] for name in candidates.by_name}
        if step == 1:
            return Fused(ab[0], confidence[0, 0], by_name)
        by_name = {name: _to_size(weight, height, width) for name, weight in by_name.items()}
        return Fused(weighted_sum(candidates.by_name, by_name), _to_size(confidence[0, 0], height, width), by_name)


def make_fusion(settings, sessions):
    """The fusion a node uses: the learned graph among `sessions` ({graph name: ORT session})
    when settings.rule is 'learned' and the model has one, else the hand-set rule."""
    if settings.rule == "learned" and FUSION_GRAPH in sessions:
        return LearnedFusion(sessions[FUSION_GRAPH], settings)
    return HandSetFusion(settings)
