"""ColorizeNode.find_reference_frames on the README's sample (the gray clip and the true colour
of its frame 0): auto keyframes resolved once, before the node first plans, again after the
source or the shots change; never-pinned and pinned keyframes left alone."""
import numpy as np
import pytest
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.errors import InputError
from excolor.io import open_input

from tests.support.batch import CARPHONE, CARPHONE_REFERENCE


@pytest.fixture(scope="module")
def plates():
    reader = open_input(CARPHONE)
    try:
        return [reader.read(frame) for frame in range(8)]
    finally:
        reader.close()


class Source:
    """The sample's plates, counting the frames pulled."""

    def __init__(self, plates):
        self.plates, self.pulled = plates, []

    def __call__(self, frame):
        self.pulled.append(frame)
        return self.plates[frame]


def test_auto_keyframes_are_found_before_the_first_plan(model_dir, plates):
    node = ColorizeNode(model=model_dir, device="cpu")
    source = Source(plates)
    node.shots = [Shot(0, 7, [Keyframe(CARPHONE_REFERENCE)])]
    node.source = source
    assert node.shots[0].keyframes[0].find_frame and source.pulled == []
    runs = node.runs(0)  # plans, so finds first
    assert source.pulled == list(range(8))
    assert node.shots == [Shot(0, 7, [Keyframe(CARPHONE_REFERENCE, 0)])]
    assert [(run.start, run.end, run.from_pinned) for run in runs] == [(0, 7, True)]
    found = node.find_reference_frames()
    assert found is node.find_reference_frames() and source.pulled == list(range(8))  # once
    (finding,) = found
    assert (finding.shot, finding.frame, finding.keyframe) == (0, 0, Keyframe(CARPHONE_REFERENCE))
    # Pinned: the key is law at its frame.
    np.testing.assert_array_equal(node.confidence(0), 1.0)
    # A new source (other pixels, maybe) finds again; so do new shots.
    node.source = Source(plates)
    assert node.shots[0].keyframes[0].find_frame
    assert node.contributions(3)[0][0].from_pinned and node.source.pulled[:8] == list(range(8))
    node.shots = [Shot(0, 7, [Keyframe(CARPHONE_REFERENCE, "none")])]
    assert node.find_reference_frames() == () and not node.runs(0)[0].from_pinned


def test_a_scan_reads_where_told_and_needs_a_source_only_for_auto_keyframes(model_dir, plates):
    node = ColorizeNode(model=model_dir, device="cpu")
    node.shots = [Shot(0, 7, [Keyframe(CARPHONE_REFERENCE, 2)])]
    assert node.runs(0)[0].from_pinned  # pinned only: planned without a source
    node.shots = [Shot(0, 7, [Keyframe(CARPHONE_REFERENCE)])]
    with pytest.raises(InputError, match="no source to find its keyframes' frames in"):
        node.runs(0)
    elsewhere = Source(plates)
    node.source = Source(plates)
    (finding,) = node.find_reference_frames(read=elsewhere)
    assert finding.frame == 0 and elsewhere.pulled == list(range(8)) and node.source.pulled == []
