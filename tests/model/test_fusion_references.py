"""What the fusion of unpinned runs is trained on: references that are not a frame of the clip
(excolor.model.fusion.unkeyed_references), and a network that judges the frame as a whole."""
import dataclasses

import numpy as np
import torch
from excolor.colour.cielab import srgb_to_lab
from excolor.model.fusion.network import FusionNet, FusionNetConfig
from excolor.model.fusion.unkeyed_references import UNKEYED_REFERENCES, detail, draw_kind, regraded, unkeyed_reference

from tests.support.node import carphone_frames


def picture_lab():
    """A real frame (144, 176) as (3, H, W) CIELAB with L centred, as pseudo-videos hold it."""
    lab = np.moveaxis(srgb_to_lab(carphone_frames(1)[0]), -1, 0).astype(np.float32)
    lab[0] -= 50.0
    return lab


def test_kinds_are_drawn_by_their_shares_and_deterministically():
    shares = {"pseudo-video": 0.4, "other picture": 0.3, "detail": 0.15, "regraded": 0.15}
    draws = [draw_kind(np.random.default_rng([0, i]), shares) for i in range(2000)]
    assert draws == [draw_kind(np.random.default_rng([0, i]), shares) for i in range(2000)]
    for kind, share in shares.items():
        assert abs(draws.count(kind) / len(draws) - share) < 0.04, kind
    assert set(draw_kind(np.random.default_rng(i), {"detail": 1.0}) for i in range(20)) == {"detail"}


def test_a_detail_is_an_enlarged_part_of_the_frame():
    lab = picture_lab()
    crop = detail(np.random.default_rng(3), lab)
    assert crop.shape == lab.shape
    # Another framing: far from the frame itself, though made of its own pixels.
    assert np.abs(crop[0] - lab[0]).mean() > 5.0
    assert lab[0].min() - 1 <= crop[0].min() and crop[0].max() <= lab[0].max() + 1


def test_a_regraded_reference_turns_the_hue_and_bends_the_tones():
    lab = picture_lab()
    graded = regraded(np.random.default_rng(5), lab)
    chroma = np.hypot(lab[1], lab[2]) > 8.0
    turn = np.angle((graded[1] + 1j * graded[2]) * np.conj(lab[1] + 1j * lab[2]))[chroma]
    assert 0.15 - 1e-3 <= abs(np.median(turn)) <= 0.35 + 1e-3
    assert np.abs(graded[0] - lab[0]).max() > 0.5  # a gamma on L
    assert np.array_equal(unkeyed_reference(None, "pseudo-video", {"reference": lab}, None), lab)
    assert set(UNKEYED_REFERENCES) == {"pseudo-video", "other picture", "detail", "regraded"}


def fusion_inputs(height=48, width=64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    k = FusionNetConfig().candidates
    return [torch.rand(1, 1, height, width, generator=generator) * 100,
            torch.randn(1, 2 * k, height, width, generator=generator) * 20,
            torch.rand(1, k, height, width, generator=generator) * 5,
            torch.rand(1, k, height, width, generator=generator),
            torch.ones(1, k, 1, 1)]


def test_the_frame_context_lets_far_pixels_change_a_pixels_weights():
    torch.manual_seed(0)
    with_frame = FusionNet(FusionNetConfig())
    torch.manual_seed(0)
    local_only = FusionNet(dataclasses.replace(FusionNetConfig(), frame_context=False))
    inputs = fusion_inputs()
    changed = [x.clone() for x in inputs]
    changed[1][..., :12, :12] += 40.0  # the exemplar and others differ in the top-left corner only
    for net, reaches in ((with_frame, True), (local_only, False)):
        with torch.no_grad():
            before = net(*inputs)[1][..., -4:, -4:]
            after = net(*changed)[1][..., -4:, -4:]
        assert bool((before - after).abs().max() > 1e-6) == reaches
