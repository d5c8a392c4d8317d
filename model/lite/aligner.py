"""Aligning the previous frame's colour with the current frame (beyond the paper).

The paper feeds the previous colorized frame to the colorization net as is; on moving footage
its colour then sits where the object was, not where it is. Here a small local matching inside
the colorization graph moves it first: both frames' L are embedded by a tiny encoder, each
current position is compared with the previous frame's positions within `radius` cells (at 1/4
resolution), and the previous ab is carried along the softmax of those similarities. It is the
flow propagation that data.md found strong on slow footage, learned and computed in-graph, so
the node needs no optical-flow step. Cost: (2r+1)^2 shifted products at 1/4 resolution.
"""
import torch
from torch import nn
from torch.nn import functional as F

from .blocks import ConvAct, conv, l2_normalize, upsample_to
from .config import MATCH_STRIDE


class MotionAligner(nn.Module):
    """(frame_l (B,1,H,W), previous_lab (B,3,H,W)), both L centred, ab raw
    -> aligned previous ab (B,2,H,W) raw, motion confidence (B,1,H,W) in -1..1."""

    def __init__(self, channels, radius, temperature):
        super().__init__()
        self.radius = int(radius)
        self.temperature = float(temperature)
        self.embed = nn.Sequential(
            ConvAct(1, channels // 2, stride=2), ConvAct(channels // 2, channels, stride=2),
            conv(channels, channels),
        )

    def forward(self, frame_l, previous_lab):
        radius = self.radius
        current = l2_normalize(self.embed(frame_l * (1.0 / 50.0)))
        previous = l2_normalize(self.embed(previous_lab[:, :1] * (1.0 / 50.0)))
        previous_ab = F.avg_pool2d(previous_lab[:, 1:], MATCH_STRIDE)
        height, width = current.shape[2], current.shape[3]
        # Zero padding: out-of-frame cells have similarity 0 and ab 0.
        previous = F.pad(previous, (radius, radius, radius, radius))
        previous_ab = F.pad(previous_ab, (radius, radius, radius, radius))
        similarities, shifted_ab = [], []
        for dy in range(2 * radius + 1):
            for dx in range(2 * radius + 1):
                window = previous[:, :, dy:dy + height, dx:dx + width]
                similarities.append((current * window).sum(dim=1, keepdim=True))
                shifted_ab.append(previous_ab[:, :, dy:dy + height, dx:dx + width])
        similarity = torch.cat(similarities, dim=1)  # (B, K, h, w), K = (2r+1)^2
        weights = torch.softmax(similarity * (1.0 / self.temperature), dim=1)
        aligned = sum(weights[:, k:k + 1] * ab for k, ab in enumerate(shifted_ab))
        confidence = similarity.max(dim=1, keepdim=True).values
        return upsample_to(aligned, frame_l), upsample_to(confidence, frame_l)
