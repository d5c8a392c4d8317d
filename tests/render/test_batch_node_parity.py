"""The batch driver (runs stepped in order, blends through `.excolor/waiting`) writes exactly
what the pull-based node renders for the same frame, blended frames between keyframes included,
pulling its frames from the node's own source."""
import json

import numpy as np
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.engine.runs import BACKWARD, FORWARD
from excolor.io import SequencePattern, open_input, read_image
from excolor.render.batch import Batch
from excolor.render.matte import Matte
from excolor.render.output_paths import output_location
from excolor.render.overlap import ReadAhead
from excolor.render.targets import output_targets
from excolor.render.workspace import Workspace
from excolor.shotlists.entries import FrameRange

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


def test_a_batch_pulls_from_the_source_it_is_given(tmp_path, lite_model_dir):
    """The node's source is set once, to a ReadAhead over INPUT that the Batch is given and plans:
    the batch leaves it in place, and once it stops reading ahead, the node renders the frames
    the batch kept from the same source, on this thread."""
    frames = carphone_frames(count=5)
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1)
    reader = open_input(plate)
    reads = ReadAhead(reader.read, 2)
    node = ColorizeNode(lite_model_dir, device="cpu")
    node.source = reads
    node.shots = [Shot(1, 5, [Keyframe(write_reference(tmp_path / "k3.png", frames[2]), 3)])]  # both ways
    output = str(tmp_path / "out" / "p.####.png")
    (tmp_path / "out").mkdir()
    workspace = Workspace(*output_location(output, "sequence"))
    workspace.open({"test": "source"}, overwrite=False, frame_files=(SequencePattern.parse(output).path,))
    targets = output_targets(output, "sequence", Matte(), workspace, source=reader.pixel_format, colour=node.colour)
    report = Batch(node, targets.with_matte, workspace, FrameRange(1, 5), reads, directions=(FORWARD, BACKWARD),
                   state_every=2, keep=(2, 4)).render()
    reads.close()
    assert node.source is reads
    assert sorted(report.written) == [1, 2, 3, 4, 5] and sorted(report.kept) == [2, 4]
    assert all(workspace.is_done(n) for n in range(1, 6))
    for n in (4, 2):
        assert np.array_equal(report.kept[n].image, node.render(n)), f"frame {n}"
    reader.close()
