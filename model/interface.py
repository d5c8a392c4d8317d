"""The interface both architectures (`official`, `lite`) present to training and export.

A model is three stages, each an `nn.Module` that becomes one ONNX graph (names fixed by
`excolor.engine.models`):

  reference_encoder(reference_lab (B,3,H,W))                      -> tuple of tensors, named by
                                                                     `reference_output_names`
  correspondence(frame_l (B,1,H,W), *reference outputs)           -> warped_ab (B,2,H,W),
                                                                     confidence (B,1,H,W)
  colorization(frame_l, warped_ab, confidence, previous_lab (B,3,H,W)) -> ab (B,2,H,W)

Lab is CIELAB D65/2deg, L centred (L - 50, so -50..50), ab raw (about -110..110), at the
network size H x W, which must satisfy `size_rule`.
"""
import dataclasses

from torch import nn

from excolor.engine.models import SizeRule


@dataclasses.dataclass(frozen=True)
class StageSpec:
    """Names of one stage's inputs and outputs, in call order."""

    inputs: tuple
    outputs: tuple


class ExemplarColorizer(nn.Module):
    """Base class: holds the three stages and describes them for export."""

    architecture: str = ""
    size_rule: SizeRule = None
    reference_output_names: tuple = ()

    def __init__(self, reference_encoder, correspondence, colorization):
        super().__init__()
        self.reference_encoder = reference_encoder
        self.correspondence = correspondence
        self.colorization = colorization

    @property
    def temperature(self):
        """Softmax temperature of the matching, or None for a hard argmax."""
        return self.correspondence.temperature

    def stage_specs(self):
        return {
            "reference": StageSpec(("reference_lab",), tuple(self.reference_output_names)),
            "correspondence": StageSpec(
                ("frame_l",) + tuple(self.reference_output_names), ("warped_ab", "confidence")
            ),
            "colorization": StageSpec(
                ("frame_l", "warped_ab", "confidence", "previous_lab"), ("ab",)
            ),
        }

    def stages(self):
        return {
            "reference": self.reference_encoder,
            "correspondence": self.correspondence,
            "colorization": self.colorization,
        }

    def forward(self, frame_l, reference_lab, previous_lab):
        """One frame end to end (training): returns (ab, warped_ab, confidence)."""
        reference = self.reference_encoder(reference_lab)
        warped_ab, confidence = self.correspondence(frame_l, *reference)
        ab = self.colorization(frame_l, warped_ab, confidence, previous_lab)
        return ab, warped_ab, confidence
