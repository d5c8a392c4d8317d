"""The methods the quality benchmark compares. Each colours one shot of a gray clip.

A method is called as method(task) -> {frame: rgb (H,W,3) float32 sRGB 0..1} for every frame
of task.shot. A `Task` carries what a colorist would have: the gray plates (the true L, no
colour), the reference picture (true colour of one frame, or of a frame of another shot) and,
for pinned protocols, the frame the reference belongs to.

  gray        ab = 0
  global      the reference's mean ab everywhere
  flow        the reference's ab carried frame to frame along OpenCV DIS flow computed on the
              gray plates, outward from the pinned frame (needs a pinned reference)
  node        excolor.node.ColorizeNode: the product itself (default model, or a model dir)
  warped_ab   the node model's correspondence output alone (what the reference gives each
              pixel before the colorization stage), through the node's own graphs
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from excolor.colour import lab_to_srgb, srgb_to_lab
from excolor.node import ColorizeNode, Keyframe, Shot
from excolor.references import centred_lab
from excolor.resample import pad_edge, resize, resize_hwc
from excolor.runtime import GraphRuntime
from excolor.upsample import GuidedChromaUpsampler
from quality_metrics import dis_flow, warp_backward


@dataclasses.dataclass(frozen=True)
class Task:
    """One shot to colour. gray: (N,H,W,3) sRGB plates of the whole clip (indexed by frame);
    gray_l: (N,H,W) their L 0..100; reference_rgb (h,w,3) sRGB 0..1; pinned: frame or None."""

    gray: np.ndarray
    gray_l: np.ndarray
    shot: tuple  # (first, last) inclusive
    reference_rgb: np.ndarray
    pinned: int | None

    def frames(self):
        return range(self.shot[0], self.shot[1] + 1)

    def outward(self):
        """Frames in the order a propagation visits them: from the pinned frame outwards
        (first forward to the shot's end, then backward), or first to last if unpinned."""
        if self.pinned is None:
            return list(self.frames())
        return list(range(self.pinned, self.shot[1] + 1)) + list(range(self.pinned - 1, self.shot[0] - 1, -1))


def compose(l_channel: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """True L (H,W) + ab (H,W,2) -> sRGB (H,W,3) clipped to 0..1."""
    lab = np.concatenate([l_channel[..., None], ab], axis=-1).astype(np.float32)
    return np.clip(lab_to_srgb(lab), 0.0, 1.0)


def gray_method(task: Task) -> dict:
    return {n: np.clip(task.gray[n], 0.0, 1.0) for n in task.frames()}


def global_method(task: Task) -> dict:
    mean_ab = srgb_to_lab(task.reference_rgb)[..., 1:].reshape(-1, 2).mean(0)
    shape = task.gray_l.shape[1:] + (2,)
    return {n: compose(task.gray_l[n], np.broadcast_to(mean_ab, shape)) for n in task.frames()}


def _gray8(l_channel):
    return np.clip(l_channel * 2.55 + 0.5, 0, 255).astype(np.uint8)


def flow_method(task: Task) -> dict:
    """Flow propagation: ab chained along dense flow from the pinned frame, both ways."""
    if task.pinned is None:
        raise ValueError("flow propagation needs a reference pinned to a frame of the shot")
    start_ab = srgb_to_lab(task.reference_rgb)[..., 1:]
    if start_ab.shape[:2] != task.gray_l.shape[1:]:
        raise ValueError("a pinned reference must have the plate's size")
    out = {task.pinned: compose(task.gray_l[task.pinned], start_ab)}
    for direction in (1, -1):
        ab = start_ab
        n = task.pinned + direction
        while task.shot[0] <= n <= task.shot[1]:
            # Flow from frame n to its predecessor along the run: where each pixel came from.
            flow = dis_flow(_gray8(task.gray_l[n]), _gray8(task.gray_l[n - direction]))
            ab = warp_backward(np.ascontiguousarray(ab), flow)
            out[n] = compose(task.gray_l[n], ab)
            n += direction
    return out


class NodeMethod:
    """The product's runtime node (excolor.node.ColorizeNode) on one shot at a time."""

    def __init__(self, model=None, device="cpu", network_long_side=None):
        self.node = ColorizeNode(model=model, device=device, network_long_side=network_long_side)
        self.seconds = 0.0
        self.frames_done = 0

    @property
    def model_dir(self):
        return self.node.model.path

    def __call__(self, task: Task) -> dict:
        gray = task.gray
        self.node.source = lambda n: gray[n]
        self.node.shots = [Shot(task.shot[0], task.shot[1],
                                keyframes=[Keyframe(task.reference_rgb.astype(np.float32), frame=task.pinned)])]
        out = {}
        start = time.perf_counter()
        for n in task.outward():
            out[n] = np.clip(self.node.render(n)[..., :3], 0.0, 1.0)
        self.seconds += time.perf_counter() - start
        self.frames_done += len(out)
        return out


class WarpedAbMethod:
    """The correspondence stage alone: warped_ab of the node's model for each frame, with the
    true L, upsampled by the node's guided upsampler. Uses the node's GraphRuntime and the same
    preprocessing as ColorizeNode (plate L at the network content size, edge-padded; the
    reference encoded at its own aspect ratio)."""

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
        code = self._reference_code(task.reference_rgb)
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
