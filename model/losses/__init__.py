"""The paper's training objective (section 3.3), as pure functions returning (loss, metrics)."""
from .adversarial import discriminator_adversarial, generator_adversarial
from .features import FEATURE_NETS, build_feature_net
from .perceptual import contextual, perceptual
from .pixel import l1_ab, smoothness, temporal_warping, warp_backward

__all__ = [
    "FEATURE_NETS", "build_feature_net", "contextual", "discriminator_adversarial",
    "generator_adversarial", "l1_ab", "perceptual", "smoothness", "temporal_warping",
    "warp_backward",
]
