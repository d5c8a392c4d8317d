"""A run state handed to the writer threads, then Ctrl-C before the next frame: the batch keeps
that state (it is not written a second time beside the writer's copy, which would race on one
file) and a rerun resumes from it. Real node, real sequence; the interrupt is raised from the
node's step and the state's write slowed, so the moment is the same on every run."""
import threading
import time

import numpy as np
import pytest
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.engine.runs import FORWARD
from excolor.io import SequencePattern, open_input
from excolor.render.batch import Batch
from excolor.render.matte import Matte
from excolor.render.output_paths import output_location
from excolor.render.overlap import ReadAhead
from excolor.render.targets import output_targets
from excolor.render.workspace import Workspace
from excolor.shotlists.entries import FrameRange

from tests.support.batch import carphone_frames, write_reference, write_sequence


def _batch(tmp_path, lite_model_dir, frames):
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1)
    reader = open_input(plate)
    reads = ReadAhead(reader.read, 0)
    node = ColorizeNode(lite_model_dir, device="cpu")
    node.source = reads
    node.shots = [Shot(1, len(frames), [Keyframe(write_reference(tmp_path / "k1.png", frames[0]), 1)])]
    output = str(tmp_path / "out" / "p.####.png")
    (tmp_path / "out").mkdir(exist_ok=True)
    workspace = Workspace(*output_location(output, "sequence"))
    workspace.open({"test": "state behind"}, overwrite=False, frame_files=(SequencePattern.parse(output).path,))
    targets = output_targets(output, "sequence", Matte(), workspace, source=reader.pixel_format, colour=node.colour)
    batch = Batch(node, targets.with_matte, workspace, FrameRange(1, len(frames)), reads, directions=(FORWARD,),
                  state_every=2, writers=1)
    return batch, node, workspace


def test_ctrl_c_right_after_a_state_is_handed_to_the_writers(tmp_path, lite_model_dir):
    frames = carphone_frames(count=6)
    batch, node, workspace = _batch(tmp_path, lite_model_dir, frames)
    writes, lock, handed = [], threading.Lock(), threading.Event()
    save_arrays, state_saver, step = workspace._save_arrays, workspace.state_saver, node.step

    def slow_save(path, arrays, digest):
        time.sleep(0.3)  # still writing when the interrupt comes
        save_arrays(path, arrays, digest)
        with lock:
            writes.append(path.name)

    def noting_saver(state):
        saver = state_saver(state)
        handed.set()
        return saver

    def interrupted_step(run, state):
        if handed.is_set():
            raise KeyboardInterrupt
        return step(run, state)

    workspace._save_arrays, workspace.state_saver, node.step = slow_save, noting_saver, interrupted_step
    with pytest.raises(KeyboardInterrupt):
        batch.render()
    assert len(writes) == 1 and len(set(writes)) == 1, writes  # the handed state, written once
    states = workspace.state_frames("shot000.k0.fwd")
    assert len(states) == 1
    with np.load(workspace.state_path("shot000.k0.fwd", states[0])) as saved:
        assert int(saved["frame"]) == states[0]
    assert not list((workspace.root / "tmp").iterdir())  # no half-written file left

    rerun, _node, _workspace = _batch(tmp_path, lite_model_dir, frames)
    report = rerun.render()
    assert sorted(report.written) == [n for n in range(1, 7) if n > states[0]]
