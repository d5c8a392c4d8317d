"""Reference stage and correspondence stage: cosine matching with a temperature (paper eq. 3-5).

The reference graph runs once per reference: it encodes the reference's L, projects, centres
and L2-normalizes the features, and pools the reference ab to the matching resolution (1/4).
The correspondence graph encodes the frame's L the same way and matches every frame position
against every reference position with excolor.model.matching (the matcher the official
architecture uses too). The reference may have another size than the frame (the node encodes
each reference at its own aspect ratio), so no padding ever takes part in matching.
"""
from torch import nn
from torch.nn import functional as F

from ..matching import dense_match
from .blocks import l2_normalize, upsample_to
from .config import MATCH_STRIDE

REFERENCE_OUTPUTS = ("reference_features", "reference_ab")


def embed(encoder, projector, lightness):
    """L (B,1,H,W) centred -> matching features (B,C,H/4,W/4): projected, centred over the
    image's positions (paper eq. 3's mean subtraction) and L2-normalized per position."""
    features = projector(encoder(lightness))
    features = features - features.mean(dim=(2, 3), keepdim=True)
    return l2_normalize(features, dim=1)


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
    in -1..1 (cosine of the best match), both bilinearly upsampled from 1/4. match: a matcher of
    excolor.model.matching (export swaps in the chunked one for bounded memory)."""

    def __init__(self, encoder, projector, temperature, match=dense_match):
        super().__init__()
        self.encoder = encoder
        self.projector = projector
        self.temperature = float(temperature)
        self.match = match

    def forward(self, frame_l, reference_features, reference_ab):
        query = embed(self.encoder, self.projector, frame_l)
        warped, confidence = self.match(query, reference_features, reference_ab, self.temperature)
        return upsample_to(warped, frame_l), upsample_to(confidence, frame_l)
