"""FusionNet: per-pixel weights over a frame's colour candidates, and a confidence matte.

A few 1x1 convolutions over each pixel's candidate signals, with one pooled copy of the hidden
features for neighbourhood context (is the flow failing all around?) and one for the whole
frame (does the exemplar agree with the global colour anywhere? A reference of another scene
is told by the frame as a whole, not by any one pixel's match). Small on purpose: it
runs on every frame at the history size (up to 2K), on the CPU too, and it decides between
strong candidates rather than painting colour itself. For the same reason the weights are
estimated at 1/`scale` of the history size (signals taken every `scale` pixels: the carried
errors are already window means) and interpolated back: chroma weights need no finer detail than 4:2:0 chroma, and the per-pixel
work falls by scale^2. The candidates are then mixed at full resolution. Inputs and outputs are the fusion
graph's (excolor.engine.fusion_graph): K candidates in excolor.engine.fusion.CANDIDATES order.
"""
from __future__ import annotations

import dataclasses
import itertools

import torch
from torch import nn
from torch.nn import functional as F

from excolor.engine.fusion import CANDIDATES

# Chroma and lightness scales that bring the inputs to about unit range.
AB_SCALE = 64.0
# Logit taken off an absent candidate: its weight is below 1e-13 of any present one.
ABSENT_LOGIT = 30.0


@dataclasses.dataclass(frozen=True)
class FusionNetConfig:
    """hidden: channels of the per-pixel layers; context: side of the pooling window (pixels
    at the weights' size) for the neighbourhood copy; frame_context: add the mean of the hidden
    features over the whole frame; scale: the weights are estimated at 1/scale of the history
    size; candidates: how many slots (CANDIDATES)."""

    hidden: int = 24
    context: int = 7
    frame_context: bool = True
    scale: int = 2
    candidates: int = len(CANDIDATES)


class FusionNet(nn.Module):
    """(lightness (B,1,H,W), candidate_ab (B,2K,H,W), candidate_error (B,K,H,W),
    candidate_quality (B,K,H,W), present (B,K,1,1)) -> (ab (B,2,H,W), weights (B,K,H,W),
    matte (B,1,H,W)); see excolor.engine.fusion_graph for the meaning of each."""

    def __init__(self, config=FusionNetConfig()):
        super().__init__()
        self.config = config
        k = config.candidates
        self.pairs = list(itertools.combinations(range(k), 2))
        features = 1 + 2 * k + 3 * k + len(self.pairs)
        self.embed = nn.Conv2d(features, config.hidden, 1)
        # Two convolutions summed rather than one over a concatenation: the same map, without
        # copying the hidden features at every frame.
        self.mix_local = nn.Conv2d(config.hidden, config.hidden, 1)
        self.mix_context = nn.Conv2d(config.hidden, config.hidden, 1, bias=False)
        self.mix_frame = nn.Conv2d(config.hidden, config.hidden, 1, bias=False) if config.frame_context else None
        self.head = nn.Conv2d(config.hidden, k + 1, 1)

    def features(self, lightness, candidate_ab, candidate_error, candidate_quality, present):
        """(B,F,H,W): the per-pixel signals, absent candidates zeroed."""
        batch, _, height, width = lightness.shape
        k = self.config.candidates
        mask = present.expand(batch, k, height, width)
        ab = candidate_ab.reshape(batch, k, 2, height, width)
        distances = []
        for i, j in self.pairs:
            gap = torch.sqrt(((ab[:, i] - ab[:, j]) ** 2).sum(1, keepdim=True) + 1.0) / AB_SCALE
            distances.append(gap * mask[:, i:i + 1] * mask[:, j:j + 1])
        return torch.cat([
            lightness / 50.0 - 1.0,
            candidate_ab / AB_SCALE * mask.repeat_interleave(2, dim=1),
            torch.log1p(candidate_error.clamp(min=0.0)) * mask,
            candidate_quality * mask,
            mask,
        ] + distances, dim=1)

    def forward(self, lightness, candidate_ab, candidate_error, candidate_quality, present):
        batch, _, height, width = lightness.shape
        k, scale = self.config.candidates, self.config.scale
        signals = (lightness, candidate_ab, candidate_error, candidate_quality)
        if scale > 1:
            signals = tuple(x[:, :, ::scale, ::scale] for x in signals)
        hidden = F.relu(self.embed(self.features(*signals, present)))
        # A box mean in two passes (rows, then columns): the same numbers as one square window,
        # clipped windows included, at a fraction of the cost.
        side, half = self.config.context, self.config.context // 2
        context = F.avg_pool2d(hidden, (1, side), stride=1, padding=(0, half), count_include_pad=False)
        context = F.avg_pool2d(context, (side, 1), stride=1, padding=(half, 0), count_include_pad=False)
        mixed = self.mix_local(hidden) + self.mix_context(context)
        if self.mix_frame is not None:
            mixed = mixed + self.mix_frame(hidden.mean(dim=(2, 3), keepdim=True))
        hidden = F.relu(mixed)
        out = self.head(hidden)
        weights = torch.softmax(out[:, :k] - ABSENT_LOGIT * (1.0 - present), dim=1)
        matte = torch.sigmoid(out[:, k:])
        if scale > 1:
            # Bilinear interpolation keeps the weights convex (>= 0, summing to 1).
            weights = F.interpolate(weights, size=(height, width), mode="bilinear", align_corners=False)
            matte = F.interpolate(matte, size=(height, width), mode="bilinear", align_corners=False)
        ab = (weights.unsqueeze(2) * candidate_ab.reshape(batch, k, 2, height, width)).sum(1)
        return ab, weights, matte
