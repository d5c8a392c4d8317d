"""LiteColorizer: the `lite` architecture behind the ExemplarColorizer interface.

    encoder (L only, shared)  --+--> ReferenceStage      reference_lab -> features, pooled ab
    projector (1x1, shared)  --+--> CorrespondenceStage frame_l + reference -> warped_ab, confidence
                                    ColorizationStage   frame_l, warped_ab, confidence, previous_lab -> ab

The encoder and projector are one set of weights held by both the reference and the
correspondence stage (so the state dict lists them under both names); each exported graph
carries its own copy.
"""
from torch import nn

from ..interface import ExemplarColorizer
from ..matching import dense_match
from .blocks import init_weights
from .colorization import ColorizationStage, build_motion
from .config import LiteConfig
from .correspondence import REFERENCE_OUTPUTS, CorrespondenceStage, ReferenceStage
from .encoder import FeatureEncoder


class LiteColorizer(ExemplarColorizer):
    """The lite model; build it from a LiteConfig (the default one unless given)."""

    architecture = "lite"
    reference_output_names = REFERENCE_OUTPUTS

    def __init__(self, config=None, match=dense_match):
        config = LiteConfig() if config is None else config
        if not isinstance(config, LiteConfig):
            raise TypeError(f"LiteColorizer needs a LiteConfig, got {type(config).__name__}")
        encoder = FeatureEncoder(config.encoder_widths, config.feature_channels)
        projector = nn.Conv2d(config.feature_channels, config.match_channels, 1)
        super().__init__(
            ReferenceStage(encoder, projector),
            CorrespondenceStage(encoder, projector, config.temperature, match=match),
            ColorizationStage(
                config.colorizer_widths, config.head_channels, config.ab_scale, build_motion(config)
            ),
        )
        self.config = config
        self.size_rule = config.size_rule()
        init_weights(self)
        self.colorization.reset_head()

    def parameter_count(self):
        """Distinct parameters (the shared encoder counted once)."""
        return sum(p.numel() for p in self.parameters())
