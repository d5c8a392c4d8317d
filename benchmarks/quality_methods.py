"""The methods the quality benchmark compares. Each colours one shot of a gray clip.

A method is called as method(task) -> {frame: rgb (H,W,3) float32 sRGB} for every frame
of task.shot (unclipped float: values outside 0..1 carry chroma out of gamut at that L). A
`Task` carries what a colorist would have: the gray plates (8-bit OpenCV gray in
three equal channels, no colour) and the keys (true colour of a frame of the shot, pinned to it
or given with no frame for the node to find, or of a frame of another shot, given with no frame).

  gray        ab = 0
  global      the keys' mean ab everywhere
  flow        each key's ab carried frame to frame along OpenCV DIS flow computed on the gray
              plates, outward from its pinned frame (needs pinned keys)
  floor       no learning: per frame, the previous output carried by one DIS flow and the key
              carried by one DIS flow straight to the frame, weighted per pixel by how well
              each one's warped L fits the frame's (quality_floor.py)
  excolor     excolor.engine.node.ColorizeNode: the product itself (default model, or a model dir);
              excolor_<candidate> the same node fusing only that candidate wherever it may be
              used (excolor.engine.fusion); a key with no frame goes to the node with none
              (its default, auto: the node scans the shot for the key's frame)
  warped_ab   the node model's correspondence output alone (what the reference gives each
              pixel before the colorization stage), through the node's own graphs

With several pinned keys, flow and floor colour each frame from the nearest key in time (the
earlier one on a tie): each key starts a forward and a backward run that stop halfway to the
next key.
"""
from __future__ import annotations

import dataclasses
import time

import cv2
import numpy as np

from excolor.colour.cielab import lab_to_srgb, srgb_to_lab
from excolor.engine.fusion import FusionSettings
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.engine.references import centred_lab
from excolor.colour.resample import pad_edge, resize, resize_hwc
from excolor.engine.graph_runtime import GraphRuntime
from excolor.colour.upsample import GuidedChromaUpsampler

from . import quality_metrics as metrics
from .quality_metrics import dis_flow, warp_backward


@dataclasses.dataclass(frozen=True)
class Task:
    """One shot to colour. gray: (N,H,W,3) float32 gray plates of the whole clip (indexed by
    frame); gray8: (N,H,W) the same plates as uint8; gray_l: (N,H,W) their L 0..100;
    keys: ((rgb (h,w,3) float32 sRGB 0..1, the frame of the shot it is the true colour of or
    None), ...) sorted by frame; named: whether the methods are told those frames (the keys are
    pinned) or not (the node must find them)."""

    gray: np.ndarray
    gray8: np.ndarray
    gray_l: np.ndarray
    shot: tuple  # (first, last) inclusive
    keys: tuple
    named: bool = True

    def frames(self):
        return range(self.shot[0], self.shot[1] + 1)

    @property
    def key_frames(self):
        """The frames of the shot the keys are the true colour of, named or not."""
        return [frame for _, frame in self.keys if frame is not None]

    @property
    def pinned(self):
        """The frames the methods are told the keys are pinned to (empty when not named)."""
        return self.key_frames if self.named else []

    def runs(self):
        """[(key rgb, [key frame, then the frames the run visits in order])], one forward and
        one backward run per pinned key, each stopping halfway to the neighbouring key."""
        if not self.pinned or len(self.pinned) != len(self.keys):
            raise ValueError("propagation needs every key pinned to a frame of the shot")
        return self._runs()

    def _runs(self):
        """runs() from the key frames, named or not (every key a frame of the shot)."""
        runs = []
        for index, (rgb, frame) in enumerate(self.keys):
            after = self.keys[index + 1][1] if index + 1 < len(self.keys) else None
            before = self.keys[index - 1][1] if index > 0 else None
            last = self.shot[1] if after is None else (frame + after) // 2
            first = self.shot[0] if before is None else (before + frame) // 2 + 1
            runs.append((rgb, list(range(frame, last + 1))))
            runs.append((rgb, list(range(frame, first - 1, -1))))
        return runs

    def outward(self):
        """Frames in the order a propagation visits them: run after run outward from the key
        frames (named or not: the node pins a key it finds there), or first to last when no
        key is a frame of the shot."""
        if not self.key_frames:
            return list(self.frames())
        order = []
        for _, frames in self._runs():
            order += [n for n in frames if n not in order]
        return order


