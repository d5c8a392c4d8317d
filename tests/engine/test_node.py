"""ColorizeNode on a real exported model and real video: state, runs, blending, colour, budget."""
import subprocess
import sys

import numpy as np
import pytest
from excolor.engine.fusion import CANDIDATES, FusionSettings
from excolor.engine.node import ColorizeNode, Keyframe, NodeTuning, RunFrame, RunState, Shot, blend_frames
from excolor.errors import InputError, ModelError, ProviderUnavailableError, StateError


def make_node(model_dir, frames, shots, **settings):
    node = ColorizeNode(model_dir, device="cpu", **settings)
    node.source = lambda n: frames[n]
    node.shots = shots
    return node


def test_sequential_costs_one_step_and_equals_fresh_renders(model_dir, frames, reference):
    shots = [Shot(0, 5, [Keyframe(reference)])]
    node = make_node(model_dir, frames, shots)
    sequential = []
    for n in range(6):
        before = node.stats.steps
        sequential.append(node.render(n))
        assert node.stats.steps == before + 1
    for n in (5, 2):  # a fresh node replays the run from the shot's start
        fresh = make_node(model_dir, frames, shots)
        np.testing.assert_array_equal(fresh.render(n), sequential[n])
        assert fresh.stats.steps == n + 1
    assert sequential[0].shape == frames[0].shape and sequential[0].dtype == np.float32


def test_previous_frame_state_really_matters(model_dir, frames, reference):
    node = make_node(model_dir, frames, [Shot(0, 6, [Keyframe(reference)])])
    (run,) = node.runs(0)
    state = node.initial_state(run)
    for _ in range(4):
        continued, state = node.step(run, state)
    # The same frame 3, but from an empty previous frame instead of frame 2's colours.
    fresh_state = RunState(run.name, 2, node.initial_state(run).previous_lab)
    fresh, _ = node.step(run, fresh_state)
    assert continued.frame == fresh.frame == 3
    assert np.abs(continued.ab - fresh.ab).mean() > 0.5


@pytest.mark.slow
def test_scrubbing_replays_the_right_run_and_equals_sequential(model_dir, frames):
    shots = [Shot(0, 9, [Keyframe(frames[4], frame=4)])]
    sequential = make_node(model_dir, frames, shots)
    expected = [sequential.render(n) for n in range(10)]
    node = make_node(model_dir, frames, shots)
    for n in (7, 1, 9, 0, 4, 8, 2, 3, 6, 5):
        np.testing.assert_array_equal(node.render(n), expected[n])
    node.render(9)
    before = node.stats.steps
    node.render(3)  # kept: no step at all
    assert node.stats.steps == before


def test_memory_budget_bounds_kept_states_and_scrubbing_stays_exact(model_dir, frames, reference):
    shots = [Shot(0, 7, [Keyframe(reference)])]
    expected = make_node(model_dir, frames, shots)
    truth = {n: expected.render(n) for n in range(8)}
    # A kept state: previous Lab at the 64x56 network size and the history (ab + L) at the
    # 144x176 plate's size; a kept result: ab + confidence at the plate's size.
    per_frame = 4 * (3 * 64 * 56 + 3 * 144 * 176) + 4 * 3 * 144 * 176
    budget_mb = 3 * per_frame / 2**20
    node = make_node(model_dir, frames, shots, memory_budget_mb=budget_mb)
    for n in (7, 2, 6, 0, 5):
        np.testing.assert_array_equal(node.render(n), truth[n])
        assert 0 < node.stats.kept_bytes <= budget_mb * 2**20
    assert node.stats.steps > 8  # evicted states were replayed, from the run's own start


def test_new_shot_starts_clean(model_dir, frames, reference):
    two_shots = [Shot(0, 4, [Keyframe(reference)]), Shot(5, 9, [Keyframe(reference)])]
    node = make_node(model_dir, frames, two_shots)
    for n in range(6):
        after_cut = node.render(n)
    alone = make_node(model_dir, frames, [Shot(5, 9, [Keyframe(reference)])]).render(5)
    np.testing.assert_array_equal(after_cut, alone)
    with pytest.raises(InputError, match="frame 12 is in no shot"):
        node.render(12)


