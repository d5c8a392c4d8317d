"""Motion as an ONNX graph on the node's device: `GraphMotion`, the experimental MotionEstimator.

The shipped graph `motion` (defined in `excolor.export.motion_graph`: pyramidal Lucas-Kanade with
warping, a fixed number of levels and iterations) estimates both flows of every pair in one run
and judges them as `excolor.engine.optical_flow.DisMotion` does (same window, round trip and
occlusion penalty), so the fusion gets the same kind of Motion. The host only scales the
lightness down to the flow's working size (cv2.INTER_AREA, as for DIS) and carries chroma along
the returned maps (`Motion.carry`). Measured on the CPU it is slower than DIS
(benchmarks/results/speed_findings.md); it is for a GPU, where it frees the host's cores.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..errors import InputError
from ..ort.sessions import graph_session
from .optical_flow import Motion, MotionSettings, flow_size

MOTION_GRAPH = "motion"  # the shipped graph's name (excolor/ort/graph_files/motion.onnx)
MOTION_OUTPUTS = ("map_x", "map_y", "error", "consistent")
# The graph halves the flow's image four times and needs two pixels a side at the coarsest.
MIN_FLOW_SIDE = 32


class GraphMotion:
    """Motion from the shipped `motion` graph in an ONNX Runtime session.

    providers, session_options: the node's (its GraphRuntime's), so the graph runs on the node's
    device with its thread settings. settings: the flow's working size (`flow_long_side`); the
    judging settings are the graph's own, those of `MotionSettings()`.
    """

    name = "graph"

    def __init__(self, providers, session_options=None, settings=MotionSettings()):
        self.settings = settings
        self._session = graph_session(MOTION_GRAPH, providers, session_options)

    def motion(self, source_l, target_l):
        """The Motion from lightness `source_l` (H,W) to `target_l` (H,W), L 0..100."""
        return self.motions([(source_l, target_l)])[0]

    def motions(self, pairs):
        """[Motion] of each (source_l, target_l) pair (all of one size), in one run of the graph."""
        sources = np.stack([np.asarray(s, np.float32) for s, _ in pairs])[:, None]
        targets = np.stack([np.asarray(t, np.float32) for _, t in pairs])[:, None]
        height, width = sources.shape[2:]
        size = flow_size(height, width, self.settings.flow_long_side) or (width, height)
        if min(size) < MIN_FLOW_SIDE:
            raise InputError(f"the motion graph needs images of at least {MIN_FLOW_SIDE} pixels a side "
                             f"(got {width}x{height}); use the default motion (DIS)")
        feeds = {"source_l": sources, "target_l": targets,
                 "source_small": self._small(sources, size), "target_small": self._small(targets, size)}
        map_x, map_y, error, consistent = self._session.run(list(MOTION_OUTPUTS), feeds)
        return [Motion(*arrays) for arrays in zip(map_x, map_y, error, consistent)]

    @staticmethod
    def _small(images, size):
        """(N, 1, H, W) -> (N, 1, h, w) at the flow's size (w, h), area-averaged."""
        if size == images.shape[:1:-1]:
            return images
        return np.stack([cv2.resize(image[0], size, interpolation=cv2.INTER_AREA) for image in images])[:, None]
