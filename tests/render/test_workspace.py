"""The `.excolor/` workspace: fingerprints that name what changed, stamped state files, and
temp files cleaned only when the process that wrote them is gone."""
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
from excolor.engine.state import RunFrame, RunState
from excolor.errors import StateError
from excolor.render.workspace import Workspace, describe_changes

FINGERPRINT = {
    "model": "a" * 64,
    "shots": {"shot 1 (frames 0-9)": [{"image": "key.png", "frame": None, "sha256": "b" * 64}]},
    "settings": {"saturation": 1.0, "network long side": 256},
}


def changed(**settings):
    return dict(FINGERPRINT, settings=dict(FINGERPRINT["settings"], **settings))


def test_changes_are_named():
    assert describe_changes(FINGERPRINT, changed(saturation=1.25)) == ["settings saturation: 1.0 -> 1.25"]
    other = dict(FINGERPRINT, model="c" * 64)
    assert describe_changes(FINGERPRINT, other)[0].startswith("model: ")


def test_fingerprint_mismatch_stops_unless_overwrite(tmp_path):
    first = Workspace(tmp_path, "out.####.png")
    first.open(FINGERPRINT, overwrite=False, frame_files=())
    state = RunState("shot000.k0.fwd", 4, np.ones((1, 3, 8, 8), np.float32))
    first.save_state(state)
    first.mark_done(4)
    with pytest.raises(StateError, match=r"changed: settings network long side: 256 -> 320.*--overwrite"):
        Workspace(tmp_path, "out.####.png").open(changed(**{"network long side": 320}), overwrite=False, frame_files=())
    second = Workspace(tmp_path, "out.####.png")
    second.open(changed(**{"network long side": 320}), overwrite=True, frame_files=())
    assert second.state_frames("shot000.k0.fwd") == [] and not second.is_done(4)


def test_a_saved_state_comes_back_as_its_arrays(tmp_path):
    """The workspace stores and checks; the caller (the batch, through the node) makes the
    RunState from what it loads."""
    workspace = Workspace(tmp_path, "o.####.exr")
    workspace.open(FINGERPRINT, overwrite=False, frame_files=())
    state = RunState("shot001.k0.bwd", 12, np.random.default_rng(0).random((1, 3, 8, 8), np.float32))
    workspace.save_state(state)
    assert workspace.state_frames("shot001.k0.bwd") == [12] and workspace.state_frames("shot001.k0.fwd") == []
    arrays = workspace.load_state("shot001.k0.bwd", 12)
    saved = state.to_arrays()
    assert sorted(arrays) == sorted(saved)
    for name, array in saved.items():
        np.testing.assert_array_equal(arrays[name], array)


def test_state_files_carry_the_fingerprint(tmp_path):
    workspace = Workspace(tmp_path, "o.mp4")
    workspace.open(FINGERPRINT, overwrite=False, frame_files=())
    result = RunFrame("shot000.k1.bwd", 7, np.zeros((2, 4, 5), np.float32), np.ones((1, 4, 5), np.float32))
    workspace.save_waiting(result)
    back = workspace.load_waiting("shot000.k1.bwd", 7)
    assert np.array_equal(back.ab, result.ab) and back.frame == 7
    assert workspace.load_waiting("shot000.k0.fwd", 7) is None
    workspace.digest = "0" * 24  # as if another render's files were found here
    with pytest.raises(StateError, match="fingerprint differs"):
        workspace.load_waiting("shot000.k1.bwd", 7)


def test_only_temp_files_of_dead_processes_are_removed(tmp_path):
    workspace = Workspace(tmp_path, "o.####.exr")
    workspace.open(FINGERPRINT, overwrite=False, frame_files=())
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True)
    host = socket.gethostname()
    dead = workspace.tmp / f"o.0001.exr.{host}.{int(ended.stdout)}.partial"
    alive = workspace.tmp / f"o.0002.exr.{host}.{os.getpid()}.partial"
    elsewhere = workspace.tmp / "o.0003.exr.another-host.12.partial"
    for path in (dead, alive, elsewhere):
        path.write_bytes(b"half a frame")
    Workspace(tmp_path, "o.####.exr").open(FINGERPRINT, overwrite=False, frame_files=())
    assert not dead.exists() and alive.exists() and elsewhere.exists()


def test_a_done_frame_cut_short_is_not_done(tmp_path):
    frame_file = lambda frame: tmp_path / f"o.{frame:04d}.png"  # noqa: E731 - the job passes pattern.path
    workspace = Workspace(tmp_path, "o.####.png")
    workspace.open(FINGERPRINT, overwrite=False, frame_files=(frame_file,))
    for frame in (1, 2):
        frame_file(frame).write_bytes(b"a whole frame")
        workspace.mark_done(frame)
    assert workspace.is_done(1) and workspace.is_done(2)
    frame_file(2).write_bytes(b"a whole")  # truncated by something else
    assert workspace.is_done(1) and not workspace.is_done(2)
    frame_file(1).unlink()
    assert not workspace.is_done(1)


def _with_runs(b_key):
    return dict(FINGERPRINT, runs={"shot000.k0.fwd": {"keyframe": "a"}, "shot000.k1.bwd": {"keyframe": b_key}},
                finish={"shot 1": []})


def _parts(frame):
    """Frames 0-4 come from k0.fwd alone, 5-9 blend it with k1.bwd."""
    return "shot 1", ("shot000.k0.fwd",) if frame < 5 else ("shot000.k0.fwd", "shot000.k1.bwd")


def test_a_changed_run_loses_its_states_and_the_frames_made_from_it(tmp_path):
    first = Workspace(tmp_path, "o.####.png")
    first.open(_with_runs("b"), overwrite=False, frame_files=(), frame_parts=_parts)
    for run_name in ("shot000.k0.fwd", "shot000.k1.bwd"):
        first.save_state(RunState(run_name, 6, np.ones((1, 3, 8, 8), np.float32)))
    for frame in range(10):
        first.mark_done(frame)
    second = Workspace(tmp_path, "o.####.png")
    changes = second.open(_with_runs("c"), overwrite=False, frame_files=(), frame_parts=_parts)
    assert changes.earlier and changes.runs == {"shot000.k1.bwd": ['keyframe: "b" -> "c"']}
    assert second.state_frames("shot000.k0.fwd") == [6] and second.state_frames("shot000.k1.bwd") == []
    assert [second.is_done(frame) for frame in range(10)] == [True] * 5 + [False] * 5
    second.load_state("shot000.k0.fwd", 6)  # still this run's: its stamp is the run's, not the job's
