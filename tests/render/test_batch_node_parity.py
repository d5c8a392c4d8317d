"""The batch driver (runs stepped in order, blends through `.excolor/waiting`) writes exactly
what the pull-based node renders for the same frame, blended frames between keyframes included."""
import json

import numpy as np
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.io import open_input, read_image

from tests.support.batch import carphone_frames, excolor, write_reference, write_sequence


def test_batch_frames_equal_node_render(tmp_path, lite_model_dir):
    frames = [np.clip(f, 0, 1) ** 2.2 * 2.0 for f in carphone_frames(count=7)]  # scene-linear, HDR
    plate = write_sequence(tmp_path / "in" / "p.####.exr", frames, first=1, dtype="float")
    colour = carphone_frames(count=7)
    write_reference(tmp_path / "k1.png", colour[0])
    write_reference(tmp_path / "k6.png", colour[5])
    shots = tmp_path / "SHOTS.json"
    shots.write_text(json.dumps({"shots": [{"start": 1, "end": 7, "reference": [
        {"image": "k1.png", "frame": 1}, {"image": "k6.png", "frame": 6}]}]}))
    result = excolor("colorize", plate, tmp_path / "out" / "p.####.exr", "--shots", shots,
                     "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    node = ColorizeNode(lite_model_dir, device="cpu", input_kind="scene_linear")
    reader = open_input(plate)
    node.source = reader.read
    node.shots = [Shot(1, 7, [Keyframe(tmp_path / "k1.png", 1), Keyframe(tmp_path / "k6.png", 6)])]
    for n in (7, 3, 1, 6, 4):  # out of order: the node replays, the batch ran each run once
        written, fmt = read_image(tmp_path / "out" / f"p.{n:04d}.exr")
        assert fmt.dtype == "float"
        assert np.array_equal(written, node.render(n)), f"frame {n}"
    assert len(node.contributions(3)) == 2, "frame 3 is a blend of two runs"
