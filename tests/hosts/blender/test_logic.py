"""The Blender add-on's plain-Python parts (no bpy): markers -> shots, the source's frame mapping,
pixel layout, and the host session over a real ColorizeNode on real footage."""
import numpy as np
import pytest
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.errors import InputError
from excolor.hosts.blender.bake import CONFIDENCE, RESULT, Bake, BakeStore, clear_bakes
from excolor.hosts.blender.pixels import as_rgba, blender_matte, blender_rgba, from_blender_rgba
from excolor.hosts.blender.session import HostSession, NodeSettings
from excolor.hosts.blender.markers import Marker, MarkerKeyframe, shots_from_markers
from excolor.hosts.blender.source import SourceSpec, sequence_pattern

from tests.support.blender import SAMPLE_CLIP, SAMPLE_REFERENCE
from tests.support.node import shared_test_model

REF = str(SAMPLE_REFERENCE)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return shared_test_model(tmp_path_factory)


# -- markers -> shots ----------------------------------------------------------------------------
def test_each_marker_starts_a_shot_that_ends_before_the_next():
    markers = [Marker("late", 50), Marker("early", 10), Marker("mid", 30)]
    keys = [MarkerKeyframe("mid", REF, 35), MarkerKeyframe("early", REF),
            MarkerKeyframe("late", REF), MarkerKeyframe("mid", REF, 30)]
    shots = shots_from_markers(markers, keys, last_frame=60)
    assert shots == [
        Shot(10, 29, [Keyframe(REF)]),
        Shot(30, 49, [Keyframe(REF, 35), Keyframe(REF, 30)]),
        Shot(50, 60, [Keyframe(REF)]),
    ]
    # An entry without a frame is an auto keyframe: the node finds its frame in the shot.
    assert shots[0].keyframes[0].find_frame and not shots[1].keyframes[0].find_frame


def test_markers_that_no_keyframe_names_are_ignored():
    # A camera bind at 20 and a note at 40 neither start nor end a shot, even on a keyframed
    # marker's frame or after the scene's end.
    markers = [Marker("shot", 10), Marker("F_20", 20), Marker("note", 40), Marker("same", 10),
               Marker("late", 99), Marker("next", 50)]
    keys = [MarkerKeyframe("shot", REF), MarkerKeyframe("next", REF, 55)]
    assert shots_from_markers(markers, keys, last_frame=60) == [
        Shot(10, 49, [Keyframe(REF)]), Shot(50, 60, [Keyframe(REF, 55)])]
    assert shots_from_markers(markers, [], last_frame=60) == []


