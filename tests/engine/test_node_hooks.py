"""ColorizeNode's hooks for hosts on a real exported model and real video: progress and cancel
on render, the kept states of shots that did not change, and refusals at the node's boundary."""
import threading

import numpy as np
import pytest
from excolor import RenderCancelled
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.errors import InputError

from tests.support.node import colour_photo


def make_node(model_dir, frames, shots):
    node = ColorizeNode(model_dir, device="cpu")
    node.source = lambda n: frames[n]
    node.shots = shots
    return node


def test_progress_counts_the_run_steps_and_a_cancel_keeps_them(model_dir, frames, reference):
    shots = [Shot(0, 7, [Keyframe(reference, "none")])]
    whole = make_node(model_dir, frames, shots)
    calls = []
    expected = whole.render(5, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(n, 6) for n in range(7)]
    calls.clear()
    whole.render(5, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 0)], "a kept frame takes no step"
    # An Event set by the third step's progress: the render stops before the fourth.
    node = make_node(model_dir, frames, shots)
    stop = threading.Event()
    with pytest.raises(RenderCancelled, match="render of frame 5 cancelled after 3 of 6 run steps"):
        node.render(5, progress=lambda done, total: done == 3 and stop.set(), cancel=stop)
    assert node.stats.steps == 3
    with pytest.raises(RenderCancelled, match="after 0 of 3 run steps"):
        node.render(5, cancel=lambda: True)
    # Still usable: the next render goes on from the kept steps, to the same pixels.
    np.testing.assert_array_equal(node.render(5), expected)
    assert node.stats.steps == 6
    with pytest.raises(TypeError, match="cancel must be None, an Event-like object"):
        node.render(6, cancel="stop")
    with pytest.raises(TypeError, match="progress must be None or a callable"):
        node.render(6, progress=3)


def test_setting_shots_keeps_the_states_of_the_shots_that_did_not_change(model_dir, frames, reference):
    first = Shot(0, 3, [Keyframe(reference, "none")])
    node = make_node(model_dir, frames, [first, Shot(4, 7, [Keyframe(reference, "none")])])
    before = {n: node.render(n) for n in (3, 7)}
    assert node.stats.steps == 8
    # The second shot's key changes: its frames are rendered again, the first shot's are kept.
    node.shots = [first, Shot(4, 7, [Keyframe(colour_photo("chelsea"), "none")])]
    np.testing.assert_array_equal(node.render(3), before[3])
    assert node.stats.steps == 8
    changed = node.render(7)
    assert node.stats.steps > 8 and not np.array_equal(changed, before[7])
    # A shot that moves to another index is another set of runs: nothing of it is kept.
    steps = node.stats.steps
    node.shots = [Shot(4, 7, [Keyframe(colour_photo("chelsea"), "none")]), first]
    node.render(3)
    assert node.stats.steps == steps + 4


def test_the_nodes_boundary_names_a_channels_first_plate_and_an_integer_key(model_dir, frames, reference):
    node = make_node(model_dir, frames, [Shot(0, 3, [Keyframe(reference, "none")])])
    node.source = lambda n: np.moveaxis(frames[n], -1, 0)
    height, width = frames[0].shape[:2]
    with pytest.raises(InputError, match=rf"frame 0: .*shape \(3, {height}, {width}\) is channels first"):
        node.render(0)
    with pytest.raises(ValueError, match=r"got ndarray of uint8 with shape \(8, 8, 3\)"):
        Keyframe(np.zeros((8, 8, 3), np.uint8), 0)
    with pytest.raises(ValueError, match=r"shape \(3, 8, 16\) is channels first"):
        Keyframe(np.zeros((3, 8, 16), np.float32), 0)
    with pytest.raises(ValueError, match="Keyframe.frame must be a frame number, 'auto' or 'none', got '1005'"):
        Keyframe(reference, "1005")
