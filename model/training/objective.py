"""One training step's forward pass and the weighted objective (paper eq. 15).

A batch (the PseudoVideoDataset contract, collated):
  frames (B,T,3,H,W) Lab L-50 / ab raw; reference (B,3,H,W); reference_kind (B,) 0 self view,
  1 similar picture, 2 far frame; flow (B,T-1,2,H,W) backward flow; valid (B,T-1,1,H,W).
The model colours the T frames in order, each fed the previous prediction (as the node runs);
the first frame gets either zeros (unpinned start) or its own true Lab (pinned keyframe start).
"""
import dataclasses

import torch

from .. import losses

SAME_SCENE_KINDS = (0, 2)  # the reference shows the frame's own scene: L1 applies (paper)


@dataclasses.dataclass
class Rollout:
    """What the generator produced for one batch; Lab tensors (B,3,H,W) per frame."""

    predicted: list
    warped: list
    truth: list
    styled: list  # truth recoloured like a self-view reference (the L1 target)
    reference: torch.Tensor
    same_scene: torch.Tensor  # (B,) float


def rollout(model, batch, previous_zero_probability, generator):
    """Colour every frame of the batch in order; `generator` (torch.Generator, CPU) decides the
    first frame's previous input per sample."""
    frames = batch["frames"]
    reference = batch["reference"]
    count = frames.shape[0]
    zero_start = (torch.rand(count, generator=generator) < previous_zero_probability).to(frames.device)
    first = frames[:, 0]
    previous = torch.where(zero_start[:, None, None, None], torch.zeros_like(first), first)
    reference_outputs = model.reference_encoder(reference)
    predicted, warped_list, truth = [], [], []
    for t in range(frames.shape[1]):
        frame_l = frames[:, t, :1]
        warped_ab, confidence = model.correspondence(frame_l, *reference_outputs)
        ab = model.colorization(frame_l, warped_ab, confidence, previous)
        lab = torch.cat([frame_l, ab], dim=1)
        predicted.append(lab)
        warped_list.append(warped_ab)
        truth.append(frames[:, t])
        previous = lab
    kinds = batch["reference_kind"].to(frames.device)
    same_scene = sum((kinds == k).float() for k in SAME_SCENE_KINDS)
    styled = [recolour(lab, batch.get("reference_recolour")) for lab in truth]
    return Rollout(predicted, warped_list, truth, styled, reference, same_scene)


def recolour(lab, hue_saturation):
    """The truth in the reference's style: ab rotated by hue and scaled by saturation, the same
    recolour the dataset applied to a self-view reference (identity (0, 1) for other kinds), so
    the L1 terms ask for the reference's colours, as exemplar colorization should.

    lab: (B,3,H,W); hue_saturation: (B,2) [radians, factor] or None (no recolour)."""
    if hue_saturation is None:
        return lab
    hue, saturation = hue_saturation[:, 0], hue_saturation[:, 1]
    c = (torch.cos(hue) * saturation)[:, None, None]
    s = (torch.sin(hue) * saturation)[:, None, None]
    a, b = lab[:, 1], lab[:, 2]
    return torch.stack([lab[:, 0], c * a - s * b, s * a + c * b], dim=1)


class Objective:
    """The weighted sum of the paper's terms; holds the feature net (not trained)."""

    def __init__(self, config, discriminator):
        self.config = config
        self.weights = config.weights
        self.feature_net = losses.build_feature_net(config.feature_net, discriminator, seed=config.seed)
        if self.feature_net is not None:
            self.feature_net.to(config.device)

    def generator_loss(self, run, discriminator, batch, step):
        """(total loss, metrics) for the generator on a Rollout."""
        w = self.weights
        terms = {}
        frames = len(run.predicted)
        foreign = 1.0 - run.same_scene
        for t in range(frames):
            predicted_ab = run.predicted[t][:, 1:].float()
            true_ab = run.truth[t][:, 1:].float()
            styled_ab = run.styled[t][:, 1:].float()
            _add(terms, "l1", losses.l1_ab(predicted_ab, styled_ab, run.same_scene), frames)
            _add(terms, "warped_l1", losses.l1_ab(run.warped[t].float(), styled_ab, run.same_scene), frames)
            if w.foreign_l1 > 0:
                # Both outputs: the node uses the prediction, which mostly copies the match.
                _add(terms, "foreign_l1", losses.l1_ab(predicted_ab, true_ab, foreign), 2 * frames)
                _add(terms, "foreign_l1", losses.l1_ab(run.warped[t].float(), true_ab, foreign), 2 * frames)
            _add(terms, "smoothness", losses.smoothness(predicted_ab, true_ab), frames)
        if self.feature_net is not None:
            reference_features = [f.float() for f in self.feature_net(run.reference)]
            for t in range(frames):
                predicted_features = [f.float() for f in self.feature_net(run.predicted[t])]
                true_features = [f.float() for f in self.feature_net(run.truth[t])]
                _add(terms, "perceptual", losses.perceptual(predicted_features, true_features), frames)
                _add(terms, "contextual", losses.contextual(
                    predicted_features, reference_features, self.config.contextual_level_weights
                ), frames)
        for t in range(1, frames):
            _add(terms, "temporal", losses.temporal_warping(
                run.predicted[t][:, 1:].float(), run.predicted[t - 1][:, 1:].float(),
                batch["flow"][:, t - 1], batch["valid"][:, t - 1],
            ), frames - 1)
        if w.adversarial > 0 and step >= self.config.adversarial_start and frames > 1:
            fake = _pair_scores(discriminator, run.predicted)
            real = _pair_scores(discriminator, run.truth)
            _add(terms, "adversarial", losses.generator_adversarial(fake.float(), real.float()), 1)
        total = sum(getattr(w, name) * value for name, (value, _) in terms.items())
        metrics = {name: float(value.detach()) for name, (value, _) in terms.items()}
        for name, (_, extra) in terms.items():
            # Extra figures keep their own names, except the shared "l1_ab_units" of the
            # L1 terms, which is reported per term.
            metrics.update({(f"{name}_ab_units" if key == "l1_ab_units" else key): v for key, v in extra.items()})
        metrics["total"] = float(total.detach())
        return total, metrics

    def discriminator_loss(self, run, discriminator):
        """(loss, metrics) for the discriminator on detached predictions."""
        fake = _pair_scores(discriminator, [lab.detach() for lab in run.predicted])
        real = _pair_scores(discriminator, run.truth)
        loss, metrics = losses.discriminator_adversarial(real.float(), fake.float())
        metrics["discriminator"] = float(loss.detach())
        return loss, metrics


def _pair_scores(discriminator, labs):
    """Scores of every consecutive pair, concatenated on the batch axis."""
    return torch.cat([discriminator(labs[t - 1], labs[t]) for t in range(1, len(labs))], dim=0)


def _add(terms, name, result, count):
    """Accumulate the mean of a term over `count` calls: terms[name] = (value, metrics)."""
    value, metrics = result
    old_value, old_metrics = terms.get(name, (0.0, {}))
    merged = dict(old_metrics)
    for key, number in metrics.items():
        merged[key] = merged.get(key, 0.0) + number / count
    terms[name] = (old_value + value / count, merged)