@pytest.mark.parametrize("markers, keys, message", [
    ([Marker("a", 1), Marker("b", 1)], [MarkerKeyframe("a", REF), MarkerKeyframe("b", REF)], "both on frame 1"),
    ([Marker("a", 1), Marker("a", 5)], [MarkerKeyframe("a", REF)], "two markers are named 'a'"),
    ([Marker("a", 1), Marker("b", 70)], [MarkerKeyframe("b", REF)],
     "marker 'b' (frame 70) is after the source's last frame 60"),
    ([Marker("a", 1)], [MarkerKeyframe("gone", REF)], "bound to marker 'gone', which does not exist"),
    ([Marker("a", 1)], [MarkerKeyframe("a", "/no/such/key.png")], "/no/such/key.png does not exist"),
    ([Marker("a", 1)], [MarkerKeyframe("a", "")], "has no reference image"),
    ([Marker("a", 1), Marker("b", 9)], [MarkerKeyframe("a", REF, 12), MarkerKeyframe("b", REF)],
     "shot of marker 'a' (1-8)"),
])
def test_bad_markers_or_keyframes_name_what_is_wrong(markers, keys, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        shots_from_markers(markers, keys, last_frame=60)


# -- source frame mapping ------------------------------------------------------------------------
def test_movie_clip_frames_map_to_the_file():
    movie = SourceSpec.from_movie_clip("/plates/a.mp4", "MOVIE", frame_start=101, frame_offset=5)
    assert movie.file_frame(101) == 5 and movie.file_frame(110) == 14
    assert movie.scene_frame(14) == 110
    sequence = SourceSpec.from_movie_clip("/plates/sh010.v2.1001.exr", "SEQUENCE", 1, 3)
    assert sequence.path == "/plates/sh010.v2.####.exr"
    assert sequence.file_frame(1) == 1004 and sequence.file_frame(4) == 1007
    assert SourceSpec("/plates/a.mp4", 20).resolved(0).file_frame(25) == 5


def test_sequence_names_need_a_frame_number():
    assert sequence_pattern("/x/shot_7.png") == ("/x/shot_#.png", 7)
    with pytest.raises(InputError, match="needs a frame number"):
        sequence_pattern("/x/still.png")
    with pytest.raises(InputError, match="neither MOVIE nor SEQUENCE"):
        SourceSpec.from_movie_clip("/x/a.mp4", "GENERATED", 1, 0)


# -- pixels ----------------------------------------------------------------------------------------
def test_pixels_are_rgba_rows_bottom_up():
    image = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    flat = blender_rgba(image)
    assert flat.shape == (24,)
    assert list(flat[:4]) == [9, 10, 11, 1]  # first value: bottom-left pixel, opaque
    back = from_blender_rgba(flat, 2, 3)
    assert np.array_equal(back[..., :3], image) and np.all(back[..., 3] == 1)
    alpha = np.concatenate([image, np.full((2, 3, 2), 0.5, np.float32)], axis=2)
    assert np.all(from_blender_rgba(blender_rgba(alpha), 2, 3)[..., 3] == 0.5)
    matte = from_blender_rgba(blender_matte(np.array([[0.0, 0.5, 1.0], [1, 1, 0]], np.float32)), 2, 3)
    assert list(matte[0, :, 1]) == [0.0, 0.5, 1.0]
    with pytest.raises(ValueError, match="C >= 3"):
        blender_rgba(np.zeros((2, 2), np.float32))


# -- host session --------------------------------------------------------------------------------
def test_session_renders_what_the_node_renders_and_keeps_it_while_nothing_changes(model_dir):
    from excolor import io

    source = SourceSpec(str(SAMPLE_CLIP), 10)  # scene frame 10 shows video frame 0
    shots = [Shot(12, 15, [Keyframe(REF, 13)])]
    settings = NodeSettings(model=str(model_dir), device="cpu")
    session = HostSession()
    session.configure(settings, source, shots)
    node = session.node
    results = {n: session.frame(n) for n in (14, 12, 15, 11)}
    # The same as a node fed by the reader directly, in scene frames.
    reader = io.open_input(str(SAMPLE_CLIP))
    reference = ColorizeNode(str(model_dir), device="cpu")
    reference.source = lambda n: reader.read(n - 10)
    reference.shots = shots
    for n in (12, 14, 15):
        expected = reference.render_result(n)
        assert results[n].covered
        assert np.array_equal(results[n].image, expected.image)
        assert np.array_equal(results[n].confidence, expected.confidence)
    # A frame before the first shot passes through untouched, with an empty matte.
    assert not results[11].covered
    assert np.array_equal(results[11].image, reader.read(1))
    assert not results[11].confidence.any()
    reader.close()
    # Unchanged settings keep the node (and its kept states); a new size makes a new node.
    steps = node.stats.steps
    session.configure(settings, source, list(shots))
    assert session.node is node
    session.frame(13)
    assert node.stats.steps == steps, "frame 13 came from kept state, not a replay"
    session.configure(NodeSettings(model=str(model_dir), device="cpu", network_long_side=48), source, shots)
    assert session.node is not node
    assert session.plate_size() == (144, 176)
    assert session.input_kind == "video"
    session.close()


def test_session_fits_shots_to_the_source(model_dir):
    # A scene longer than its clip: the last shot ends with the clip, later frames are empty.
    session = HostSession()
    clip = SourceSpec(str(SAMPLE_CLIP), 1)  # scene frames 1-120
    settings = NodeSettings(model=str(model_dir), device="cpu")
    session.configure(settings, clip, [Shot(1, 9, [Keyframe(REF)]), Shot(10, 250, [Keyframe(REF)])])
    assert session.source_frames() == (1, 120)
    assert [(s.first, s.last) for s in session.node.shots] == [(1, 9), (10, 120)]
    past = session.frame(121)
    assert not past.covered and past.image.shape == (144, 176, 4) and not past.image.any()
    with pytest.raises(InputError, match=r"shot 130-140 is outside the source's frames 1-120 \(.*carphone.mp4\)"):
        session.configure(settings, clip, [Shot(130, 140, [Keyframe(REF)])])
    with pytest.raises(InputError, match="shot 100-200 cut to the source's frames 1-120: .* outside the shot"):
        session.configure(settings, clip, [Shot(100, 200, [Keyframe(REF, 150)])])
    with pytest.raises(InputError, match="excolor settings: network_long_side 9999"):
        session.configure(NodeSettings(model=str(model_dir), device="cpu", network_long_side=9999),
                          clip, [Shot(1, 5, [Keyframe(REF)])])
    session.close()


# -- bake ----------------------------------------------------------------------------------------
def _baked(store, frame):
    """(RGBA, matte) of a baked frame, as the EXR files hold them."""
    import OpenImageIO as oiio

    result = oiio.ImageBuf(str(store.path(RESULT, frame)))
    matte = oiio.ImageBuf(str(store.path(CONFIDENCE, frame)))
    assert result.spec().format == oiio.FLOAT and result.spec().channelnames == ("R", "G", "B", "A")
    return result.get_pixels(oiio.FLOAT), matte.get_pixels(oiio.FLOAT)


def test_a_bake_keeps_the_nodes_frames_resumes_after_a_cancel_and_follows_the_settings(model_dir, tmp_path):
    source = SourceSpec(str(SAMPLE_CLIP), 1)
    shots = [Shot(2, 6, [Keyframe(REF)])]
    settings = NodeSettings(model=str(model_dir), device="cpu")
    session = HostSession()
    session.configure(settings, source, shots)
    assert session.covered_frames(1, 8) == [2, 3, 4, 5, 6]
    store = BakeStore(tmp_path / "scene", session.fingerprint())
    # The add-on encodes to Blender's scene linear with Blender's OCIO config; here: as is.
    bake = Bake(session, store, list(range(1, 8)), lambda frame: as_rgba(frame.image))
    assert (bake.done, bake.total) == (0, 7)
    assert [bake.step(), bake.step()] == [1, 2]  # then cancelled: the modal operator stops stepping
    assert store.frames() == [1, 2] and not store.has(3)
    resumed = Bake(session, store, list(range(1, 8)), lambda frame: as_rgba(frame.image))
    assert resumed.done == 2 and not resumed.finished
    while not resumed.finished:
        resumed.step()
    assert store.frames() == list(range(1, 8))
    assert sorted(p.name for p in store.folder.iterdir())[:2] == ["confidence.000001.exr", "confidence.000002.exr"]
    assert not list(store.folder.glob("*.npz")) and not list(store.folder.glob("*.partial"))
    # Exactly what a fresh node renders, in a fresh session (nothing left in memory); a frame
    # no shot covers holds the plate, so that every frame of the range has its files.
    fresh = HostSession()
    fresh.configure(settings, source, shots)
    assert fresh.fingerprint() == session.fingerprint()
    for frame in (6, 2, 4, 1):
        image, matte = _baked(BakeStore(tmp_path / "scene", fresh.fingerprint()), frame)
        expected = fresh.frame(frame)
        assert expected.covered == (frame != 1)
        assert np.array_equal(image[..., :3], expected.image) and np.all(image[..., 3] == 1)
        assert np.array_equal(matte, np.repeat(expected.confidence[..., None], 3, axis=2))
    # Another setting is another fingerprint: nothing baked for it, and its bake drops the old.
    fresh.configure(NodeSettings(model=str(model_dir), device="cpu", saturation=0.5), source, shots)
    other = BakeStore(tmp_path / "scene", fresh.fingerprint())
    assert other.frames() == []
    Bake(fresh, other, [2], lambda frame: as_rgba(frame.image)).step()
    assert store.frames() == [] and other.frames() == [2]
    with pytest.raises(InputError, match="frame -1 cannot be baked"):
        other.save(-1, np.zeros((2, 2, 4), np.float32), np.zeros((2, 2), np.float32))
    (tmp_path / "scene" / "notes.txt").write_text("kept")
    assert clear_bakes(tmp_path / "scene") == 1 and (tmp_path / "scene" / "notes.txt").is_file()
    session.close()
    fresh.close()
