"""Run planning, blending weights, state (de)serialisation, the kept-state LRU and resizing."""
from pathlib import Path

import numpy as np
import pytest
from excolor.colour.resample import pad_edge, resize, resize_matrix
from excolor.engine.runs import BACKWARD, FORWARD, Keyframe, Shot, contributions, plan_runs
from excolor.engine.state import KeptCache, RunFrame, RunState, blend_frames
from excolor.errors import StateError


def _spans(runs):
    return [(r.keyframe, r.direction, r.start, r.end) for r in runs]


def test_an_unpinned_keyframe_starts_one_run_over_the_shot():
    shot = Shot(10, 20, [Keyframe("ref.png")])
    runs = plan_runs(shot, 3)
    assert _spans(runs) == [(0, FORWARD, 10, 20)]
    assert runs[0].name == "shot003.k0.fwd" and not runs[0].from_pinned
    assert all(contributions(runs, n) == ((runs[0], 1.0),) for n in range(10, 21))


def test_pinned_frame_runs_outward_both_ways():
    shot = Shot(10, 20, [Keyframe("ref.png", frame=14)])
    runs = plan_runs(shot)
    assert _spans(runs) == [(0, BACKWARD, 14, 10), (0, FORWARD, 14, 20)]
    assert all(r.from_pinned for r in runs)
    # The keyframe's own frame comes from the FORWARD run only.
    assert contributions(runs, 14) == ((runs[1], 1.0),)
    assert contributions(runs, 10) == ((runs[0], 1.0),)
    assert list(runs[0].frames()) == [14, 13, 12, 11, 10]


def test_two_keyframes_blend_by_temporal_distance():
    shot = Shot(0, 30, [Keyframe("b.png", frame=25), Keyframe("a.png", frame=5)])
    runs = plan_runs(shot)
    # keyframe indices follow the shot's list; runs follow the anchors' order
    assert _spans(runs) == [
        (1, BACKWARD, 5, 0), (1, FORWARD, 5, 24), (0, FORWARD, 25, 30), (0, BACKWARD, 25, 6),
    ]
    weights = {run.name: w for run, w in contributions(runs, 10)}
    assert weights == {"shot000.k1.fwd": pytest.approx(0.75), "shot000.k0.bwd": pytest.approx(0.25)}
    for n in range(6, 25):
        pairs = contributions(runs, n)
        assert len(pairs) == 2 and sum(w for _, w in pairs) == pytest.approx(1.0)
    assert [(r.name, w) for r, w in contributions(runs, 5)] == [("shot000.k1.fwd", 1.0)]
    assert [(r.name, w) for r, w in contributions(runs, 25)] == [("shot000.k0.fwd", 1.0)]


def test_unpinned_start_with_a_pinned_keyframe_later_and_adjacent_anchors():
    shot = Shot(0, 5, [Keyframe("a.png"), Keyframe("b.png", frame=1), Keyframe("c.png", frame=5)])
    runs = plan_runs(shot)
    # 0 and 1 are adjacent: no BACKWARD run between them contributes, so none is planned.
    assert _spans(runs) == [
        (0, FORWARD, 0, 0), (1, FORWARD, 1, 4), (2, FORWARD, 5, 5), (2, BACKWARD, 5, 2),
    ]
    assert not runs[0].from_pinned and runs[1].from_pinned
    for n in range(0, 6):
        assert sum(w for _, w in contributions(runs, n)) == pytest.approx(1.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(first=5, last=4, keyframes=[Keyframe("a.png")]), "after last"),
    (dict(first=0, last=4, keyframes=[]), "at least one"),
    (dict(first=0, last=4, keyframes=[Keyframe("a.png", frame=9)]), "outside the shot"),
    (dict(first=0, last=4, keyframes=[Keyframe("a.png", 2), Keyframe("b.png", 2)]), "same frame"),
    (dict(first=0, last=4, keyframes=[Keyframe("a.png"), Keyframe("b.png")]), "unpinned"),
    (dict(first=0, last=4, keyframes=[Keyframe("a.png"), Keyframe("b.png", 0)]), "already pinned"),
])
def test_bad_shots_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Shot(**kwargs)


