"""SHOTS.json: structure, keyframe lists, placeholders, and checks that name the shot."""
import json
from pathlib import Path

import pytest
from excolor.errors import InputError, UsageError
from excolor.shotlists.entries import check_shots, load_shot_list, parse_frame_range, write_shot_list


def shots_file(tmp_path, shots):
    path = tmp_path / "cfg" / "SHOTS.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"shots": shots}))
    return path


def test_paths_relative_to_the_file_and_keyframe_lists(tmp_path):
    path = shots_file(tmp_path, [
        {"start": 1001, "end": 1010, "reference": "keys/a.png", "reference_frame": 1004},
        {"start": 1011, "end": 1030, "reference": [{"image": "b.png", "frame": 1012},
                                                   {"image": "/abs/c.png", "frame": 1029}]},
        {"start": 1031, "end": 1040, "reference": "d.png", "name": "closeup"},
    ])
    first, second, third = load_shot_list(path)
    assert first.keyframes == ((path.parent / "keys" / "a.png", 1004),)
    assert [k[1] for k in second.keyframes] == [1012, 1029]
    assert str(second.keyframes[1][0]) == "/abs/c.png"
    assert third.keyframes[0][1] is None and "closeup" in third.describe()


@pytest.mark.parametrize(
    "shot, message",
    [
        ({"start": 1, "end": 9, "reference": None}, r"shot 1 \(frames 1-9\): reference is a placeholder"),
        ({"start": 1, "end": 9, "reference": "a.png", "reference_frame": 12}, "pinned to frame 12, outside the shot"),
        ({"start": 1, "end": 9, "reference": [{"image": "a.png", "frame": 0}]}, "pinned to frame 0, outside the shot"),
        ({"start": 9, "end": 1, "reference": "a.png"}, "start 9 is after end 1"),
        ({"start": 1, "end": 9, "refrence": "a.png"}, "unknown field"),
        ({"start": 1.5, "end": 9, "reference": "a.png"}, "whole frame number"),
        ({"start": 1, "end": 9, "reference": [{"image": "a.png", "frame": 3}, {"image": "b.png", "frame": 3}]},
         "same frame"),
    ],
)
def test_bad_shots_name_the_shot(tmp_path, shot, message):
    with pytest.raises(UsageError, match=message):
        load_shot_list(shots_file(tmp_path, [shot]))


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(InputError, match="shot list is missing"):
        load_shot_list(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"shots": [ {"start": 1,, }')
    with pytest.raises(InputError, match="not valid JSON"):
        load_shot_list(bad)


def test_overlaps_ranges_and_uncovered_frames(tmp_path):
    entries = load_shot_list(shots_file(tmp_path, [
        {"start": 0, "end": 10, "reference": "a.png"},
        {"start": 15, "end": 20, "reference": "b.png"},
    ]))
    assert check_shots(entries, 0, 29) == "frames 11-14, 21-29 are in no shot and will not be rendered"
    assert check_shots(entries, 0, 29, frames=(0, 10)) == ""
    with pytest.raises(UsageError, match=r"shot 2 \(frames 15-20\) reaches outside the input \(frames 0-18\)"):
        check_shots(entries, 0, 18)
    with pytest.raises(UsageError, match="--frames 0-40 reaches outside the input"):
        check_shots(entries, 0, 29, frames=(0, 40))
    overlapping = load_shot_list(shots_file(tmp_path, [
        {"start": 0, "end": 10, "reference": "a.png"},
        {"start": 8, "end": 20, "reference": "b.png"},
    ]))
    with pytest.raises(UsageError, match=r"shot 1 \(frames 0-10\) and shot 2 \(frames 8-20\) overlap at frames 8-10"):
        check_shots(overlapping, 0, 29)


@pytest.mark.parametrize("text, expected", [("1001-1096", (1001, 1096)), ("7", (7, 7)), (" 3 - 5 ", (3, 5))])
def test_frame_ranges(text, expected):
    assert parse_frame_range(text) == expected


@pytest.mark.parametrize("text", ["10-5", "a-b", "1-2-3", ""])
def test_bad_frame_ranges(text):
    with pytest.raises(UsageError, match="--frames"):
        parse_frame_range(text)


def test_written_placeholders_are_refused_until_filled(tmp_path):
    path = tmp_path / "SHOTS.json"
    write_shot_list(path, [(0, 57), (58, 119)])
    data = json.loads(path.read_text())
    assert data == {"shots": [{"start": 0, "end": 57, "reference": None},
                              {"start": 58, "end": 119, "reference": None}]}
    with pytest.raises(UsageError, match=r"shot 1 \(frames 0-57\): reference is a placeholder"):
        load_shot_list(path)


@pytest.mark.parametrize("data, message", [
    ({"shots": [{"start": 1, "end": 9, "reference": "a.png"}], "version": 2},
     "SHOTS.json: unknown field(s) 'version' at the top level; known: shots"),
    ({"shots": [{"start": 1, "end": 9, "refrence": "a.png"}]},
     "shot 1 (frames 1-9): unknown field(s) 'refrence' (did you mean 'reference'?)"),
    ({"shots": [{"start": 1, "end": 9, "reference": [{"image": "a.png", "frame": 2, "weight": 1}]}]},
     "shot 1 (frames 1-9): keyframe 1: unknown field(s) 'weight'; known: image, frame"),
    ({"shots": [{"start": 1, "end": 9, "reference": ""}]},
     'shot 1 (frames 1-9): "reference" is empty: give the image that colours this shot'),
    ({"shots": [{"start": 1, "end": 9, "reference": []}]}, '"reference" is an empty list'),
    ({"shots": [{"start": 1, "end": 9, "reference": "a.png"},
                {"start": 10, "end": 12.0, "reference": "b.png"}]},
     "shot 2: 'end' must be a whole frame number, got 12.0"),
    ({"shots": [{"start": 1, "end": 9, "reference": [{"image": "a.png", "frame": "3"}]}]},
     "shot 1 (frames 1-9): keyframe 1: 'frame' must be a whole frame number (pinned), null or absent (found "
     "by the render) or \"none\" (never pinned), got '3'"),
    ({"shots": [{"start": 1, "end": 9, "reference": "a.png", "reference_frame": "auto"}]},
     "shot 1 (frames 1-9): 'reference_frame' must be a whole frame number (pinned), null or absent"),
    ({"shots": [{"start": 1, "end": 9, "reference": [{"frame": 3}]}]}, "keyframe 1: missing 'image'"),
    ({"shots": [{"start": 1, "end": 9, "reference": 7}]}, "reference must be a path, or a list"),
    ({"shots": [{"start": 1, "end": 9}]}, "shot 1 (frames 1-9): missing 'reference'"),
    ({"shots": []}, "the shot list is empty"),
    ({"shot": []}, "unknown field(s) 'shot' (did you mean 'shots'?) at the top level"),
    ({}, 'expected {"shots": [...]} at the top level'),
    ([1, 2], 'expected {"shots": [...]} at the top level'),
])
def test_structure_problems_in_a_users_words(tmp_path, data, message):
    path = tmp_path / "SHOTS.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UsageError) as caught:
        load_shot_list(path)
    assert message in str(caught.value) and "$defs" not in str(caught.value)


def test_the_published_schema_is_the_one_used(tmp_path):
    """docs/shots.schema.json is the packaged schema, byte for byte; it is a valid JSON Schema and
    accepts the documented example (with a "$schema" pointer for editors)."""
    from excolor.shotlists.schema import SCHEMA_PATH
    from jsonschema import Draft202012Validator

    docs = Path(__file__).resolve().parents[2] / "docs" / "shots.schema.json"
    assert docs.read_bytes() == SCHEMA_PATH.read_bytes()
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    example = {"$schema": "shots.schema.json", "shots": [
        {"start": 1001, "end": 1096, "reference": "key_a.png", "reference_frame": 1001},
        {"start": 1097, "end": 1180, "reference": [{"image": "key_b.png", "frame": 1100},
                                                   {"image": "key_c.png", "frame": 1170}]},
        {"start": 1181, "end": 1200, "reference": None, "name": "insert"}]}
    assert not list(Draft202012Validator(schema).iter_errors(example))


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "SHOTS.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"shots": [{"start": 1, "end": 9, "reference": "a.png"}]}).encode())
    (entry,) = load_shot_list(path)
    assert (entry.first, entry.last, entry.keyframes) == (1, 9, ((tmp_path / "a.png", None),))


def test_an_entry_speaks_only_first_and_last(tmp_path):
    path = tmp_path / "SHOTS.json"
    path.write_text(json.dumps({"shots": [{"start": 1001, "end": 1020, "reference": "a.png"}]}))
    (entry,) = load_shot_list(path)
    # The file's "start"/"end" are read into first/last; the entry has no other names for them.
    assert (entry.first, entry.last) == (1001, 1020)
    assert not hasattr(entry, "start") and not hasattr(entry, "end")