"""The network's step for a frame: the keyframe's picture matched to the frame, colorized.

This is the paper's exemplar-based prediction: the reference graph's code for the keyframe
(encoded once per picture, excolor.engine.references), the correspondence and colorization
graphs on the frame's lightness at the network size and the run's previous-frame Lab
(excolor.engine.graph_runtime). What comes back is cropped to the plate's content (the
network size is padded) and is the exemplar candidate's source.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..timing import StageTimer

# The largest saturation setting: a gain of 4 takes a strongly coloured prediction (|ab| near 30)
# to the edge of CIELAB's ab range (about +-128), beyond every display's gamut; larger gains only
# clip, and huge ones overflow float32 into NaN (black frames).
MAX_SATURATION = 4.0


@dataclasses.dataclass(frozen=True, eq=False)
class Exemplar:
    """The network's output for a frame at its content size (content_h, content_w): lightness
    (h, w) L 0..100, ab (2, h, w) float32 (the saturation setting applied), confidence (h, w)
    float32 0..1 of the match."""

    lightness: np.ndarray
    ab: np.ndarray
    confidence: np.ndarray


class ExemplarNetwork:
    """Runs the network on a prepared plate (excolor.engine.plates.Plate) for a keyframe.

    runtime: the node's GraphRuntime; references: its ReferenceBank; saturation: the factor on
    the predicted ab; timer: its StageTimer (`reference` for the code lookup; the runtime times
    correspondence and colorization). `steps` counts the frames run.
    """

    def __init__(self, runtime, references, saturation, timer=None):
        self._runtime = runtime
        self._references = references
        self._saturation = np.float32(saturation)
        self._timer = timer or StageTimer()
        self.steps = 0

    def __call__(self, plate, keyframe, previous_lab):
        """-> (Exemplar, the next previous-frame Lab (1,3,net_h,net_w) as the runtime keeps it)."""
        with self._timer.stage("reference"):
            code = self._references.code(keyframe)
        ab, confidence, next_lab = self._runtime.step(plate.frame_l, code, previous_lab)
        self.steps += 1
        crop = (0, slice(None), slice(0, plate.layout.content_h), slice(0, plate.layout.content_w))
        return Exemplar(plate.l_content, ab[crop] * self._saturation, confidence[crop][0]), next_lab
