"""The video discriminator (paper section 4): two consecutive frames in, realism scores out.

Seven convolutions, the first six halving the resolution; a self-attention block (SAGAN) after
the second, so the discriminator can compare distant regions (global consistency); spectral
normalization on every layer for stability. No instance norm (spectral norm already bounds it).
"""
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

NEGATIVE_SLOPE = 0.2
L_NORM, AB_NORM = 50.0, 110.0


class SelfAttention(nn.Module):
    """SAGAN self-attention: x + gamma * attend(x), gamma learned from 0. x: (B,C,H,W)."""

    def __init__(self, channels):
        super().__init__()
        inner = max(channels // 8, 1)
        self.query = spectral_norm(nn.Conv2d(channels, inner, 1))
        self.key = spectral_norm(nn.Conv2d(channels, inner, 1))
        self.value = spectral_norm(nn.Conv2d(channels, channels, 1))
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        batch, channels, height, width = x.shape
        query = self.query(x).flatten(2)  # (B, C', N)
        key = self.key(x).flatten(2)
        attention = torch.softmax(torch.bmm(query.transpose(1, 2), key), dim=2)  # (B, N, N)
        out = torch.bmm(self.value(x).flatten(2), attention.transpose(1, 2))
        return x + self.gamma * out.reshape(batch, channels, height, width)


class VideoDiscriminator(nn.Module):
    """(previous_lab, current_lab), each (B,3,H,W) L-50 / ab raw -> scores (B,1,H/64,W/64).

    `features(...)` also returns the intermediate activations (for a feature-matching loss).
    H and W should be at least 64.
    """

    def __init__(self, widths=(16, 32, 64, 64, 128, 128)):
        super().__init__()
        layers = []
        in_channels = 6
        for out_channels in widths:
            layers.append(spectral_norm(nn.Conv2d(in_channels, out_channels, 4, stride=2, padding=1)))
            in_channels = out_channels
        self.convs = nn.ModuleList(layers)
        self.attention = SelfAttention(widths[1])
        self.final = spectral_norm(nn.Conv2d(in_channels, 1, 3, padding=1))
        self.act = nn.LeakyReLU(NEGATIVE_SLOPE)

    @staticmethod
    def _normalize(lab):
        return torch.cat([lab[:, :1] / L_NORM, lab[:, 1:] / AB_NORM], dim=1)

    def features(self, previous_lab, current_lab):
        """Returns (scores, [activation after each halving conv])."""
        x = torch.cat([self._normalize(previous_lab), self._normalize(current_lab)], dim=1)
        activations = []
        for index, layer in enumerate(self.convs):
            x = self.act(layer(x))
            if index == 1:
                x = self.attention(x)
            activations.append(x)
        return self.final(x), activations

    def forward(self, previous_lab, current_lab):
        return self.features(previous_lab, current_lab)[0]
