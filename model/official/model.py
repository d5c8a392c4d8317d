"""The `official` architecture: the authors' released networks split into the three stages.

  reference_encoder(reference_lab (B,3,Hr,Wr))  -> reference_features (B,256,Hr/4,Wr/4)
                                                    (phi-projected, centred, L2-normalized),
                                                   reference_ab (B,2,Hr/4,Wr/4) (ab, 4x4 mean)
  correspondence(frame_l (B,1,H,W), reference_features, reference_ab)
                                                -> warped_ab (B,2,H,W), confidence (B,1,H,W)
  colorization(frame_l, warped_ab, confidence, previous_lab (B,3,H,W)) -> ab (B,2,H,W)

Lab: L centred (L - 50, -50..50), ab raw. The reference may differ in size from the frame
(each is encoded at its own aspect), as long as both satisfy SIZE_RULE.
"""
import torch
import torch.nn.functional as F
from torch import nn

from excolor.engine.models import SizeRule

from ..interface import ExemplarColorizer
from ..matching import dense_match
from .colornet import ColorNet
from .layers import centre_and_normalize
from .nonlocal_net import NonlocalNet
from .vgg import VGG19Features, gray_to_rgb, official_lab_to_rgb

ARCHITECTURE = "official"
L_OFFSET = 50.0
MATCH_STRIDE = 4  # correspondence runs at 1/4 of the network size
# H: multiple of 8 for the colorization net (three x2 subsamplings); H = 8 mod 16 is fine
# because the release replicate-pads the relu5_2 branch's two missing rows. W: multiple of 16,
# since the release pads rows only. 32 is the smallest side whose relu5_2 map (2 px) still
# takes a reflection pad of 1. Memory grows with the 4th power of the side, hence the cap.
SIZE_RULE = SizeRule(multiple_h=8, multiple_w=16, min_side=32, max_side=1024, default_long_side=384)
REFERENCE_OUTPUTS = ("reference_features", "reference_ab")


def check_size(height, width, what):
    """Raise ValueError unless (height, width) satisfies SIZE_RULE."""
    rule = SIZE_RULE
    if height % rule.multiple_h or width % rule.multiple_w or min(height, width) < rule.min_side:
        raise ValueError(
            f"{what} is {height}x{width}; the official model needs H a multiple of "
            f"{rule.multiple_h}, W a multiple of {rule.multiple_w}, both >= {rule.min_side}"
        )


class ReferenceEncoder(nn.Module):
    """reference_lab (B,3,Hr,Wr), L centred -> (reference_features, reference_ab); see module doc."""

    def __init__(self, vgg, nonlocal_net):
        super().__init__()
        self.vgg = vgg
        self.nonlocal_net = nonlocal_net

    def forward(self, reference_lab):
        uncentred = torch.cat((reference_lab[:, :1] + L_OFFSET, reference_lab[:, 1:]), dim=1)
        rgb = official_lab_to_rgb(uncentred)
        features = self.nonlocal_net.mixed_features(self.vgg(rgb))
        projected = centre_and_normalize(self.nonlocal_net.phi(features))
        reference_ab = F.avg_pool2d(reference_lab[:, 1:3], MATCH_STRIDE)
        return projected, reference_ab


class Correspondence(nn.Module):
    """frame_l (B,1,H,W) + reference outputs -> warped_ab (B,2,H,W), confidence (B,1,H,W).

    temperature None is a hard argmax (the authors' inference); a float is softmax(f / T).
    match: a matcher of excolor.model.matching (shared with the lite architecture); export
    swaps in the chunked one for bounded memory.
    """

    def __init__(self, vgg, nonlocal_net, temperature=None, match=dense_match):
        super().__init__()
        if temperature is not None and not temperature > 0:
            raise ValueError(f"temperature must be positive or None (argmax), got {temperature}")
        self.vgg = vgg
        self.nonlocal_net = nonlocal_net
        self.temperature = temperature
        self.match = match

    def forward(self, frame_l, reference_features, reference_ab):
        features = self.nonlocal_net.mixed_features(self.vgg(gray_to_rgb(frame_l)))
        projected = centre_and_normalize(self.nonlocal_net.theta(features))
        warped_ab, confidence = self.match(projected, reference_features, reference_ab, self.temperature)
        upsample = nn.functional.interpolate
        return (upsample(warped_ab, scale_factor=MATCH_STRIDE, mode="nearest"),
                upsample(confidence, scale_factor=MATCH_STRIDE, mode="nearest"))


class Colorization(nn.Module):
    """(frame_l (B,1,H,W), warped_ab (B,2,H,W), confidence (B,1,H,W), previous_lab (B,3,H,W))
    -> ab (B,2,H,W), all Lab with L centred."""

    def __init__(self, colornet):
        super().__init__()
        self.colornet = colornet

    def forward(self, frame_l, warped_ab, confidence, previous_lab):
        return self.colornet(torch.cat((frame_l, warped_ab, confidence, previous_lab), dim=1))


class OfficialColorizer(ExemplarColorizer):
    """The released model. `vgg`, `nonlocal_net`, `colornet` hold the three checkpoint files'
    weights (keys as in the release) and are shared by the stages."""

    architecture = ARCHITECTURE
    size_rule = SIZE_RULE
    reference_output_names = REFERENCE_OUTPUTS
    # Both reference outputs are at 1/4 of the reference's size (symbols for the ONNX graphs).
    onnx_axis_names = {name: ("reference_height/4", "reference_width/4") for name in REFERENCE_OUTPUTS}
    # The authors multiply the predicted ab by 1.25 after inference; the node applies it.
    saturation = 1.25

    def __init__(self, temperature=None, float64_stats=False):
        vgg = VGG19Features()
        nonlocal_net = NonlocalNet(float64_stats)
        colornet = ColorNet(float64_stats)
        super().__init__(
            ReferenceEncoder(vgg, nonlocal_net),
            Correspondence(vgg, nonlocal_net, temperature),
            Colorization(colornet),
        )
        self.float64_stats = float64_stats

    def parts(self):
        """The three release files' modules by file stem: vgg19_conv, nonlocal_net, colornet."""
        return {
            "vgg19_conv": self.reference_encoder.vgg,
            "nonlocal_net": self.reference_encoder.nonlocal_net,
            "colornet": self.colorization.colornet,
        }
