"""The paper's losses on real photos: each term measures what it claims."""
import numpy as np
import pytest
import skimage.data
import torch
from excolor.model import losses
from excolor.model.discriminator import VideoDiscriminator
from excolor.model.lab import srgb_to_lab
from skimage.transform import resize


def photo_lab(name, size=(64, 96)):
    rgb = resize(getattr(skimage.data, name)(), size, anti_aliasing=True).astype(np.float32)
    lab = srgb_to_lab(torch.from_numpy(rgb).permute(2, 0, 1)[None])
    return lab - torch.tensor([50.0, 0.0, 0.0])[None, :, None, None]


def test_backward_flow_warp_moves_a_photo_exactly():
    lab = photo_lab("astronaut")
    shifted = torch.roll(lab, shifts=(2, -3), dims=(2, 3))  # frame t: content moved down 2, left 3
    flow = torch.zeros(1, 2, 64, 96)
    flow[:, 0], flow[:, 1] = 3.0, -2.0  # pixel (x,y) of t came from (x+3, y-2) in t-1
    warped = losses.warp_backward(lab, flow)
    assert torch.allclose(warped[..., 4:-4, 4:-4], shifted[..., 4:-4, 4:-4], atol=1e-3)


def test_temporal_loss_is_zero_along_the_flow_and_masked():
    lab = photo_lab("coffee")
    current = torch.roll(lab, shifts=(1, 2), dims=(2, 3))[:, 1:]
    flow = torch.zeros(1, 2, 64, 96)
    flow[:, 0], flow[:, 1] = -2.0, -1.0
    valid = torch.zeros(1, 1, 64, 96)
    valid[..., 4:-4, 4:-4] = 1.0
    along, _ = losses.temporal_warping(current, lab[:, 1:], flow, valid)
    still, _ = losses.temporal_warping(current, lab[:, 1:], torch.zeros_like(flow), valid)
    assert along < 1e-5 < still
    nothing, _ = losses.temporal_warping(current, lab[:, 1:], torch.zeros_like(flow), torch.zeros_like(valid))
    assert nothing == 0


def test_l1_applies_only_to_masked_samples():
    truth = torch.cat([photo_lab("astronaut"), photo_lab("chelsea")])[:, 1:]
    predicted = torch.zeros_like(truth)
    both, _ = losses.l1_ab(predicted, truth, torch.tensor([1.0, 1.0]))
    first, metrics = losses.l1_ab(predicted, truth, torch.tensor([1.0, 0.0]))
    none, _ = losses.l1_ab(predicted, truth, torch.tensor([0.0, 0.0]))
    assert none == 0 and first > 0 and both > 0
    assert metrics["l1_ab_units"] == pytest.approx(truth[0].abs().mean().item(), rel=1e-4)


def test_smoothness_prefers_smooth_colour_within_true_regions():
    truth = photo_lab("astronaut")[:, 1:]
    generator = torch.Generator().manual_seed(0)
    noisy = truth + torch.randn(truth.shape, generator=generator) * 10
    assert losses.smoothness(truth, truth)[0] < losses.smoothness(noisy, truth)[0]
    flat = torch.full_like(truth, 5.0)
    assert losses.smoothness(flat, truth)[0] < 1e-6


def test_perceptual_and_contextual_with_random_features():
    net = losses.build_feature_net("random", seed=0)
    truth, reference, other = photo_lab("astronaut"), photo_lab("astronaut"), photo_lab("coffee")
    gray = truth.clone()
    gray[:, 1:] = 0
    features = net(truth)
    assert [f.shape[-1] for f in features] == [24, 12, 6]
    assert losses.perceptual(features, features)[0] == 0
    assert losses.perceptual(net(gray), features)[0] > 0
    weights = (0.25, 0.5, 1.0)
    same, metrics = losses.contextual(net(truth), net(reference), weights)
    different, _ = losses.contextual(net(truth), net(other), weights)
    assert same < different and set(metrics) == {"contextual_0", "contextual_1", "contextual_2"}
    with pytest.raises(ValueError, match="level weights"):
        losses.contextual(features, features, (1.0,))


def test_feature_net_choices():
    assert losses.build_feature_net("none") is None
    with pytest.raises(ValueError, match="random, discriminator, none"):
        losses.build_feature_net("vgg")
    discriminator = VideoDiscriminator()
    net = losses.build_feature_net("discriminator", discriminator)
    lab = photo_lab("astronaut", (64, 128)).requires_grad_(True)
    net(lab)[-1].sum().backward()
    assert lab.grad is not None and lab.grad.abs().sum() > 0
    assert all(p.grad is None and p.requires_grad for p in discriminator.parameters())


def test_video_discriminator_and_relativistic_losses():
    torch.manual_seed(0)
    discriminator = VideoDiscriminator()
    first, second = photo_lab("astronaut", (64, 128)), photo_lab("chelsea", (64, 128))
    scores = discriminator(first, second)
    assert scores.shape == (1, 1, 1, 2)
    real = torch.tensor([1.0, 0.8])
    good_fake, bad_fake = torch.tensor([0.9, 1.0]), torch.tensor([-1.0, -0.8])
    assert losses.generator_adversarial(good_fake, real)[0] < losses.generator_adversarial(bad_fake, real)[0]
    assert losses.discriminator_adversarial(real, bad_fake)[0] < losses.discriminator_adversarial(real, good_fake)[0]
    # Relativistic: perfectly separated by a margin of 1 either way costs nothing.
    assert losses.discriminator_adversarial(torch.tensor([1.0]), torch.tensor([0.0]))[0] == 0
