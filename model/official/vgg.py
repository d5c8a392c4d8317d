"""VGG19 convolutional features as the authors' release uses them, with their input conventions.

Keys match the release's `vgg19_conv.pth` (`convX_Y.weight/bias`). The network sees RGB in
[0,1] converted Caffe-style (BGR, mean subtracted, times 255, no std division). Two ways in:
  - a gray frame: R = G = B = L / 100 (L uncentred, 0..100), not a Lab->RGB conversion;
  - the reference: its Lab through the authors' Lab->sRGB (`official_lab_to_rgb`).
"""
import torch
import torch.nn.functional as F
from torch import nn

# Caffe's BGR mean, as fractions of 255 (the order is B, G, R).
CAFFE_BGR_MEAN = (0.40760392, 0.45795686, 0.48501961)
# Convolutions per block and their widths (VGG19).
VGG19_BLOCKS = ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512))
# The relu outputs the correspondence subnet consumes (block, conv index), 1-based as in the keys.
USED_RELUS = ((2, 2), (3, 2), (4, 2), (5, 2))

# D65 white (Xn, Zn; Yn = 1) and XYZ -> linear sRGB, as in the authors' conversion.
_WHITE_X, _WHITE_Z = 0.95047, 1.08883
_RGB_FROM_XYZ = (
    (3.24048134, -1.53715152, -0.49853633),
    (-0.96925495, 1.87599, 0.04155593),
    (0.05564664, -0.20404134, 1.05731107),
)


def official_lab_to_rgb(lab):
    """The authors' Lab -> sRGB, clipped; it differs from skimage's at the gamut edges.

    lab: (B,3,H,W), L uncentred 0..100, ab raw. Returns (B,3,H,W) RGB in [0,1].
    Negative Z is clamped to 0 before the cube; threshold 0.2068966 with slope 7.787.
    """
    lightness, a, b = lab[:, 0:1], lab[:, 1:2], lab[:, 2:3]
    fy = (lightness + 16.0) / 116.0
    fx = fy + a / 500.0
    fz = (fy - b / 200.0).clamp(min=0.0)
    fxyz = torch.cat((fx, fy, fz), dim=1)
    # where() evaluates both sides; the cube is safe everywhere, the linear part too.
    xyz = torch.where(fxyz > 0.2068966, fxyz ** 3, (fxyz - 16.0 / 116.0) / 7.787)
    white = torch.tensor((_WHITE_X, 1.0, _WHITE_Z), dtype=lab.dtype, device=lab.device)
    xyz = xyz * white.view(1, 3, 1, 1)
    matrix = torch.tensor(_RGB_FROM_XYZ, dtype=lab.dtype, device=lab.device)
    linear = torch.einsum("rc,bchw->brhw", matrix, xyz)
    # clamp inside pow keeps the unused branch finite (no NaN from negative bases).
    gamma = 1.055 * linear.clamp(min=0.0031308) ** (1.0 / 2.4) - 0.055
    rgb = torch.where(linear > 0.0031308, gamma, linear * 12.92)
    return rgb.clamp(0.0, 1.0)


def gray_to_rgb(l_centred):
    """A centred L plane (B,1,H,W), -50..50, as the gray RGB image the VGG sees: (B,3,H,W) 0..1."""
    return ((l_centred + 50.0) / 100.0).expand(-1, 3, -1, -1)


def caffe_preprocess(rgb):
    """(B,3,H,W) RGB in [0,1] -> BGR, Caffe mean removed, times 255."""
    bgr = rgb.flip(1)
    mean = torch.tensor(CAFFE_BGR_MEAN, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    return (bgr - mean) * 255.0


class VGG19Features(nn.Module):
    """VGG19 convolutions (3x3, padding 1, ReLU, 2x2 floor max-pools between blocks).

    forward(rgb (B,3,H,W) in [0,1]) -> (relu2_2 (B,128,H/2,W/2), relu3_2 (B,256,H/4,W/4),
    relu4_2 (B,512,H/8,W/8), relu5_2 (B,512,H/16,W/16)), sizes floored at each pool.
    Layers after conv5_2 exist only so that the release's keys load; they are never run.
    """

    def __init__(self):
        super().__init__()
        in_channels = 3
        for block, (count, width) in enumerate(VGG19_BLOCKS, start=1):
            for index in range(1, count + 1):
                self.add_module(f"conv{block}_{index}", nn.Conv2d(in_channels, width, 3, padding=1))
                in_channels = width
        # The convolutions the forward pass runs, in order: up to the last relu it returns.
        last = max(USED_RELUS)
        self.run_order = tuple(
            (block, index)
            for block, (count, _width) in enumerate(VGG19_BLOCKS, start=1)
            for index in range(1, count + 1)
            if (block, index) <= last
        )

    def forward(self, rgb):
        x = caffe_preprocess(rgb)
        outputs = []
        for block, index in self.run_order:
            if index == 1 and block > 1:
                x = F.max_pool2d(x, 2, 2)
            x = F.relu(getattr(self, f"conv{block}_{index}")(x))
            if (block, index) in USED_RELUS:
                outputs.append(x)
        return tuple(outputs)