def test_keyframe_rejects_a_non_image():
    with pytest.raises(ValueError, match="HxWx3"):
        Keyframe(np.zeros((4, 4), np.float32))


def test_a_keyframes_frame_is_found_never_pinned_or_a_number():
    auto, never, pinned = Keyframe("a.png"), Keyframe("a.png", "none"), Keyframe("a.png", np.int64(3))
    assert (auto.frame, auto.find_frame) == (None, True) and Keyframe("a.png", "auto") == auto
    assert (never.frame, never.find_frame) == (None, False)
    assert (pinned.frame, pinned.find_frame) == (3, False) and type(pinned.frame) is int
    assert len({auto, never, pinned, Keyframe(Path("a.png"), None)}) == 3 and auto != never
    assert auto.describe() == never.describe() == "a.png"
    path = Path("keys/a.png")
    assert Keyframe(path, 5).image is path  # the caller's path object, as a memo by id needs it
    with pytest.raises(ValueError, match="'auto' or 'none'"):
        Keyframe("a.png", "12")
    # Auto and never-pinned keyframes are both unpinned to a shot: at most one of them.
    with pytest.raises(ValueError, match="2 unpinned keyframes"):
        Shot(0, 4, [auto, Keyframe("b.png", "none")])
    assert [run.from_pinned for run in plan_runs(Shot(0, 4, [never]))] == [False]


def _frame(run_name, frame, value, shape=(4, 6)):
    ab = np.full((2,) + shape, value, np.float32)
    return RunFrame(run_name, frame, ab, np.full((1,) + shape, value / 10, np.float32))


def test_blend_is_the_weighted_sum_and_single_results_pass_through():
    a, b = _frame("a", 7, 10.0), _frame("b", 7, 30.0)
    blended = blend_frames([(a, 0.75), (b, 0.25)])
    np.testing.assert_allclose(blended.ab, 15.0)
    np.testing.assert_allclose(blended.confidence, 1.5)
    assert blended.frame == 7
    assert blend_frames([(a, 1.0)]) is a
    with pytest.raises(ValueError, match="history size"):
        blend_frames([(a, 0.5), (_frame("c", 7, 1.0, (3, 3)), 0.5)])


def test_results_and_states_round_trip_through_npz(tmp_path):
    result = _frame("shot001.k0.fwd", 12, 3.5)
    np.savez(tmp_path / "r.npz", **result.to_arrays())
    with np.load(tmp_path / "r.npz", allow_pickle=False) as data:
        back = RunFrame.from_arrays(dict(data))
    assert (back.run_name, back.frame) == ("shot001.k0.fwd", 12)
    np.testing.assert_array_equal(back.ab, result.ab)
    np.testing.assert_array_equal(back.confidence, result.confidence)
    state = RunState("shot001.k0.bwd", 40, np.arange(24, dtype=np.float32).reshape(1, 3, 2, 4))
    np.savez(tmp_path / "s.npz", **state.to_arrays())
    with np.load(tmp_path / "s.npz", allow_pickle=False) as data:
        back = RunState.from_arrays(dict(data))
    assert (back.run_name, back.frame, back.shape) == ("shot001.k0.bwd", 40, (1, 3, 2, 4))
    np.testing.assert_array_equal(back.previous_lab, state.previous_lab)
    assert back.history_ab is None and back.history_l is None  # a fresh run carries no history
    history = RunState("shot001.k0.fwd", 41, state.previous_lab, np.full((2, 5, 6), 7.5, np.float32),
                       np.full((5, 6), 42.0, np.float32))
    np.savez_compressed(tmp_path / "h.npz", **history.to_arrays())
    with np.load(tmp_path / "h.npz", allow_pickle=False) as data:
        back = RunState.from_arrays(dict(data))
    np.testing.assert_array_equal(back.history_ab, history.history_ab)
    np.testing.assert_array_equal(back.history_l, history.history_l)
    with pytest.raises(StateError, match="s.npz: no 'previous_lab'"):
        RunState.from_arrays({"run_name": np.array("x"), "frame": np.array(1)}, "s.npz")


