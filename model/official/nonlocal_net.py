"""The correspondence subnet of the release (`nonlocal_net_iter_76000.pth`), layer for layer.

Four branches bring VGG relu2_2 / relu3_2 / relu4_2 / relu5_2 (each L2-normalized per pixel)
to 1/4 of the network input with 64 channels each; three residual blocks mix them; `theta`
(frame) and `phi` (reference) are 1x1 projections. Weights are shared between frame and
reference. The matching itself (cosine similarity, confidence, softmax or argmax) lives in
excolor.model.matching, so this module is only the learned part.
"""
import torch
from torch import nn

from .layers import ResidualBlock, branch, l2_normalize_channels, replicate_rows_to

FEATURE_CHANNELS = 64  # each branch's output width
BRANCH_COUNT = 4
MIXED_CHANNELS = FEATURE_CHANNELS * BRANCH_COUNT  # 256, the residual blocks' width
PROJECTED_CHANNELS = 256  # theta / phi output width
RESIDUAL_BLOCKS = 3  # the paper says 4; the release has 3
VGG_WIDTHS = {"relu2_2": 128, "relu3_2": 256, "relu4_2": 512, "relu5_2": 512}


class NonlocalNet(nn.Module):
    """Feature pyramid -> matching features. Keys equal the release's state_dict keys."""

    def __init__(self, float64_stats=False):
        super().__init__()
        widths = VGG_WIDTHS
        stats = {"float64_stats": float64_stats}
        # relu2_2 at 1/2: stride 2 in the second conv brings it to 1/4.
        self.layer2_1 = branch(widths["relu2_2"], 128, FEATURE_CHANNELS, stride=2, **stats)
        # relu3_2 is already at 1/4.
        self.layer3_1 = branch(widths["relu3_2"], 128, FEATURE_CHANNELS, **stats)
        # relu4_2 at 1/8: x2 after the branch.
        self.layer4_1 = branch(widths["relu4_2"], 256, FEATURE_CHANNELS, upsample_out=True, **stats)
        # relu5_2 at 1/16: x2 between the convs and x2 after.
        self.layer5_1 = branch(
            widths["relu5_2"], 256, FEATURE_CHANNELS, upsample_mid=True, upsample_out=True, **stats
        )
        self.layer = nn.Sequential(
            *[ResidualBlock(MIXED_CHANNELS, float64_stats) for _ in range(RESIDUAL_BLOCKS)]
        )
        self.theta = nn.Conv2d(MIXED_CHANNELS, PROJECTED_CHANNELS, 1)
        self.phi = nn.Conv2d(MIXED_CHANNELS, PROJECTED_CHANNELS, 1)

    def mixed_features(self, relus):
        """relus: (relu2_2, relu3_2, relu4_2, relu5_2) raw VGG maps of one image (B,C,H/2^k,W/2^k).

        Returns (B,256,H/4,W/4). When the relu5_2 branch comes out two rows short (H = 8 mod 16)
        it is replicate-padded by one row at top and bottom, as the release does; width is never
        padded, so W must be a multiple of 16.
        """
        relu2, relu3, relu4, relu5 = (l2_normalize_channels(r) for r in relus)
        f2 = self.layer2_1(relu2)
        f3 = self.layer3_1(relu3)
        f4 = self.layer4_1(relu4)
        f5 = replicate_rows_to(self.layer5_1(relu5), f2.shape[2])
        return self.layer(torch.cat((f2, f3, f4, f5), dim=1))

