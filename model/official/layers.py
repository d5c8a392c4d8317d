"""Small building blocks shared by the official subnets: instance norm, branches, residual blocks,
and the per-position feature normalization that precedes matching."""
import torch
import torch.nn.functional as F
from torch import nn

# torch's InstanceNorm2d default, which the authors' layers use.
INSTANCE_NORM_EPS = 1e-5


def instance_norm(x, float64_stats=False):
    """Per-sample, per-channel normalization over H, W (biased variance, no affine).

    x: (B,C,H,W). With `float64_stats` the mean and variance are taken in float64: the release's
    weights can drive large activations where float32 variance loses digits. Returns x's dtype.
    On the fixture's stand-in weights, ONNX Runtime CPU vs the authors' code gives ab errors of
    0.28 max / 0.022 mean in float32 and 0.017 / 0.001 with float64 statistics, but the float64
    graphs run about 4x slower on CPU, so float32 is the default.
    """
    if float64_stats:
        return _two_pass(x.double()).to(x.dtype)
    return F.instance_norm(x, eps=INSTANCE_NORM_EPS)


def _two_pass(x):
    mean = x.mean(dim=(2, 3), keepdim=True)
    centred = x - mean
    variance = (centred * centred).mean(dim=(2, 3), keepdim=True)
    return centred / torch.sqrt(variance + INSTANCE_NORM_EPS)


class InstanceNorm(nn.Module):
    """`instance_norm` as a module (no parameters, so no state_dict keys)."""

    def __init__(self, float64_stats=False):
        super().__init__()
        self.float64_stats = float64_stats

    def forward(self, x):
        return instance_norm(x, self.float64_stats)


def conv_in_prelu(in_channels, out_channels, stride, float64_stats):
    """reflection-pad 1, 3x3 conv, instance norm, PReLU (one slope): four Sequential slots."""
    return [
        nn.ReflectionPad2d(1),
        nn.Conv2d(in_channels, out_channels, 3, stride=stride),
        InstanceNorm(float64_stats),
        nn.PReLU(),
    ]


def branch(in_channels, mid_channels, out_channels, *, stride=1, upsample_mid=False,
           upsample_out=False, float64_stats=False):
    """One feature branch of the correspondence subnet, indexed exactly as the release's keys.

    Slots: [pad, conv, IN, PReLU, (x2 nearest if upsample_mid), pad, conv, IN, PReLU,
    (x2 nearest if upsample_out)]; the second conv carries `stride`. A trailing dropout of the
    original is identity at inference and holds no weights, so it is left out.
    """
    layers = conv_in_prelu(in_channels, mid_channels, 1, float64_stats)
    if upsample_mid:
        layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
    layers += conv_in_prelu(mid_channels, out_channels, stride, float64_stats)
    if upsample_out:
        layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    """pad, conv, IN, PReLU, pad, conv, IN, + input, then the same PReLU again. (B,C,H,W) -> same."""

    def __init__(self, channels, float64_stats=False):
        super().__init__()
        self.pad = nn.ReflectionPad2d(1)
        self.conv1 = nn.Conv2d(channels, channels, 3)
        self.conv2 = nn.Conv2d(channels, channels, 3)
        self.prelu = nn.PReLU()
        self.norm = InstanceNorm(float64_stats)

    def forward(self, x):
        out = self.prelu(self.norm(self.conv1(self.pad(x))))
        out = self.norm(self.conv2(self.pad(out)))
        return self.prelu(out + x)


def replicate_rows_to(x, height):
    """Replicate-pad x (B,C,h,W) equally at top and bottom to `height` rows (h <= height).

    The release pads the relu5_2 branch by one row each side when it comes out two rows short.
    Written as a row gather so that the amount follows the traced size in an ONNX graph
    (zero rows when the sizes already agree).
    """
    rows = x.shape[2]
    offset = (height - rows) // 2
    index = torch.arange(height, device=x.device) - offset
    index = torch.minimum(torch.clamp(index, min=0), torch.full_like(index, 1) * (rows - 1))
    return x.index_select(2, index)


def l2_normalize_channels(x):
    """Divide each position's channel vector by its L2 norm plus float64 epsilon. (B,C,...) -> same."""
    return x / (torch.linalg.vector_norm(x, dim=1, keepdim=True) + torch.finfo(torch.float64).eps)


def centre_and_normalize(features):
    """(B,C,h,w) -> same: subtract each channel's mean over positions, L2-normalize per position
    (the release's feature preparation before its cosine matching)."""
    flat = features.flatten(2)
    flat = flat - flat.mean(dim=2, keepdim=True)
    return l2_normalize_channels(flat).view_as(features)
