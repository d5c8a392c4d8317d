"""A frame's colour candidates, each made from its source, at the history size.

The node gathers up to four (excolor.engine.fusion.CANDIDATES) before it fuses them:
  `carried_candidate`   the run's history from the previous frame, or a pinned keyframe's colours
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


def carried_candidate(motion_estimator, ab, source_l, lightness):
    """ab (2, h, w) aligned with lightness `source_l` (h, w) -> the Candidate carried to the
    frame of `lightness` (h, w): its chroma, error (L units) and flow consistency.

    motion_estimator: an excolor.engine.optical_flow.MotionEstimator.
    """
    motion = motion_estimator.motion(source_l, lightness)
    return Candidate(motion.carry(ab), motion.error, motion.consistent.astype(np.float32))


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
    excolor.engine.global_colour.LightnessChroma) looked up, error and quality 0."""
    zeros = np.zeros(lightness.shape, np.float32)
    return Candidate(table.apply(lightness), zeros, zeros)
