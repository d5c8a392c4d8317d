"""The learned fusion on a history larger than its graph's long side: the graph is fed a
sampled copy, and its weights, brought back to the history's size, weigh the full-size
candidates. Real footage (carphone, upscaled past 1024 px) and the shipped fusion graph."""
import cv2
import numpy as np
import pytest
from excolor.colour.cielab import srgb_to_lab
from excolor.engine.fusion import FusionSettings
from excolor.engine.fusion_graph import LearnedFusion, graph_step
from excolor.engine.models import find_model
from excolor.engine.node import ColorizeNode, Keyframe, Shot

from tests.engine.test_candidates_fusion_inputs import frame_candidates
from tests.support.node import carphone_frames

LARGE = (500, 600)  # height, width: past the default graph_sampled_above of 512
UNBOUNDED = FusionSettings(graph_sampled_above=4096)


@pytest.fixture(scope="module")
def fusion_session():
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    path = find_model(None).graph_path("fusion")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def large_frames():
    return [cv2.resize(f, LARGE[::-1], interpolation=cv2.INTER_CUBIC).clip(0, 1) for f in carphone_frames(4)]


def test_every_other_pixel_past_the_threshold():
    assert graph_step(448, 252, 512) == 1
    assert graph_step(512, 512, 512) == 1
    assert graph_step(272, 513, 512) == 2
    assert graph_step(1152, 2048, 512) == 2  # the largest history (optical_flow.HISTORY_CAP)


def test_a_history_within_the_long_side_is_fused_exactly_as_the_graph_gives_it(fusion_session, large_frames):
    candidates = frame_candidates(cv2.resize(large_frames[0], (512, 416)), ("history", "keyframe", "global"))
    default = LearnedFusion(fusion_session)(candidates)
    unbounded = LearnedFusion(fusion_session, UNBOUNDED)(candidates)
    assert default.ab.tobytes() == unbounded.ab.tobytes()
    assert default.confidence.tobytes() == unbounded.confidence.tobytes()


def test_a_larger_history_is_weighed_at_full_size_by_sampled_weights(fusion_session, large_frames):
    candidates = frame_candidates(large_frames[0], ("history", "keyframe", "global"))
    fused = LearnedFusion(fusion_session)(candidates)
    whole = LearnedFusion(fusion_session, UNBOUNDED)(candidates)
    assert fused.ab.shape == (2, *LARGE) and fused.confidence.shape == LARGE
    assert set(fused.weights) == {"history", "keyframe", "global"}
    weights = np.stack(list(fused.weights.values()))
    assert weights.shape[1:] == LARGE and weights.min() >= 0
    np.testing.assert_allclose(weights.sum(0), 1, atol=1e-5)
    expected = sum(w * candidates.by_name[name].ab for name, w in fused.weights.items())
    np.testing.assert_allclose(fused.ab, expected, atol=1e-3)
    assert 0 <= fused.confidence.min() and fused.confidence.max() <= 1
    # Close to the graph fed the whole history: the weights are smooth where the chroma is not.
    assert np.abs(fused.ab - whole.ab).mean() < 0.05
    assert np.abs(fused.confidence - whole.confidence).mean() < 0.03


def test_a_pinned_render_past_the_long_side_stays_with_the_whole_graphs_render(large_frames):
    """Through the node with the shipped model: the same key carried over real frames, the
    fusion's graph fed the sampled history or the whole one."""
    key = large_frames[0]
    renders = {}
    for name, fusion in (("sampled", FusionSettings()), ("whole", UNBOUNDED)):
        node = ColorizeNode(device="cpu", fusion=fusion)
        node.source = lambda n: large_frames[n].mean(axis=2, keepdims=True).repeat(3, axis=2)
        node.shots = [Shot(0, 3, [Keyframe(key, frame=0)])]
        renders[name] = [node.render(n) for n in range(1, 4)]
    for sampled, whole in zip(renders["sampled"], renders["whole"]):
        ab_sampled = srgb_to_lab(sampled)[..., 1:]
        ab_whole = srgb_to_lab(whole)[..., 1:]
        assert sampled.shape == (*LARGE, 3)
        assert np.abs(ab_sampled - ab_whole).mean() < 0.05
