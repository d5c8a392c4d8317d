"""Feature networks for the perceptual and contextual losses, switchable by name.

The paper uses an ImageNet VGG19; none can be had here. Choices (`build_feature_net(name)`):

  random         a fixed, randomly initialised conv net on Lab (seeded, never trained). Random
                 conv features keep local structure and colour statistics, which is what the two
                 losses compare (texture synthesis and style work with random networks, He et
                 al. 2016 "A powerful generative model using random weights"). Stable: the
                 target never moves, and it costs no training.
  discriminator  the video discriminator's own activations (the current, detached weights) on
                 the frame paired with itself: features learned online from our data, the
                 feature-matching idea of Salimans et al. 2016; they move as the GAN trains.
  none           no feature network: the perceptual and contextual terms are dropped.

The model's own encoder is not offered: it reads L only, so it cannot see the colours these
losses are about. Every net maps Lab (B,3,H,W; L-50, ab raw) to a list of feature maps, coarse
levels last; the perceptual loss uses the last, the contextual loss all.
"""
import torch
from torch import nn

FEATURE_NETS = ("random", "discriminator", "none")
L_NORM, AB_NORM = 50.0, 110.0


class RandomLabFeatures(nn.Module):
    """Fixed random conv net: Lab (B,3,H,W) -> features at 1/4, 1/8, 1/16 (64, 96, 128 ch)."""

    def __init__(self, seed=0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        shapes = [(32, 3, 2), (64, 32, 2), (96, 64, 2), (128, 96, 2)]
        self.layers = nn.ModuleList()
        for out_channels, in_channels, stride in shapes:
            layer = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
            with torch.no_grad():
                fan_in = in_channels * 9
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * (2.0 / fan_in) ** 0.5)
                layer.bias.zero_()
            layer.requires_grad_(False)
            self.layers.append(layer)
        self.taps = (1, 2, 3)  # outputs of these layers: 1/4, 1/8, 1/16

    def forward(self, lab):
        x = torch.cat([lab[:, :1] / L_NORM, lab[:, 1:] / AB_NORM], dim=1)
        outputs = []
        for index, layer in enumerate(self.layers):
            x = torch.relu(layer(x))
            if index in self.taps:
                outputs.append(x)
        return outputs


class DiscriminatorFeatures(nn.Module):
    """The discriminator's activations at 1/8, 1/16, 1/32 for (lab, lab) as a frame pair.

    The discriminator is held by reference (not registered as a submodule: it belongs to the
    trainer); gradients flow to the image only."""

    def __init__(self, discriminator):
        super().__init__()
        self._discriminator = [discriminator]

    def forward(self, lab):
        discriminator = self._discriminator[0]
        flags = [p.requires_grad for p in discriminator.parameters()]
        for p in discriminator.parameters():
            p.requires_grad_(False)
        try:
            _, activations = discriminator.features(lab, lab)
        finally:
            for p, flag in zip(discriminator.parameters(), flags):
                p.requires_grad_(flag)
        return activations[2:5]


def build_feature_net(name, discriminator=None, seed=0):
    """The feature network called `name` (one of FEATURE_NETS), or None for "none"."""
    if name == "random":
        return RandomLabFeatures(seed)
    if name == "discriminator":
        if discriminator is None:
            raise ValueError("the 'discriminator' feature net needs the discriminator")
        return DiscriminatorFeatures(discriminator)
    if name == "none":
        return None
    raise ValueError(f"unknown feature net {name!r}; choose one of {', '.join(FEATURE_NETS)}")
