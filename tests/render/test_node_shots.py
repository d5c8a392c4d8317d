"""A shot list's entry becomes the node's shot in one place (excolor.render.node_shots)."""
import dataclasses
import json

import pytest
from excolor.engine.runs import Keyframe, Shot
from excolor.render.node_shots import entry_frame, node_shot, resolved_entry
from excolor.shotlists.entries import load_shot_list


def test_an_entry_becomes_the_nodes_shot_with_its_keyframes_in_order(tmp_path):
    path = tmp_path / "SHOTS.json"
    path.write_text(json.dumps({"shots": [{"start": 1001, "end": 1020, "reference": [
        {"image": "a.png"}, {"image": "b.png", "frame": 1012}]}]}))
    (entry,) = load_shot_list(path)
    shot = node_shot(entry)
    assert shot == Shot(1001, 1020, (Keyframe(tmp_path / "a.png"), Keyframe(tmp_path / "b.png", 1012)))
    assert [shot.anchor(k) for k in range(2)] == [1001, 1012]
    with pytest.raises(ValueError, match="unpinned keyframe starts the shot at 1001, where another"):
        node_shot(dataclasses.replace(entry, keyframes=((tmp_path / "a.png", None), (tmp_path / "b.png", 1001))))


def test_keyframe_frames_go_back_to_the_shot_lists_words(tmp_path):
    path = tmp_path / "SHOTS.json"
    path.write_text(json.dumps({"shots": [
        {"start": 1, "end": 9, "reference": "a.png"},
        {"start": 10, "end": 19, "reference": [{"image": "b.png", "frame": "none"}, {"image": "c.png", "frame": 12}]},
    ]}))
    first, second = load_shot_list(path)
    assert node_shot(first).keyframes[0].find_frame and not node_shot(second).keyframes[0].find_frame
    assert [entry_frame(k) for k in node_shot(second).keyframes] == ["none", 12]
    assert entry_frame(node_shot(first).keyframes[0]) is None
    # The node's shot, once its auto keyframe is found, written back into the entry.
    assert resolved_entry(first, Shot(1, 9, [Keyframe(tmp_path / "a.png", 4)])).keyframes == ((tmp_path / "a.png", 4),)
    assert resolved_entry(first, Shot(1, 9, [Keyframe(tmp_path / "a.png", "none")])).keyframes == \
        ((tmp_path / "a.png", "none"),)
