"""A reference's frame in a shot list: a frame number pins it; absent or null, the render finds
it; "none" never pins it. Read from SHOTS.json and OTIO clip metadata, written back by
`write_entries` (the shot list `excolor farm` writes with the frames found) and `write_timeline`."""
import json

import opentimelineio as otio
import pytest
from excolor.errors import UsageError
from excolor.shotlists.timeline_writing import write_timeline
from excolor.shotlists.entries import load_shot_list, write_entries

SHOTS = {"shots": [
    {"start": 1, "end": 9, "reference": "keys/a.png"},
    {"start": 10, "end": 19, "reference": "keys/b.png", "reference_frame": None, "name": "close"},
    {"start": 20, "end": 29, "reference": "keys/c.png", "reference_frame": "none"},
    {"start": 30, "end": 39, "reference": [{"image": "keys/d.png", "frame": "none"},
                                           {"image": "keys/e.png", "frame": 33}]},
    {"start": 40, "end": 49, "reference": [{"image": "keys/f.png", "frame": None},
                                           {"image": "keys/g.png", "frame": 45}]},
]}


def _frames(entries):
    return [[frame for _image, frame in entry.keyframes] for entry in entries]


def test_absent_null_and_none_frames(tmp_path):
    path = tmp_path / "SHOTS.json"
    path.write_text(json.dumps(SHOTS))
    assert _frames(load_shot_list(path)) == [[None], [None], ["none"], ["none", 33], [None, 45]]


@pytest.mark.parametrize("reference", [
    [{"image": "a.png", "frame": "none"}, {"image": "b.png"}],
    [{"image": "a.png", "frame": None}, {"image": "b.png", "frame": "none"}],
])
def test_one_keyframe_without_a_frame_number_per_shot(tmp_path, reference):
    path = tmp_path / "SHOTS.json"
    path.write_text(json.dumps({"shots": [{"start": 1, "end": 9, "reference": reference}]}))
    with pytest.raises(UsageError, match=r"shot 1 \(frames 1-9\): several keyframes without a frame number"):
        load_shot_list(path)


def test_written_entries_load_the_same_from_another_folder(tmp_path):
    path = tmp_path / "SHOTS.json"
    path.write_text(json.dumps(SHOTS))
    entries = load_shot_list(path)
    written = tmp_path / "job" / "job.shots.json"
    written.parent.mkdir()
    write_entries(written, entries)
    data = json.loads(written.read_text())
    assert data["shots"][0] == {"start": 1, "end": 9, "reference": "../keys/a.png"}
    assert data["shots"][2]["reference_frame"] == "none" and data["shots"][1]["name"] == "close"
    again = load_shot_list(written)
    assert [(e.first, e.last, e.name) for e in again] == [(e.first, e.last, e.name) for e in entries]
    assert [[image.resolve() for image, _frame in e.keyframes] for e in again] == \
        [[image.resolve() for image, _frame in e.keyframes] for e in entries]
    assert _frames(again) == _frames(entries)


def test_a_timeline_keeps_found_and_never_pinned_references(tmp_path):
    path = tmp_path / "SHOTS.json"
    path.write_text(json.dumps(SHOTS))
    entries = load_shot_list(path)
    timeline = tmp_path / "cut.otio"
    write_timeline(timeline, [(e.first, e.last, e.keyframes, e.name) for e in entries], rate=24)
    clips = list(otio.adapters.read_from_file(str(timeline)).find_clips())
    assert dict(clips[0].metadata["excolor"]) == {"reference": "keys/a.png"}
    assert dict(clips[2].metadata["excolor"]) == {"reference": "keys/c.png", "reference_frame": "none"}
    # Beside a marker the metadata's reference keeps its word too.
    assert dict(clips[3].metadata["excolor"]) == {"reference": "keys/d.png", "reference_frame": "none"}
    assert [m.marked_range.start_time.value for m in clips[3].markers] == [33]
    assert _frames(load_shot_list(timeline)) == [[None], [None], ["none"], ["none", 33], [None, 45]]