def compose(l_channel: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """L (H,W) + ab (H,W,2) -> sRGB (H,W,3), unclipped: like a float plate, values outside
    0..1 keep the chroma exactly (the scoring clips after putting the truth's L back)."""
    lab = np.concatenate([l_channel[..., None], ab], axis=-1).astype(np.float32)
    return lab_to_srgb(lab)


def pinned_ab(task: Task, rgb: np.ndarray) -> np.ndarray:
    """A pinned key's ab, checked to fit the plates."""
    if rgb.shape[:2] != task.gray_l.shape[1:]:
        raise ValueError("a pinned key must have the plate's size")
    return srgb_to_lab(rgb)[..., 1:]


def gray_method(task: Task) -> dict:
    return {n: np.clip(task.gray[n], 0.0, 1.0) for n in task.frames()}


def global_method(task: Task) -> dict:
    mean_ab = np.concatenate([srgb_to_lab(rgb)[..., 1:].reshape(-1, 2) for rgb, _ in task.keys]).mean(0)
    shape = task.gray_l.shape[1:] + (2,)
    return {n: compose(task.gray_l[n], np.broadcast_to(mean_ab, shape)) for n in task.frames()}


def flow_method(task: Task) -> dict:
    """Flow propagation: each key's ab chained along dense flow from its frame, both ways."""
    out = {}
    for rgb, frames in task.runs():
        ab = pinned_ab(task, rgb)
        out[frames[0]] = compose(task.gray_l[frames[0]], ab)
        for previous, n in zip(frames, frames[1:]):
            # Flow from frame n to its predecessor along the run: where each pixel came from.
            flow = dis_flow(task.gray8[n], task.gray8[previous])
            ab = warp_backward(np.ascontiguousarray(ab), flow)
            out[n] = compose(task.gray_l[n], ab)
    return out


class NodeMethod:
    """The product's runtime node (excolor.engine.node.ColorizeNode) on one shot at a time.

    candidates: None (all, the node's default fusion) or the candidates it may fuse, runs from
    a pinned keyframe included (an ablation: ("global",) is the global candidate alone wherever
    the node gives it). After each call: `mattes` {frame: confidence (H,W)}, `usage`
    {candidate: mean weight} of that shot with `usage_frames` the frames it covers (the fused
    ones: frames the node pinned a key to are not fused), and `scan` [{frame, found,
    best_frame, similarity}] for each key given with no frame: the frame it is the true colour
    of (None: another shot's), where the node's scan pinned it (None: kept unpinned), and its
    best match. tuning: the node's NodeTuning (its motion estimator: DIS or the motion graph).
    """

    def __init__(self, model=None, device="cpu", network_long_side=None, candidates=None, rule="learned",
                 tuning=None):
        fusion = FusionSettings(rule=rule) if candidates is None else FusionSettings(
            candidates=tuple(candidates), from_pinned=tuple(candidates), rule=rule)
        self.node = ColorizeNode(model=model, device=device, network_long_side=network_long_side, fusion=fusion,
                                 tuning=tuning)
        self.mattes, self.usage, self.usage_frames, self.scan = {}, {}, 0, []

    @property
    def model_dir(self):
        return self.node.model.path

    def __call__(self, task: Task) -> dict:
        gray = task.gray
        self.node.source = lambda n: gray[n]
        # A key with no frame goes as the node's default, auto: the node scans for its frame.
        keys = [Keyframe(rgb.astype(np.float32), frame=frame if task.named else None) for rgb, frame in task.keys]
        self.node.shots = [Shot(task.shot[0], task.shot[1], keyframes=keys)]
        self.scan = [] if task.named else self._scan(task)
        self.node.reset_candidate_usage()
        out, self.mattes = {}, {}
        for n in task.outward():
            result = self.node.render_result(n)
            out[n] = result.image[..., :3]  # float, unclipped, as a host receives it
            self.mattes[n] = result.confidence
        self.usage = self.node.candidate_usage()
        pinned = task.pinned if task.named else [record["found"] for record in self.scan if record["found"] is not None]
        self.usage_frames = len(out) - len(set(pinned))
        return out

    def _scan(self, task):
        """The node's scan of the shot for its keys, as a render job asks for it before its
        first frame -> a `scan` record per key."""
        findings = self.node.find_reference_frames()  # one FoundFrame per key, in the keys' order
        return [{"frame": frame, "found": found.frame, "best_frame": found.match.best_frame,
                 "similarity": float(found.match.similarity)}
                for (_, frame), found in zip(task.keys, findings, strict=True)]


def first_key_render(node, truth8):
    """(mean chroma PSNR of frames 1.. on the true L, render seconds per frame) of `node` (a
    ColorizeNode; its source and shots are set here) on the OpenCV gray of `truth8` (N,H,W,3)
    uint8 sRGB, frame 0's true colour pinned to it: the studies' one scoring of a clip keyed at
    its first frame. Each frame is scored as it comes (a 1920 px clip's outputs kept whole would
    be gigabytes); the render time leaves the scoring out."""
    def gray(n):
        return np.repeat(cv2.cvtColor(truth8[n], cv2.COLOR_RGB2GRAY)[..., None], 3, -1).astype(np.float32) / 255.0

    def truth(n):
        return truth8[n].astype(np.float32) / 255.0

    node.source = gray
    node.shots = [Shot(0, len(truth8) - 1, keyframes=[Keyframe(truth(0), frame=0)])]
    seconds, scores = 0.0, []
    for n in range(len(truth8)):
        start = time.perf_counter()
        output = node.render_result(n).image[..., :3]
        seconds += time.perf_counter() - start
        if n:
            true = truth(n)
            scores.append(metrics.psnr(metrics.with_true_l(output, srgb_to_lab(true)[..., 0]), true))
    return float(np.mean(scores)), seconds / len(truth8)


class WarpedAbMethod:
    """The correspondence stage alone: warped_ab of the node's model for each frame, with the
    plate's L, upsampled by the node's guided upsampler. Uses the node's GraphRuntime and the
    same preprocessing as ColorizeNode (plate L at the network content size, edge-padded; the
    reference encoded at its own aspect ratio). Uses the first key."""

    def __init__(self, node_method: NodeMethod):
        self.node = node_method.node
        self.runtime = GraphRuntime(self.node.model, "cpu")
        self.upsampler = GuidedChromaUpsampler()
        session = self.runtime.sessions["correspondence"]
        self.inputs = [i.name for i in session.get_inputs()]

    def _reference_code(self, reference_rgb):
        rule = self.node.model.manifest.size_rule
        height, width = rule.fit(reference_rgb.shape[0], reference_rgb.shape[1], self.node.network_long_side)
        display = resize_hwc(np.clip(reference_rgb, 0, 1).astype(np.float32), height, width)
        return self.runtime.encode_reference(centred_lab(display))

    def __call__(self, task: Task) -> dict:
        code = self._reference_code(task.keys[0][0])
        session = self.runtime.sessions["correspondence"]
        out = {}
        for n in task.frames():
            l_full = task.gray_l[n].astype(np.float32)
            layout = self.node.network_size(*l_full.shape)
            l_content = resize(l_full, layout.content_h, layout.content_w)
            frame_l = pad_edge(l_content - np.float32(50.0), layout.net_h, layout.net_w)[None, None]
            feeds = {name: (np.ascontiguousarray(frame_l, np.float32) if name == "frame_l" else code[name])
                     for name in self.inputs}
            warped, _ = session.run(["warped_ab", "confidence"], feeds)
            ab_low = np.ascontiguousarray(warped[0, :, : layout.content_h, : layout.content_w])
            ab_full = self.upsampler(l_full, l_content, ab_low)
            out[n] = compose(l_full, np.moveaxis(ab_full, 0, -1))
        return out
