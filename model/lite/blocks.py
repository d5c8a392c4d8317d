"""Small building blocks shared by the lite encoder and U-Net.

No normalization layers: the node pads plates to the size rule, and per-image statistics
(instance norm, as the paper uses) would shift with the amount of padding; plain convolutions
with LeakyReLU and residual paths train well at these depths and export to the fastest ONNX.
"""

import torch
from torch import nn
from torch.nn import functional as F

NEGATIVE_SLOPE = 0.2


def conv(in_channels, out_channels, kernel=3, stride=1):
    """Conv2d with 'same' padding (for odd kernels) and a bias."""
    return nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2)


class ConvAct(nn.Sequential):
    """conv -> LeakyReLU."""

    def __init__(self, in_channels, out_channels, kernel=3, stride=1):
        super().__init__(
            conv(in_channels, out_channels, kernel, stride), nn.LeakyReLU(NEGATIVE_SLOPE)
        )


class ResBlock(nn.Module):
    """x + conv(act(conv(x))), then LeakyReLU; keeps channels and resolution."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = conv(channels, channels)
        self.conv2 = conv(channels, channels)
        self.act = nn.LeakyReLU(NEGATIVE_SLOPE)

    def forward(self, x):
        return self.act(x + self.conv2(self.act(self.conv1(x))))


def upsample_to(x, like):
    """Bilinear resize of x (B,C,h,w) to the spatial size of `like` (B,*,H,W)."""
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


def l2_normalize(x, dim=1, eps=1e-6):
    """x / ||x|| along `dim`, safe at zero (ONNX-friendly: no torch.nn.functional.normalize)."""
    return x * torch.rsqrt((x * x).sum(dim=dim, keepdim=True) + eps * eps)


def init_weights(module):
    """Kaiming init for LeakyReLU convs, zero biases (applied once at construction)."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight, a=NEGATIVE_SLOPE, nonlinearity="leaky_relu")
            nn.init.zeros_(layer.bias)
