"""The feature encoder shared by frame and reference (the paper's VGG19 + residual blocks).

No pretrained network can be had here, so the encoder is learned from our data. It reads L
only, for the frame and for the reference alike: a gray frame and a coloured reference then
live in one feature space by construction (matching cannot lean on colour the frame lacks).
"""
import torch
from torch import nn

from .blocks import ConvAct, ResBlock, conv, upsample_to


class FeatureEncoder(nn.Module):
    """L (B,1,H,W), centred (L-50, -50..50) -> features (B,C,H/4,W/4), C = feature_channels.

    A 1/2 stem, a 1/4 path with a residual block, and a 1/8 context path (larger receptive field,
    the semantic part) upsampled and fused back at 1/4, where matching happens.
    """

    def __init__(self, widths, feature_channels):
        super().__init__()
        half, quarter, eighth = widths
        self.stem = nn.Sequential(ConvAct(1, half, stride=2), ConvAct(half, half))
        self.down4 = nn.Sequential(ConvAct(half, quarter, stride=2), ResBlock(quarter))
        self.down8 = nn.Sequential(ConvAct(quarter, eighth, stride=2), ResBlock(eighth), ResBlock(eighth))
        self.fuse = nn.Sequential(ConvAct(quarter + eighth, feature_channels, kernel=1), ResBlock(feature_channels))
        self.out = conv(feature_channels, feature_channels, kernel=1)

    def forward(self, frame_l):
        # L/50 brings -50..50 to -1..1, the scale the initialisation expects.
        x = self.stem(frame_l * (1.0 / 50.0))
        quarter = self.down4(x)
        eighth = self.down8(quarter)
        fused = self.fuse(torch.cat([quarter, upsample_to(eighth, quarter)], dim=1))
        return self.out(fused)

