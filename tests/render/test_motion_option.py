"""`excolor colorize --motion graph`: the render uses the motion graph (other pixels than DIS, the
same bytes twice, recorded in the output's fingerprint), and the node says which estimator runs."""
import json

import numpy as np
import pytest
from excolor.cli.colorize import MOTIONS
from excolor.engine.node import ColorizeNode, Keyframe, NodeTuning, Shot
from excolor.engine.tuning import MOTIONS as TUNING_MOTIONS
from excolor.io import read_image

from tests.support.batch import carphone_frames, excolor, write_reference, write_sequence


@pytest.fixture()
def clip(tmp_path):
    """Six real frames (88x72 PNG, 1001-1006) and a reference pinned to 1001: every later frame
    carries the history and the key by motion."""
    frames = carphone_frames(count=6)
    pattern = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1001)
    return pattern, write_reference(tmp_path / "key.png", frames[0])


def render(clip, out, model, *extra):
    pattern, reference = clip
    result = excolor("colorize", pattern, out / "c.####.png", "--reference", reference, "--reference-frame", "1001",
                     "--model", model, "--threads", "1", "--io-threads", "0", *extra)
    assert result.returncode == 0, result.stderr
    return [read_image(out / f"c.{n:04d}.png")[0] for n in range(1001, 1007)]


def test_a_graph_render_is_deterministic_and_differs_from_dis(clip, tmp_path, lite_model_dir):
    graph = render(clip, tmp_path / "graph", lite_model_dir, "--motion", "graph")
    again = render(clip, tmp_path / "again", lite_model_dir, "--motion", "graph")
    dis = render(clip, tmp_path / "dis", lite_model_dir)  # the default
    assert all(np.array_equal(a, b) for a, b in zip(graph, again))
    assert np.array_equal(graph[0], dis[0])  # the keyed frame is the key, whatever the motion
    assert all(not np.array_equal(g, d) for g, d in zip(graph[1:], dis[1:]))
    # Same kind of result: the two motions carry the key's colours alike (0..1; measured on the
    # README's sample at 176x144: 0.002).
    assert max(np.abs(g - d).mean() for g, d in zip(graph, dis)) < 0.01
    fingerprints = {name: json.loads(next((tmp_path / name / ".excolor").glob("*/fingerprint.json")).read_text())
                    for name in ("graph", "dis")}
    assert fingerprints["graph"]["settings"]["motion"] == "graph"
    assert fingerprints["dis"]["settings"]["motion"] == "dis"
    # A rerun with the other motion is another output: refused without --overwrite.
    pattern, reference = clip
    rerun = excolor("colorize", pattern, tmp_path / "graph" / "c.####.png", "--reference", reference,
                    "--reference-frame", "1001", "--model", lite_model_dir, "--motion", "dis")
    assert rerun.returncode != 0 and 'motion: "graph" -> "dis"' in rerun.stderr


def test_the_option_and_the_tuning_share_their_words(clip, tmp_path, lite_model_dir):
    assert MOTIONS == TUNING_MOTIONS
    result = excolor("colorize", clip[0], tmp_path / "out" / "c.####.png", "--reference", clip[1],
                     "--model", lite_model_dir, "--motion", "farneback")
    assert result.returncode == 2 and "argument --motion: invalid choice: 'farneback'" in result.stderr
    assert "experimental until measured on CUDA" in " ".join(excolor("colorize", "--help").stdout.split())
    with pytest.raises(ValueError, match="motion must be one of 'dis', 'graph'"):
        NodeTuning(motion="farneback")


def test_the_node_says_which_motion_it_uses_and_times_it(lite_model_dir):
    frames = carphone_frames(count=3)
    shots = [Shot(0, 2, [Keyframe(frames[0], frame=0)])]
    results = {}
    for motion in MOTIONS:
        node = ColorizeNode(lite_model_dir, device="cpu", tuning=NodeTuning(threads=1, motion=motion))
        node.source = lambda n: frames[n]
        node.shots = shots
        assert node.motion == motion
        results[motion] = [node.render(n) for n in range(3)]
        assert node.timings["motion"].calls == 2  # frames 1 and 2: the history and the key in one call
    assert ColorizeNode(lite_model_dir, device="cpu").motion == "dis"
    assert not np.array_equal(results["graph"][2], results["dis"][2])