def test_kept_cache_is_lru_within_its_budget():
    one = _frame("a", 0, 1.0).nbytes
    cache = KeptCache(3 * one)
    for n in range(3):
        cache.put(("result", "a", n), _frame("a", n, 1.0))
    assert cache.get(("result", "a", 0)) is not None  # touch 0: 1 is now the oldest
    cache.put(("result", "a", 3), _frame("a", 3, 1.0))
    assert ("result", "a", 1) not in cache
    assert [entry[2] for entry in cache.entries()] == [2, 0, 3]  # least recently used first
    assert cache.bytes == 3 * one <= cache.budget_bytes
    cache.put(("result", "big", 0), _frame("big", 0, 1.0, (40, 40)))  # larger than the budget
    assert ("result", "big", 0) not in cache and len(cache) == 3


def test_resize_keeps_constants_and_averages_when_shrinking():
    matrix = resize_matrix(10, 4)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, rtol=1e-6)
    image = np.random.default_rng(0).random((3, 20, 30), dtype=np.float32)
    np.testing.assert_allclose(resize(np.full((20, 30), 0.3, np.float32), 7, 11), 0.3, rtol=1e-5)
    halved = resize(image, 10, 15)
    # Shrinking averages neighbours with the widened triangle kernel: the mean is kept and the
    # image gets smoother, not noisier (no aliasing from point sampling).
    assert halved.shape == (3, 10, 15)
    assert abs(float(halved.mean()) - float(image.mean())) < 1e-2
    assert halved.std() < image.std()
    padded = pad_edge(halved, 12, 16)
    np.testing.assert_array_equal(padded[:, 10:, :15], np.repeat(halved[:, 9:10], 2, axis=1))


def test_keyframes_compare_by_content():
    picture = np.random.default_rng(3).random((6, 8, 3), dtype=np.float32)
    assert Keyframe(picture, 4) == Keyframe(picture.copy(), 4)
    assert Keyframe(picture, 4) != Keyframe(picture, 5)
    assert Keyframe("a.png") == Keyframe(Path("a.png")) != Keyframe(picture)
    assert Shot(0, 9, [Keyframe(picture)]) == Shot(0, 9, (Keyframe(picture.copy()),))
    assert len({Keyframe("a.png", 1), Keyframe("a.png", 1)}) == 1


@pytest.mark.parametrize("shape_in, shape_out", [
    ((1080, 1920), (144, 256)), ((144, 256), (1080, 1920)), ((7, 5), (3, 11)), ((1, 1), (5, 9)),
    ((3, 50), (9, 20)), ((33, 100), (1, 1)),
])
def test_tap_resize_equals_the_dense_separable_product(shape_in, shape_out):
    image = np.random.default_rng(2).random((2,) + shape_in, dtype=np.float32)
    dense = resize_matrix(shape_in[0], shape_out[0]) @ image @ resize_matrix(shape_in[1], shape_out[1]).T
    np.testing.assert_allclose(resize(image, *shape_out), dense, rtol=1e-5, atol=1e-6)


def test_a_direction_has_one_word_and_a_run_name_its_short_form():
    from excolor.engine.runs import BACKWARD, FORWARD, direction_word
    from excolor.render.options import DIRECTIONS

    assert (direction_word(FORWARD), direction_word(BACKWARD)) == ("forward", "backward")
    assert DIRECTIONS == {"both": (FORWARD, BACKWARD), "forward": (FORWARD,), "backward": (BACKWARD,)}
    runs = plan_runs(Shot(0, 9, (Keyframe("k.png", 4),)), 2)
    assert sorted(r.name for r in runs) == ["shot002.k0.bwd", "shot002.k0.fwd"]