@pytest.mark.slow
def test_two_keyframes_blend_by_distance(model_dir, frames):
    reference, other = frames[0], frames[6]  # keys are the coloured frames they are pinned to
    shot = Shot(0, 6, [Keyframe(reference, frame=0), Keyframe(other, frame=6)])
    node = make_node(model_dir, frames, [shot])
    forward, backward = [r for r in node.runs(0) if r.start != r.end]
    assert (forward.start, forward.end, backward.start, backward.end) == (0, 5, 6, 1)
    # The frame at each keyframe equals that keyframe's run alone.
    only_a = make_node(model_dir, frames, [Shot(0, 6, [Keyframe(reference, frame=0)])])
    only_b = make_node(model_dir, frames, [Shot(0, 6, [Keyframe(other, frame=6)])])
    np.testing.assert_array_equal(node.render(0), only_a.render(0))
    np.testing.assert_array_equal(node.render(6), only_b.render(6))
    # Between them: the runs' results blended 1/3 : 2/3 at frame 2 (distance 2 from 0, 4 from 6).
    weights = {run.name: w for run, w in node.contributions(2)}
    assert weights == {forward.name: pytest.approx(2 / 3), backward.name: pytest.approx(1 / 3)}
    results = {}
    for run, stop in ((forward, 2), (backward, 2)):
        state = node.initial_state(run)
        while state.frame != stop:
            results[run.name], state = node.step(run, state)
    blended = node.render_result(2)
    np.testing.assert_array_equal(blended.image, node.compose(2, results).image)
    pairs = [(results[run.name], w) for run, w in node.contributions(2)]
    mixed = blend_frames(pairs, 2)
    np.testing.assert_allclose(mixed.ab, (2 * results[forward.name].ab + results[backward.name].ab) / 3,
                               rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(
        mixed.confidence,
        (2 * results[forward.name].confidence + results[backward.name].confidence) / 3,
        rtol=1e-5, atol=1e-6)
    assert np.abs(blended.image - only_a.render(2)).max() > 1e-3  # the later keyframe counts too


def test_batch_chain_through_saved_arrays_equals_render(model_dir, frames, tmp_path):
    shots = [Shot(0, 8, [Keyframe(frames[8], frame=8)])]
    node = make_node(model_dir, frames, shots)
    (backward, forward) = node.runs(0)
    assert backward.direction == -1 and forward.start == forward.end == 8
    # Chunk 1 renders 8..5 and saves its state; chunk 2, on a new node, continues from it.
    state = node.initial_state(backward)
    for _ in range(4):
        _, state = node.step(backward, state)
    np.savez(tmp_path / "state.npz", **state.to_arrays())
    farm = make_node(model_dir, frames, shots)
    with np.load(tmp_path / "state.npz") as data:
        restored = farm.state_from_arrays(backward, dict(data))
    assert restored.frame == 5
    result, _ = farm.step(backward, restored)
    np.savez(tmp_path / "result.npz", **result.to_arrays())
    with np.load(tmp_path / "result.npz") as data:
        loaded = RunFrame.from_arrays(dict(data))
    chunked = farm.compose(4, {backward.name: loaded}).image
    np.testing.assert_array_equal(chunked, make_node(model_dir, frames, shots).render(4))
    with pytest.raises(StateError, match="belongs to run"):
        farm.state_from_arrays(forward, state.to_arrays())
    with pytest.raises(StateError, match="no result of run"):
        farm.compose(3, {})


def test_same_reference_across_shots_is_encoded_once(model_dir, frames, tmp_path):
    from skimage import io

    path = tmp_path / "key.png"  # the coloured frame 5, also used unpinned by other shots
    io.imsave(path, (frames[5] * 255).round().astype(np.uint8), check_contrast=False)
    shots = [Shot(0, 1, [Keyframe(path)]), Shot(2, 3, [Keyframe(str(path))]),
             Shot(4, 5, [Keyframe(path, frame=5)])]
    # Every run weighs the exemplar here, so every frame looks its reference up.
    node = make_node(model_dir, frames, shots, fusion=FusionSettings(from_pinned=CANDIDATES))
    for n in range(6):
        node.render(n)
    assert node.stats.reference_encodes == 1
    assert node.stats.reference_cache_hits >= 5


def test_alpha_and_extra_channels_pass_through_and_luminance_is_kept(model_dir, frames, reference):
    rng = np.random.default_rng(1)
    extra = rng.random(frames.shape[:3] + (2,), dtype=np.float32)
    plates = np.concatenate([frames, extra], axis=3)
    node = make_node(model_dir, plates, [Shot(0, 3, [Keyframe(reference)])])
    out = node.render(2)
    assert out.shape == plates[2].shape
    np.testing.assert_array_equal(out[..., 3:], plates[2][..., 3:])
    coefficients = node.colour.luma_coefficients
    np.testing.assert_allclose(out[..., :3] @ coefficients, plates[2][..., :3] @ coefficients,
                               rtol=1e-5, atol=1e-6)
    assert np.abs(out[..., :3] - plates[2][..., :3]).max() > 1e-3  # chroma did change
    confidence = node.confidence(2)
    assert confidence.shape == plates.shape[1:3] and confidence.dtype == np.float32
    assert 0.0 <= confidence.min() and confidence.max() <= 1.0


def test_hdr_scene_linear_plate_keeps_luminance_above_one(model_dir, frames, reference):
    linear = (frames[:3] ** 2.2) * 4.0  # scene-linear with highlights far above 1
    node = make_node(model_dir, linear, [Shot(0, 2, [Keyframe(reference)])],
                     input_kind="scene_linear")
    out = node.render(1)
    coefficients = node.colour.luma_coefficients
    assert (linear[1] @ coefficients).max() > 2.0
    np.testing.assert_allclose(out @ coefficients, linear[1] @ coefficients, rtol=1e-5, atol=1e-6)


def test_portrait_plate_is_padded_not_cropped(model_dir, frames, reference):
    portrait = np.ascontiguousarray(frames[:2, :, :100])  # 144 high, 100 wide
    node = make_node(model_dir, portrait, [Shot(0, 1, [Keyframe(reference)])])
    layout = node.network_size(144, 100)
    assert layout.net_h == 64 and layout.net_w % 8 == 0
    assert (layout.content_h, layout.content_w) == (64, 44) and layout.net_w == 48
    assert node.render(1).shape == (144, 100, 3)


def test_nan_pixels_are_sanitised_with_a_warning_naming_the_frame(model_dir, frames, reference):
    plates = frames[:2].copy()
    plates[1, 10:12, 10:12] = np.nan
    node = make_node(model_dir, plates, [Shot(0, 1, [Keyframe(reference)])])
    with pytest.warns(UserWarning, match="frame 1: 4 pixels with NaN/inf"):
        out = node.render(1)
    assert np.isfinite(out).all()


def test_bad_settings_and_models_are_refused(model_dir, tmp_path):
    with pytest.raises(ValueError, match="network_long_side 8"):
        ColorizeNode(model_dir, device="cpu", network_long_side=8)
    with pytest.raises(ValueError, match="device must be one of"):
        ColorizeNode(model_dir, device="tpu")
    import onnxruntime

    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        with pytest.raises(ProviderUnavailableError, match="device 'cuda'"):
            ColorizeNode(model_dir, device="cuda")
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in model_dir.iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    with open(broken / "colorization.onnx", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="colorization.onnx: sha256"):
        ColorizeNode(broken, device="cpu")


def test_tuning_is_only_a_node_tuning(model_dir):
    # How the node runs is said by NodeTuning alone: its fields are no keywords of the node.
    for keyword in ("io_binding", "threads", "colour_graphs"):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{keyword}'"):
            ColorizeNode(model_dir, device="cpu", **{keyword: 1})
    with pytest.raises(TypeError, match="tuning must be a NodeTuning, got dict"):
        ColorizeNode(model_dir, device="cpu", tuning={"threads": 1})
    assert not hasattr(NodeTuning, "from_arguments")


def test_node_renders_without_torch(model_dir, frames, reference, tmp_path):
    np.save(tmp_path / "frame.npy", frames[0])
    np.save(tmp_path / "reference.npy", reference)
    script = (
        "import sys; sys.modules['torch'] = None\n"
        "import numpy as np\n"
        "from excolor.engine.node import ColorizeNode, Keyframe, Shot\n"
        f"frame = np.load({str(tmp_path / 'frame.npy')!r})\n"
        f"node = ColorizeNode({str(model_dir)!r}, device='cpu')\n"
        "node.source = lambda n: frame\n"
        f"node.shots = [Shot(0, 0, [Keyframe(np.load({str(tmp_path / 'reference.npy')!r}))])]\n"
        "out = node.render(0)\n"
        "assert out.shape == frame.shape and np.isfinite(out).all()\n"
        "print('rendered', out.shape, node.device)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rendered (144, 176, 3) cpu" in done.stdout


def test_pinned_keyframe_starts_from_the_reference_unless_told_otherwise(model_dir, frames):
    key = frames[3]  # the true colours of the frame the keyframe is pinned to
    shots = [Shot(3, 4, [Keyframe(key, frame=3)])]
    # The network's start shows only where a run from a pinned keyframe weighs the exemplar
    # (not by default).
    every = FusionSettings(from_pinned=CANDIDATES)
    propagating = make_node(model_dir, frames, shots, fusion=every)
    zeros = make_node(model_dir, frames, shots, pinned_start="zeros", fusion=every)
    run = propagating.runs(0)[0]
    start = propagating.initial_state(run).previous_lab
    # L of the start state is the plate's own L: the reference is the pinned frame in colour.
    _, first_frame_state = propagating.step(run, propagating.initial_state(run))
    np.testing.assert_allclose(start[:, :1], first_frame_state.previous_lab[:, :1], atol=1e-3)
    assert np.abs(start[:, 1:]).mean() > 1.0  # with its colour
    assert not zeros.initial_state(run).previous_lab.any()
    # The keyed frame is the key either way; the network's first input shows from the next frame.
    np.testing.assert_array_equal(propagating.render(3), zeros.render(3))
    assert np.abs(propagating.render(4) - zeros.render(4)).max() > 1e-3


def test_integer_plates_are_refused_naming_the_frame(model_dir, frames, reference):
    node = make_node(model_dir, (frames[:2] * 255).astype(np.uint8), [Shot(0, 1, [Keyframe(reference)])])
    with pytest.raises(InputError, match="frame 0: the source gave uint8 pixels"):
        node.render(0)


def test_device_resident_state_path_matches_and_serialises(model_dir, frames):
    """The CUDA code path (OrtValue states, IO binding) run on the CPU gives the same frames."""
    shots = [Shot(0, 3, [Keyframe(frames[1], frame=1)])]
    plain = make_node(model_dir, frames, shots)
    bound = make_node(model_dir, frames, shots, tuning=NodeTuning(io_binding=True))
    for n in (3, 0, 2):
        np.testing.assert_allclose(bound.render(n), plain.render(n), rtol=1e-5, atol=1e-5)
    run = bound.runs(0)[1]
    _, state = bound.step(run, bound.initial_state(run))
    assert not isinstance(state.previous_lab, np.ndarray) and state.shape == (1, 3, 56, 64)
    restored = bound.state_from_arrays(run, state.to_arrays())
    a, _ = bound.step(run, restored)
    b, _ = plain.step(run, plain.state_from_arrays(run, state.to_arrays()))
    np.testing.assert_allclose(a.ab, b.ab, rtol=1e-5, atol=1e-4)


def test_gray_or_missing_reference_is_reported(model_dir, frames, reference, tmp_path):
    gray = np.repeat(reference.mean(axis=2, keepdims=True), 3, axis=2)
    node = make_node(model_dir, frames, [Shot(0, 1, [Keyframe(gray)])])
    with pytest.warns(UserWarning, match="nearly gray"):
        node.render(0)
    node.shots = [Shot(0, 1, [Keyframe(tmp_path / "missing.png")])]
    with pytest.raises(InputError, match="missing.png"):
        node.render(0)
