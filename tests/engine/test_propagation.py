"""Keyframes are law, the motion-compensated history and the fusion of candidates, on real video.

The model is the seeded test model (tests/support/node.py): these tests check what the node
guarantees whatever the network predicts — a keyed frame comes back as keyed, colour is carried
by motion at the plate's size, every candidate takes part — not how good the network is.
"""
import numpy as np
import pytest
from excolor.colour.cielab import srgb_to_lab
from excolor.engine.fusion import CANDIDATES, Candidate, Candidates, FusionSettings, HandSetFusion
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.engine.optical_flow import DisMotion, history_size
from excolor.errors import InputError

from tests.support.node import carphone_frames, chroma_psnr

frames = pytest.fixture(scope="module")(carphone_frames)  # the colour clip (the truth)


def gray(frames):
    """The plates a colorist brings: OpenCV-style gray of the colour frames, in three channels."""
    luma = frames @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.repeat(luma[..., None], 3, axis=3).astype(np.float32)


def make_node(model_dir, plates, shots, **settings):
    node = ColorizeNode(model_dir, device="cpu", **settings)
    node.source = lambda n: plates[n]
    node.shots = shots
    return node


def test_keyed_frames_come_back_as_keyed(model_dir, frames):
    plates = gray(frames)
    shots = [Shot(0, 12, [Keyframe(frames[2], frame=2), Keyframe(frames[10], frame=10)])]
    node = make_node(model_dir, plates, shots)
    for keyed in (10, 2):
        assert chroma_psnr(node.render(keyed), frames[keyed]) >= 45.0
        np.testing.assert_array_equal(node.confidence(keyed), 1.0)
    # The frames next to a key start from it: far closer to the truth than gray is.
    for beside in (3, 9):
        assert chroma_psnr(node.render(beside), frames[beside]) > chroma_psnr(plates[beside], frames[beside]) + 3


def test_a_key_at_another_size_is_resized_and_another_aspect_refused(model_dir, frames):
    plates = gray(frames)
    half = frames[4][::2, ::2]  # 88x72: the same frame at another size
    node = make_node(model_dir, plates, [Shot(0, 5, [Keyframe(half, frame=4)])])
    assert chroma_psnr(node.render(4), frames[4]) > 30.0
    cropped = np.ascontiguousarray(frames[4][:, :120])
    node = make_node(model_dir, plates, [Shot(0, 5, [Keyframe(cropped, frame=4)])])
    with pytest.raises(InputError, match="120x144 but the plate is 176x144"):
        node.render(4)


def test_every_candidate_takes_part_and_each_can_be_left_out(model_dir, frames):
    plates = gray(frames)
    shots = [Shot(0, 8, [Keyframe(frames[0], frame=0)])]
    node = make_node(model_dir, plates, shots)
    for n in range(9):
        node.render(n)
    usage = node.candidate_usage()
    assert set(usage) == set(CANDIDATES)
    # From a pinned key only its carried colours by default (FusionSettings.from_pinned).
    assert usage["exemplar"] == usage["global"] == 0 and usage["history"] > 0 and usage["keyframe"] > 0
    assert sum(usage.values()) == pytest.approx(1.0, abs=1e-6)
    every = make_node(model_dir, plates, shots, fusion=FusionSettings(from_pinned=CANDIDATES))
    for n in range(5):
        every.render(n)
    assert all(weight > 0 for weight in every.candidate_usage().values())
    unpinned = make_node(model_dir, plates, [Shot(0, 4, [Keyframe(frames[0], "none")])])
    for n in range(5):
        unpinned.render(n)
    usage = unpinned.candidate_usage()
    assert usage["keyframe"] == 0 and all(usage[c] > 0 for c in ("history", "exemplar", "global"))
    alone = make_node(model_dir, plates, shots, fusion=FusionSettings(candidates=("history",)))
    for n in range(4):
        alone.render(n)
    assert alone.candidate_usage()["history"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="subset of"):
        FusionSettings(candidates=("flow",))


def test_history_is_kept_at_the_plate_size_and_saved_states_carry_it(model_dir, frames):
    node = make_node(model_dir, gray(frames), [Shot(0, 4, [Keyframe(frames[0], frame=0)])])
    (run,) = node.runs(0)
    state = node.initial_state(run)
    for _ in range(3):
        result, state = node.step(run, state)
    assert state.history_ab.shape == (2, 144, 176) and state.history_l.shape == (144, 176)
    assert result.ab.shape == (2, 144, 176)
    restored = node.state_from_arrays(run, state.to_arrays())
    again, _ = node.step(run, restored)
    np.testing.assert_array_equal(again.ab, node.step(run, state)[0].ab)
    assert history_size(2160, 3840) == (1152, 2048)  # 4K plates keep a 2K history


def test_motion_carries_a_moved_picture_and_flags_what_left_the_frame(frames):
    source = srgb_to_lab(frames[0])
    moved = np.roll(source, 6, axis=1)  # everything 6 pixels to the right
    moved[:, :6] = source[:, :1]  # new content enters on the left
    motion = DisMotion().motion(source[..., 0], moved[..., 0])
    carried = motion.carry(np.moveaxis(source[..., 1:], -1, 0))  # chroma is channels first
    assert carried.shape == (2,) + source.shape[:2] and carried.dtype == np.float32
    inner = (slice(10, -10), slice(20, -10))
    assert np.abs(np.moveaxis(carried, 0, -1)[inner] - moved[..., 1:][inner]).mean() < 1.0
    assert motion.consistent[inner].mean() > 0.9
    assert motion.error[inner].mean() < motion.error[:, :6].mean()


def test_hand_set_fusion_prefers_the_candidate_that_explains_the_frame():
    good, bad = np.full((2, 4, 4), 10.0, np.float32), np.full((2, 4, 4), -10.0, np.float32)
    zero, five = np.zeros((4, 4), np.float32), np.full((4, 4), 5.0, np.float32)
    fusion = HandSetFusion(FusionSettings(rule="hand-set"))
    lightness = np.full((4, 4), 50.0, np.float32)
    fused = fusion(Candidates(lightness, {"history": Candidate(good, zero, zero + 1),
                                          "keyframe": Candidate(bad, five, zero + 1)}))
    assert fused.ab.shape == (2, 4, 4) and np.all(fused.ab > 9.9) and set(fused.weights) == {"history", "keyframe"}
    doubtful = fusion(Candidates(lightness, {"history": Candidate(good, five, zero + 1)}))
    sure = fusion(Candidates(lightness, {"history": Candidate(good, zero, zero + 1)}))
    assert np.all(doubtful.confidence < sure.confidence)


def test_gray_plates_come_out_in_colour_with_their_alpha(model_dir, frames):
    luma = gray(frames)[..., :1]  # a scan: one channel
    alpha = np.linspace(0, 1, luma.shape[2], dtype=np.float32)[None, None, :, None] * np.ones_like(luma)
    for plates, channels in ((luma, 3), (np.concatenate([luma, alpha], axis=3), 4)):
        node = make_node(model_dir, plates, [Shot(0, 3, [Keyframe(frames[0], frame=0)])])
        out = node.render(2)
        assert out.shape == plates.shape[1:3] + (channels,)
        assert chroma_psnr(out[..., :3], frames[2]) > chroma_psnr(gray(frames)[2], frames[2]) + 3
        if channels == 4:
            np.testing.assert_array_equal(out[..., 3], plates[2][..., 1])
