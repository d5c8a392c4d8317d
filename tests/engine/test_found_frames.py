"""Auto keyframes resolved over real footage (excolor.engine.found_frames): the README's sample,
its gray clip read as INPUT is read, and the true colour of its frame 0; a photograph of another
scene at the plate's aspect; the colour clip's own frames."""
import numpy as np
import pytest
from excolor.colour.management import ColourConverter
from excolor.engine.found_frames import find_frames
from excolor.engine.reference_frames import SURE_SIMILARITY
from excolor.engine.runs import Keyframe, Shot
from excolor.io import open_input, read_reference
from skimage import data, transform

from tests.support.batch import CARPHONE, CARPHONE_REFERENCE, carphone_colour


@pytest.fixture(scope="module")
def clip():
    """(read: frame -> the gray sample's plate, counting reads; the reference; colour frame 5)."""
    reader, colour = open_input(CARPHONE), open_input(carphone_colour())
    reads = []

    def read(frame):
        reads.append(frame)
        return reader.read(frame)

    reference, _format = read_reference(CARPHONE_REFERENCE)
    yield read, reads, reference, colour.read(5)
    reader.close()
    colour.close()


def _find(clip, shots):
    read, reads, _reference, _frame5 = clip
    reads.clear()
    return find_frames(shots, lambda keyframe: np.clip(keyframe.image, 0, 1), read, ColourConverter().to_display)


def test_the_samples_reference_is_pinned_to_frame_0(clip):
    reference = clip[2]
    shots, (found,) = _find(clip, [Shot(0, 11, [Keyframe(reference)])])
    assert shots == (Shot(0, 11, [Keyframe(reference, 0)]),)
    assert (found.shot, found.frame, found.match.frames, found.taken_by) == (0, 0, 12, None)
    assert found.match.similarity > SURE_SIMILARITY and found.keyframe.find_frame
    assert found.describe("key.png").startswith("key.png pinned to frame 0 (similarity 1.000, ")
    assert clip[1] == list(range(12))  # every frame of the shot, once, in order


def test_keyframes_pinned_or_never_pinned_are_not_scanned(clip):
    reference = clip[2]
    given = [Shot(0, 11, [Keyframe(reference, "none")]), Shot(12, 20, [Keyframe(CARPHONE_REFERENCE, 14)])]
    shots, found = _find(clip, given)
    assert found == () and clip[1] == []
    assert all(resolved is shot for resolved, shot in zip(shots, given))


def test_a_picture_of_another_scene_stays_unpinned(clip):
    coffee = transform.resize(data.coffee(), (144, 176), anti_aliasing=True).astype(np.float32)
    shots, (found,) = _find(clip, [Shot(0, 11, [Keyframe(coffee)])])
    assert found.frame is None and found.match.best_frame is not None and found.match.similarity < SURE_SIMILARITY
    assert shots[0].keyframes == (Keyframe(coffee, "none"),)
    assert "matches no frame of the shot beyond doubt" in found.describe()
    # Another aspect ratio cannot be a frame of the shot: one plate read, no frame compared.
    portrait = np.ascontiguousarray(np.swapaxes(coffee, 0, 1))
    _shots, (other,) = _find(clip, [Shot(0, 11, [Keyframe(portrait)])])
    assert other.match.best_frame is None and clip[1] == [0]


def test_a_frame_pinned_already_keeps_the_found_reference_unpinned(clip):
    reference, frame5 = clip[2], clip[3]
    shots, (found,) = _find(clip, [Shot(0, 11, [Keyframe(frame5), Keyframe(reference, 5)])])
    assert found.match.frame == 5 and found.frame is None and found.taken_by == Keyframe(reference, 5)
    assert shots[0].keyframes == (Keyframe(frame5, "none"), Keyframe(reference, 5))
    assert found.describe("a.png") == ("a.png matches frame 5 (similarity 1.000), where array 144x176 is "
                                       "pinned already; kept unpinned")
