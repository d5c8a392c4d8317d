"""Reference stage and correspondence stage: cosine matching with a temperature (paper eq. 3-5).

The reference graph runs once per reference: it encodes the reference's L, projects, centres
and L2-normalises the features, and pools the reference ab to the matching resolution (1/4).
The correspondence graph encodes the frame's L the same way and matches every frame position
against every reference position. The reference may have another size than the frame (the node
encodes each reference at its own aspect ratio), so no padding ever takes part in matching.
"""
import torch
from torch import nn
from torch.nn import functional as F

from .blocks import l2_normalise, upsample_to
from .config import MATCH_STRIDE

REFERENCE_OUTPUTS = ("reference_features", "reference_ab")


def dense_match(query, keys, values, temperature):
    """All-pairs soft matching, the PyTorch reference version (memory grows with N x M).

    query: (B,C,N) unit vectors (frame positions); keys: (B,C,M) unit vectors (reference
    positions); values: (B,V,M) (reference ab); temperature > 0.
    Returns warped (B,V,N) = sum_j softmax_j(q_i . k_j / temperature) values_j and
    confidence (B,1,N) = max_j q_i . k_j in -1..1 (paper eq. 5).
    """
    similarity = torch.bmm(query.transpose(1, 2), keys)  # (B,N,M)
    confidence = similarity.max(dim=2, keepdim=True).values.transpose(1, 2)
    weights = torch.softmax(similarity * (1.0 / temperature), dim=2)
    warped = torch.bmm(values, weights.transpose(1, 2))  # (B,V,N)
    return warped, confidence


def embed(encoder, projector, lightness):
    """L (B,1,H,W) centred -> matching features (B,C,H/4,W/4): projected, centred over the
    image's positions (paper eq. 3's mean subtraction) and L2-normalised per position."""
    features = projector(encoder(lightness))
    features = features - features.mean(dim=(2, 3), keepdim=True)
    return l2_normalise(features, dim=1)


class ReferenceStage(nn.Module):
    """reference_lab (B,3,H,W) (L-50, ab raw) -> reference_features (B,C,H/4,W/4) unit vectors,
    reference_ab (B,2,H/4,W/4) raw ab averaged over each 4x4 cell."""

    def __init__(self, encoder, projector):
        super().__init__()
        self.encoder = encoder
        self.projector = projector

    def forward(self, reference_lab):
        features = embed(self.encoder, self.projector, reference_lab[:, :1])
        reference_ab = F.avg_pool2d(reference_lab[:, 1:], MATCH_STRIDE)
        return features, reference_ab


class CorrespondenceStage(nn.Module):
    """frame_l (B,1,H,W) + reference outputs -> warped_ab (B,2,H,W) raw ab, confidence (B,1,H,W)
    in -1..1 (cosine of the best match), both bilinearly upsampled from 1/4."""

    def __init__(self, encoder, projector, temperature, match=dense_match):
        super().__init__()
        self.encoder = encoder
        self.projector = projector
        self.temperature = float(temperature)
        self.match = match

    def forward(self, frame_l, reference_features, reference_ab):
        query = embed(self.encoder, self.projector, frame_l)
        batch, _, height, width = query.shape
        warped, confidence = self.match(
            query.flatten(2), reference_features.flatten(2), reference_ab.flatten(2), self.temperature
        )
        warped = warped.reshape(batch, -1, height, width)
        confidence = confidence.reshape(batch, 1, height, width)
        return upsample_to(warped, frame_l), upsample_to(confidence, frame_l)
