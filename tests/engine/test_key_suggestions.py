"""Where to key next, from a real render: the node's suggestions come from the confidence it
renders, are the least sure frames (checked against `confidence()` of every frame), stay apart
and never fall on a pinned frame."""
import numpy as np
import pytest
from excolor.engine.key_suggestions import UNSURE, key_spacing, suggest_keys, summarize
from excolor.engine.node import ColorizeNode, Keyframe, KeySuggestion, Shot

from tests.support.node import carphone_frames, colour_photo, shared_test_model


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """A node over two shots of real frames, every frame rendered in order: the second shot
    has a keyframe pinned to frame 10 (its true colours)."""
    frames = carphone_frames()
    node = ColorizeNode(shared_test_model(tmp_path_factory), device="cpu")
    node.source = lambda n: frames[n]
    node.shots = [Shot(0, 6, [Keyframe(colour_photo("coffee"))]), Shot(7, 13, [Keyframe(frames[10], 10)])]
    for n in range(14):
        node.render(n)
    return node


def least_sure_in_turn(means, pinned, suggested, spacing):
    """Check each suggestion is the least sure frame of those still open (not pinned, not close
    to a pinned or an earlier suggested frame), and that none is left open after the last."""
    taken = list(pinned)
    for frame in suggested:
        open_frames = [f for f in means if all(abs(f - t) >= spacing for t in taken)]
        assert frame in open_frames
        assert means[frame] == min(means[f] for f in open_frames), f"frame {frame}"
        taken.append(frame)
    if len(suggested) < 3:
        assert not [f for f in means if all(abs(f - t) >= spacing for t in taken)]


def test_suggestions_are_the_least_sure_frames_of_each_shot(rendered):
    node = rendered
    suggestions = node.key_suggestions()
    assert all(isinstance(s, KeySuggestion) for s in suggestions)
    assert [s.shot for s in suggestions] == sorted(s.shot for s in suggestions)
    for index, shot in enumerate(node.shots):
        confidence = {f: node.confidence(f) for f in range(shot.first, shot.last + 1)}
        means = {f: float(np.mean(c, dtype=np.float64)) for f, c in confidence.items()}
        ours = node.key_suggestions(index)
        assert ours == tuple(s for s in suggestions if s.shot == index) and ours
        for suggestion in ours:  # the numbers are the frame's real confidence
            assert suggestion.mean_confidence == means[suggestion.frame]
            assert suggestion.unsure_share == np.mean(confidence[suggestion.frame] < UNSURE)
        pinned = [k.frame for k in shot.keyframes if k.frame is not None]
        least_sure_in_turn(means, pinned, [s.frame for s in ours], key_spacing(len(means)))
    # The spread of the real confidence is what makes the choice: the frames differ.
    assert len({s.mean_confidence for s in suggestions}) == len(suggestions)


def test_a_pinned_frame_is_never_suggested_nor_its_neighbours(rendered):
    shot = rendered.shots[1]
    assert shot.keyframes[0].frame == 10
    assert rendered.confidence(10).min() == 1.0
    frames = [s.frame for s in rendered.key_suggestions(1)]
    spacing = key_spacing(7)
    assert spacing == 2 and frames
    assert all(abs(f - 10) >= spacing for f in frames)
    assert all(abs(a - b) >= spacing for a in frames for b in frames if a != b)


def test_the_choice_does_not_depend_on_the_order_frames_were_rendered(rendered):
    summaries = {f: summarize(f, rendered.confidence(f)) for f in range(14)}
    backwards = dict(reversed(list(summaries.items())))
    for index, shot in enumerate(rendered.shots):
        assert suggest_keys(shot, index, backwards) == rendered.key_suggestions(index)


def test_only_rendered_frames_are_suggested_and_new_shots_forget_them(tmp_path_factory):
    frames = carphone_frames(count=8)
    node = ColorizeNode(shared_test_model(tmp_path_factory), device="cpu")
    node.source = lambda n: frames[n]
    node.shots = [Shot(0, 7, [Keyframe(frames[0], 0)])]
    assert node.key_suggestions() == ()
    for n in (0, 1, 2):
        node.render(n)
    # 0 is pinned and 1 beside it: only frame 2 is open of the frames rendered.
    assert [s.frame for s in node.key_suggestions()] == [2]
    node.shots = node.shots
    assert node.key_suggestions() == ()
    with pytest.raises(IndexError, match="shot_index 1"):
        node.key_suggestions(1)
