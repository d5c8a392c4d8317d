"""`excolor colorize --report`, end to end with the real command: the report's numbers are the
rendered frames' real confidence and its frames to key next the node's, as text or JSON; a
resumed render and a farm chunk report their frames; the report's path follows the rules of
every path a job writes."""
import json
import re

import numpy as np
import pytest
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.io import open_input

from tests.support.batch import carphone_frames, excolor, write_reference, write_sequence
from tests.support.node import colour_photo


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """12 real frames (1001-1012) in two shots: the first coloured from a photograph of another
    scene, the second from its frame 1010's true colours, pinned there."""
    folder = tmp_path_factory.mktemp("clip")
    frames = carphone_frames(count=12)
    shots = folder / "shots.json"
    shots.write_text(json.dumps({"shots": [
        {"start": 1001, "end": 1006, "reference": "photo.png"},
        {"start": 1007, "end": 1012, "reference": "key_1010.png", "reference_frame": 1010}]}))
    return {
        "pattern": write_sequence(folder / "plate.####.png", frames, first=1001),
        "photo": write_reference(folder / "photo.png", colour_photo("coffee", (72, 88))),
        "key": write_reference(folder / "key_1010.png", frames[9]),
        "shots": shots,
    }


@pytest.fixture(scope="module")
def node(clip, lite_model_dir):
    """The node the command makes for these shots, every frame rendered (a batch writes exactly
    what it renders)."""
    reader = open_input(clip["pattern"])
    node = ColorizeNode(lite_model_dir, device="cpu")
    node.source = reader.read
    node.shots = [Shot(1001, 1006, [Keyframe(clip["photo"])]), Shot(1007, 1012, [Keyframe(clip["key"], 1010)])]
    for frame in range(1001, 1013):
        node.render(frame)
    yield node
    reader.close()


def colorize(clip, model, output, *flags):
    result = excolor("colorize", clip["pattern"], output, "--shots", clip["shots"], "--model", model, *flags)
    return result


def check_frames(report_shot, node):
    """Every frame of a report's shot carries the node's confidence of that frame."""
    for entry in report_shot["frames"]:
        confidence = node.confidence(entry["frame"])
        assert entry["mean_confidence"] == pytest.approx(float(np.mean(confidence, dtype=np.float64)), abs=1e-12)
        assert entry["unsure_share"] == pytest.approx(float(np.mean(confidence < 0.5)), abs=1e-12)


def test_text_report_names_the_nodes_frames_to_key_next(clip, node, tmp_path, lite_model_dir):
    result = colorize(clip, lite_model_dir, tmp_path / "out" / "c.####.png", "--report")
    assert result.returncode == 0, result.stderr
    for index, (first, last) in enumerate(((1001, 1006), (1007, 1012))):
        means = [float(np.mean(node.confidence(f), dtype=np.float64)) for f in range(first, last + 1)]
        summary = re.search(rf"shot {index + 1} \(frames {first}-{last}\): 6 frame\(s\), mean confidence "
                            rf"([\d.]+), (\d+)% of pixels unsure", result.stderr)
        assert summary, result.stderr
        assert float(summary.group(1)) == pytest.approx(np.mean(means), abs=0.005)
        line = re.search(rf"shot {index + 1}: key next frame (.*)", result.stderr).group(1)
        named = [int(frame) for frame in re.findall(r"(?:^|, )(\d+) \(mean", line)]
        assert named == [s.frame for s in node.key_suggestions(index)] and named
    assert 1010 not in [s.frame for s in node.key_suggestions(1)]


def test_json_report_holds_every_frame_and_is_a_path_the_job_owns(clip, node, tmp_path, lite_model_dir):
    output, report = tmp_path / "out" / "c.####.png", tmp_path / "reports" / "confidence.json"
    result = colorize(clip, lite_model_dir, output, "--report", report)
    assert result.returncode == 0, result.stderr
    assert f"wrote report {report}" in result.stderr and "key next" not in result.stderr
    data = json.loads(report.read_text())
    assert data["frames"] == [1001, 1012] and data["unsure_below"] == 0.5
    assert [(s["shot"], s["first"], s["last"], s["pinned"]) for s in data["shots"]] == [
        (1, 1001, 1006, []), (2, 1007, 1012, [1010])]
    for index, shot in enumerate(data["shots"]):
        assert [f["frame"] for f in shot["frames"]] == list(range(shot["first"], shot["last"] + 1))
        assert shot["without_confidence"] == []
        check_frames(shot, node)
        assert [s["frame"] for s in shot["key_next"]] == [s.frame for s in node.key_suggestions(index)]
        assert shot["mean_confidence"] == pytest.approx(np.mean([f["mean_confidence"] for f in shot["frames"]]))
    # The same command again rewrites its own report; a file it did not write stays.
    again = colorize(clip, lite_model_dir, output, "--report", report)
    assert again.returncode == 0 and "12 already done" in again.stderr, again.stderr
    assert json.loads(report.read_text()) == data
    foreign = tmp_path / "notes.json"
    foreign.write_text("{}")
    refused = colorize(clip, lite_model_dir, output, "--report", foreign)
    assert refused.returncode == 5 and "--report" in refused.stderr and "--overwrite" in refused.stderr
    assert foreign.read_text() == "{}"
    onto_input = colorize(clip, lite_model_dir, output, "--report", clip["key"])
    assert onto_input.returncode == 5 and "a reference image" in onto_input.stderr


def test_a_chunk_reports_its_frames_and_a_resumed_render_every_frame(clip, node, tmp_path, lite_model_dir):
    output = tmp_path / "out" / "c.####.png"
    chunk = colorize(clip, lite_model_dir, output, "--frames", "1001-1006", "--report", tmp_path / "chunk.json")
    assert chunk.returncode == 0, chunk.stderr
    data = json.loads((tmp_path / "chunk.json").read_text())
    assert [(s["shot"], len(s["frames"])) for s in data["shots"]] == [(1, 6)]
    # The rest, resumed without a report, then the whole range reported: nothing renders again.
    assert colorize(clip, lite_model_dir, output).returncode == 0
    resumed = colorize(clip, lite_model_dir, output, "--report", tmp_path / "all.json")
    assert resumed.returncode == 0 and "12 already done" in resumed.stderr, resumed.stderr
    data = json.loads((tmp_path / "all.json").read_text())
    for index, shot in enumerate(data["shots"]):
        assert len(shot["frames"]) == 6 and shot["without_confidence"] == []
        check_frames(shot, node)
        assert [s["frame"] for s in shot["key_next"]] == [s.frame for s in node.key_suggestions(index)]


def test_frames_not_rendered_yet_are_named(clip, tmp_path, lite_model_dir):
    """Only the forward runs: the frames of shot 2 before its key wait for the backward run."""
    result = colorize(clip, lite_model_dir, tmp_path / "out" / "c.####.png", "--direction", "forward", "--report")
    assert result.returncode == 0, result.stderr
    assert re.search(r"shot 2 \(frames 1007-1012\): 3 frame\(s\), .*no confidence kept for frame\(s\) 1007-1009",
                     result.stderr), result.stderr
