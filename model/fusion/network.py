"""FusionNet: per-pixel weights over a frame's colour candidates, and a confidence matte.

A few 1x1 convolutions over each pixel's candidate signals, with one pooled copy of the hidden
features for neighbourhood context (is the flow failing all around?). Small on purpose: it
runs on every frame at the history size (up to 2K), on the CPU too, and it decides between
strong candidates rather than painting colour itself. Inputs and outputs are the fusion
graph's (excolor.learned_fusion): K candidates in excolor.fusion.CANDIDATES order.
"""
from __future__ import annotations

import dataclasses
import itertools

import torch
from torch import nn
from torch.nn import functional as F

from excolor.fusion import CANDIDATES

# Chroma and lightness scales that bring the inputs to about unit range.
AB_SCALE = 64.0
# Logit taken off an absent candidate: its weight is below 1e-13 of any present one.
ABSENT_LOGIT = 30.0


@dataclasses.dataclass(frozen=True)
class FusionNetConfig:
    """hidden: channels of the per-pixel layers; context: side of the pooling window (pixels
    at history size) for the neighbourhood copy; candidates: how many slots (CANDIDATES)."""

    hidden: int = 24
    context: int = 7
    candidates: int = len(CANDIDATES)


class FusionNet(nn.Module):
    """(lightness (B,1,H,W), candidate_ab (B,2K,H,W), candidate_error (B,K,H,W),
    candidate_quality (B,K,H,W), present (B,K,1,1)) -> (ab (B,2,H,W), weights (B,K,H,W),
    matte (B,1,H,W)); see excolor.learned_fusion for the meaning of each."""

    def __init__(self, config=FusionNetConfig()):
        super().__init__()
        self.config = config
        k = config.candidates
        self.pairs = list(itertools.combinations(range(k), 2))
        features = 1 + 2 * k + 3 * k + len(self.pairs)
        self.embed = nn.Conv2d(features, config.hidden, 1)
        self.mix = nn.Conv2d(2 * config.hidden, config.hidden, 1)
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
        k = self.config.candidates
        hidden = F.relu(self.embed(self.features(lightness, candidate_ab, candidate_error,
                                                  candidate_quality, present)))
        context = F.avg_pool2d(hidden, self.config.context, stride=1, padding=self.config.context // 2,
                               count_include_pad=False)
        hidden = F.relu(self.mix(torch.cat([hidden, context], dim=1)))
        out = self.head(hidden)
        logits = out[:, :k] - ABSENT_LOGIT * (1.0 - present)
        weights = torch.softmax(logits, dim=1)
        ab = (weights.unsqueeze(2) * candidate_ab.reshape(batch, k, 2, height, width)).sum(1)
        return ab, weights, torch.sigmoid(out[:, k:])
