"""The colorization U-Net (paper's colorization subnet): L, warped ab, confidence and the
previous frame's Lab in, ab out.

Most of the work happens at 1/2..1/8 resolution; a light 1x1 head at the full network size reads
the inputs again (L, warped ab, ...) so edges can follow the luminance.

Output (beyond the paper, for a model trained on a small CPU budget): instead of predicting ab
from nothing, the head predicts per-pixel softmax gates over three candidates -- the warped
reference ab, the previous frame's ab (motion-aligned when the aligner is on), and a freely
predicted ab (tanh-bounded, as the paper's last layer) -- and blends them. The network starts
out as "take the reference's matched colour" and learns where to trust the history or to
invent, the choice the paper's colorization subnet makes implicitly. The output stays bounded
by the candidates' range.
"""
import torch
from torch import nn

from .blocks import ConvAct, ResBlock, conv, upsample_to
from .aligner import MotionAligner

GATES = 3  # warped reference, previous frame, invented
INITIAL_GATE_BIAS = (1.5, 0.0, -1.5)  # softmax -> about 0.79, 0.18, 0.04
AB_NORM = 110.0  # raw ab divided by this is about -1..1 for the network's inputs
L_NORM = 50.0    # centred L divided by this is -1..1


class ColorizationStage(nn.Module):
    """frame_l (B,1,H,W) L-50; warped_ab (B,2,H,W) raw; confidence (B,1,H,W) -1..1;
    previous_lab (B,3,H,W) L-50, ab raw -> ab (B,2,H,W) raw: a per-pixel convex blend of warped_ab,
    the (aligned) previous ab and an invented ab with |ab| < ab_scale."""

    def __init__(self, widths, head_channels, ab_scale, motion=None):
        super().__init__()
        half, quarter, eighth = widths
        self.motion = motion
        in_channels = 1 + 2 + 1 + 3 + (3 if motion is not None else 0)
        self.down2 = nn.Sequential(ConvAct(in_channels, half, stride=2), ConvAct(half, half))
        self.down4 = nn.Sequential(ConvAct(half, quarter, stride=2), ConvAct(quarter, quarter))
        self.down8 = nn.Sequential(ConvAct(quarter, eighth, stride=2), ResBlock(eighth))
        self.up4 = nn.Sequential(ConvAct(eighth + quarter, quarter, kernel=1), ConvAct(quarter, quarter))
        self.up2 = nn.Sequential(ConvAct(quarter + half, half, kernel=1), ConvAct(half, half))
        self.head = nn.Sequential(
            ConvAct(half + in_channels, head_channels, kernel=1), conv(head_channels, GATES + 2)
        )
        self.ab_scale = float(ab_scale)

    def forward(self, frame_l, warped_ab, confidence, previous_lab):
        parts = [
            frame_l * (1.0 / L_NORM), warped_ab * (1.0 / AB_NORM), confidence,
            previous_lab[:, :1] * (1.0 / L_NORM), previous_lab[:, 1:] * (1.0 / AB_NORM),
        ]
        if self.motion is not None:
            aligned_ab, motion_confidence = self.motion(frame_l, previous_lab)
            parts += [aligned_ab * (1.0 / AB_NORM), motion_confidence]
        x = torch.cat(parts, dim=1)
        d2 = self.down2(x)
        d4 = self.down4(d2)
        d8 = self.down8(d4)
        u4 = self.up4(torch.cat([upsample_to(d8, d4), d4], dim=1))
        u2 = self.up2(torch.cat([upsample_to(u4, d2), d2], dim=1))
        out = self.head(torch.cat([upsample_to(u2, x), x], dim=1))
        gates = torch.softmax(out[:, :GATES], dim=1)
        invented = torch.tanh(out[:, GATES:]) * self.ab_scale
        history = aligned_ab if self.motion is not None else previous_lab[:, 1:]
        return gates[:, 0:1] * warped_ab + gates[:, 1:2] * history + gates[:, 2:3] * invented

    def reset_head(self):
        """Start as 'mostly the warped reference': zero last layer, gate biases favouring it."""
        last = self.head[-1]
        nn.init.zeros_(last.weight)
        with torch.no_grad():
            last.bias.zero_()
            last.bias[:GATES] = torch.tensor(INITIAL_GATE_BIAS)


def build_motion(config):
    """The previous-frame aligner for a LiteConfig, or None when motion_radius is 0."""
    if config.motion_radius == 0:
        return None
    return MotionAligner(config.motion_channels, config.motion_radius, config.motion_temperature)
