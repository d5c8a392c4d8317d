"""The colorization subnet of the release (`colornet_iter_76000.pth`), layer for layer.

A U-Net-like encoder/decoder (after Zhang et al.'s colorization network): 7 input channels
(L centred, warped a, warped b, confidence, previous L centred, previous a, previous b) ->
ab = tanh(x) * 128. Encoder blocks end in instance norm; `*_norm_ss` are depthwise 1x1
stride-2 convs (per-channel scale + subsample); blocks 5 and 6 are dilated (2). The decoder
upsamples x2 three times with skip connections from the normalized encoder maps.
H and W must be multiples of 8.
"""
import torch
import torch.nn.functional as F
from torch import nn

from .layers import InstanceNorm

INPUT_CHANNELS = 7
AB_RANGE = 128.0
LEAKY_SLOPE = 0.2
# (block name, convs, width, dilation) of the encoder after block 1.
ENCODER = (("conv2", 2, 128, 1), ("conv3", 3, 256, 1), ("conv4", 3, 512, 1),
           ("conv5", 3, 512, 2), ("conv6", 3, 512, 2), ("conv7", 3, 512, 1))
# Blocks whose normalized output is subsampled by a depthwise `_norm_ss` conv.
SUBSAMPLED = {"conv1": "conv1_2norm_ss", "conv2": "conv2_2norm_ss", "conv3": "conv3_3norm_ss"}


def _conv(in_channels, out_channels, dilation=1):
    return nn.Conv2d(in_channels, out_channels, 3, padding=dilation, dilation=dilation)


def _up_conv(in_channels, out_channels):
    """x2 nearest upsample, then conv: Sequential slots 0 and 1 (keys `convN_1.1.*`)."""
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), _conv(in_channels, out_channels))


class ColorNet(nn.Module):
    """forward(x (B,7,H,W)) -> ab (B,2,H,W) in (-128,128). Keys equal the release's."""

    def __init__(self, float64_stats=False):
        super().__init__()
        self.norm = InstanceNorm(float64_stats)
        self.conv1_1 = nn.Sequential(_conv(INPUT_CHANNELS, 32), nn.ReLU(), _conv(32, 64))
        self.conv1_2 = _conv(64, 64)
        widths = {"conv1": 64}
        in_channels = 64
        for name, count, width, dilation in ENCODER:
            for index in range(1, count + 1):
                self.add_module(f"{name}_{index}", _conv(in_channels, width, dilation))
                in_channels = width
            widths[name] = width
        for block, key in SUBSAMPLED.items():
            channels = widths[block]
            self.add_module(key, nn.Conv2d(channels, channels, 1, stride=2, groups=channels, bias=False))
        self.conv8_1 = _up_conv(widths["conv7"], widths["conv3"])
        self.conv3_3_short = _conv(widths["conv3"], widths["conv3"])
        self.conv8_2 = _conv(widths["conv3"], widths["conv3"])
        self.conv8_3 = _conv(widths["conv3"], widths["conv3"])
        self.conv9_1 = _up_conv(widths["conv3"], widths["conv2"])
        self.conv2_2_short = _conv(widths["conv2"], widths["conv2"])
        self.conv9_2 = _conv(widths["conv2"], widths["conv2"])
        self.conv10_1 = _up_conv(widths["conv2"], widths["conv2"])
        self.conv1_2_short = _conv(widths["conv1"], widths["conv2"])
        self.conv10_2 = _conv(widths["conv2"], widths["conv2"])
        self.conv10_ab = nn.Conv2d(widths["conv2"], 2, 1)

    def _block(self, name, count, x):
        for index in range(1, count + 1):
            x = F.relu(getattr(self, f"{name}_{index}")(x))
        return self.norm(x)

    def forward(self, x):
        x = F.relu(self.conv1_1(x))
        skip1 = self.norm(F.relu(self.conv1_2(x)))  # (B,64,H,W)
        x = self.conv1_2norm_ss(skip1)
        skips = {"conv1": skip1}
        for name, count, _width, _dilation in ENCODER:
            x = self._block(name, count, x)
            skips[name] = x
            if name in SUBSAMPLED:
                x = getattr(self, SUBSAMPLED[name])(x)
        # x: (B,512,H/8,W/8) after conv7's norm.
        x = F.relu(self.conv8_1(x) + self.conv3_3_short(skips["conv3"]))  # (B,256,H/4,W/4)
        x = self.norm(F.relu(self.conv8_3(F.relu(self.conv8_2(x)))))
        x = F.relu(self.conv9_1(x) + self.conv2_2_short(skips["conv2"]))  # (B,128,H/2,W/2)
        x = self.norm(F.relu(self.conv9_2(x)))
        x = F.relu(self.conv10_1(x) + self.conv1_2_short(skips["conv1"]))  # (B,128,H,W)
        x = F.leaky_relu(self.conv10_2(x), LEAKY_SLOPE)
        return torch.tanh(self.conv10_ab(x)) * AB_RANGE
