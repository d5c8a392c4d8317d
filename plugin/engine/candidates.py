"""A frame's colour candidates, each made from its source, at the history size.

The node gathers up to four (excolor.engine.fusion.CANDIDATES) before it fuses them:
  `carried_candidates`  the run's history from the previous frame, or a pinned keyframe's colours
                        straight from its own frame (so they do not drift through a chain of
                        flows), carried by motion (excolor.engine.optical_flow) to this frame;
  `exemplar_candidate`  the network's output (excolor.engine.exemplar.Exemplar), upsampled
                        edge-aware under the frame's lightness;
  `global_candidate`    the reference's chroma looked up by the frame's lightness.
Every chroma is channels first, (2, h, w) float32, from the source to the fusion.
"""
from __future__ import annotations

import numpy as np

from ..colour.resample import resize
from .fusion import Candidate


def carried_candidates(motion_estimator, sources, lightness):
    """{name: (ab (2, h, w), source_l (h, w))}, each chroma aligned with its lightness -> {name:
    Candidate} carried to the frame of `lightness` (h, w), in the same order: its chroma, error
    (L units) and flow consistency.

    motion_estimator: an excolor.engine.optical_flow.MotionEstimator; the motions of all
    sources are asked at once (DIS runs their flows in parallel, the graph as one batch).
    """
    motions = motion_estimator.motions([(source_l, lightness) for _, source_l in sources.values()])
    return {name: Candidate(motion.carry(ab), motion.error, motion.consistent.astype(np.float32))
            for (name, (ab, _)), motion in zip(sources.items(), motions)}


def exemplar_candidate(upsampler, match, lightness):
    """The network's Exemplar `match` (at its content size) -> its Candidate at the size of
    `lightness` (h, w): ab upsampled by `upsampler` (an excolor.colour.upsample.GuidedChromaUpsampler)
    under that lightness, quality the match's confidence resized (0..1), error 0."""
    height, width = lightness.shape
    ab = upsampler(lightness, match.lightness, match.ab)
    confidence = np.clip(resize(match.confidence, height, width), 0.0, 1.0)
    return Candidate(ab, np.zeros(lightness.shape, np.float32), confidence.astype(np.float32))


def global_candidate(table, lightness):
    """The global Candidate for a frame's lightness (h, w): `table` (the reference's
    excolor.engine.global_colour.LightnessChroma) looked up, its quality the lightness's
    coherence there (0..1), error 0."""
    looked_up = table.apply(lightness)
    return Candidate(looked_up[:2], np.zeros(lightness.shape, np.float32), looked_up[2])
