"""Resumable batches: a killed or interrupted render, finished by a rerun, and a render split
into farm chunks (separate processes) equal a one-go render byte for byte."""
import json
import re
import signal
import time

import pytest

from tests.support.batch import carphone_frames, excolor, files_of, start_excolor, write_reference, write_sequence

FRAMES = 36


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """36 real frames (1001-1036) as an 8-bit PNG sequence and the true colour of two of them."""
    folder = tmp_path_factory.mktemp("clip")
    frames = carphone_frames(count=FRAMES)
    pattern = write_sequence(folder / "plate.####.png", frames, first=1001)
    return {
        "pattern": pattern,
        "key_first": write_reference(folder / "key_1001.png", frames[0]),
        "key_late": write_reference(folder / "key_1016.png", frames[15]),
        "key_shot2": write_reference(folder / "key_1030.png", frames[29]),
        "folder": folder,
    }


@pytest.fixture(scope="module")
def one_go(clip, tmp_path_factory, lite_model_dir):
    """The reference render: --reference over the whole clip, in one process."""
    out = tmp_path_factory.mktemp("one_go")
    result = excolor("colorize", clip["pattern"], out / "c.####.png", "--reference", clip["key_first"],
                     "--model", lite_model_dir, "--state-every", "4")
    assert result.returncode == 0, result.stderr
    return out


def frames_bytes(folder):
    return {name: (folder / name).read_bytes() for name in files_of(folder)}


def wait_for_frames(folder, count, process):
    """Poll until `count` output frames exist (no timing assumption beyond 'eventually')."""
    while len([n for n in files_of(folder) if n.endswith(".png")]) < count:
        assert process.poll() is None, "the render ended before it could be interrupted"
        time.sleep(0.005)


@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGINT, 130),
                                       (signal.SIGTERM, 130)])
def test_interrupted_then_rerun_equals_one_go(clip, one_go, tmp_path, lite_model_dir, sig, code):
    out = tmp_path / "out"
    out.mkdir()
    args = ("colorize", clip["pattern"], out / "c.####.png", "--reference", clip["key_first"],
            "--model", lite_model_dir, "--state-every", "4")
    process = start_excolor(*args)
    wait_for_frames(out, 6, process)
    process.send_signal(sig)
    _stdout, stderr = process.communicate()
    assert process.returncode == code, stderr
    written = files_of(out)
    assert 6 <= len(written) < FRAMES, "killed mid-shot"
    # Only finished frames, never a partial file, in OUTPUT.
    assert all(name.startswith("c.") and name.endswith(".png") for name in written)
    states = out / ".excolor" / "c.####.png" / "states"
    if sig != signal.SIGKILL:  # Ctrl-C, or a farm manager cancelling the task
        assert "interrupted" in stderr
        last = max(int(name.split(".")[1]) for name in written)
        saved = max(int(path.name.split(".")[3]) for path in states.glob("shot000.k0.fwd.*.npz"))
        # Ctrl-C saves the state of the last frame fully delivered (written and marked done;
        # a signal between the two leaves that frame to be rendered again).
        assert saved in (last, last - 1)
    rerun = excolor(*args)
    assert rerun.returncode == 0, rerun.stderr
    done = int(re.search(r"(\d+) already done", rerun.stderr).group(1))
    # A signal between writing a frame and marking it done leaves that frame to redo.
    assert done in (len(written), len(written) - 1)
    assert frames_bytes(out) == frames_bytes(one_go)


@pytest.mark.slow
def test_farm_chunks_in_separate_processes_equal_one_go(clip, tmp_path, lite_model_dir):
    """Two shots: one with keyframes at 1001 and 1016 (forward and backward runs blend between
    them), one pinned mid-shot at 1030 (runs go both ways). Chunks of 8 frames; the forward
    chain renders in order, the backward chain in reverse order, each chunk its own process."""
    shots = clip["folder"] / "SHOTS.json"
    shots.write_text(json.dumps({"shots": [
        {"start": 1001, "end": 1024, "reference": [{"image": "key_1001.png", "frame": 1001},
                                                   {"image": "key_1016.png", "frame": 1016}]},
        {"start": 1025, "end": 1036, "reference": "key_1030.png", "reference_frame": 1030},
    ]}))
    common = ("--shots", shots, "--model", lite_model_dir, "--state-every", "3")
    whole = tmp_path / "whole"
    result = excolor("colorize", clip["pattern"], whole / "c.####.png", *common)
    assert result.returncode == 0, result.stderr
    assert len(files_of(whole)) == FRAMES
    chunks = [(a, min(a + 7, 1036)) for a in range(1001, 1037, 8)]
    farm = tmp_path / "farm"
    for direction, order in (("forward", chunks), ("backward", chunks[::-1])):
        for a, b in order:
            result = excolor("colorize", clip["pattern"], farm / "c.####.png", *common,
                             "--frames", f"{a}-{b}", "--direction", direction)
            assert result.returncode == 0, f"{direction} chunk {a}-{b}: {result.stderr}"
    assert frames_bytes(farm) == frames_bytes(whole)
    # Every blended frame was written by the second run to pass it; nothing is left waiting.
    assert list((farm / ".excolor" / "c.####.png" / "waiting").iterdir()) == []


@pytest.mark.slow
def test_a_blend_left_waiting_by_both_runs_is_written_by_the_next_render(clip, tmp_path, lite_model_dir):
    """A process killed after both runs passed a blended frame but before the frame was on disk
    leaves both runs' results waiting: the next render of either chain writes the blend."""
    shots = clip["folder"] / "SHOTS-blend.json"
    shots.write_text(json.dumps({"shots": [{"start": 1001, "end": 1008, "reference": [
        {"image": "key_1001.png", "frame": 1001}, {"image": "key_1016.png", "frame": 1006}]}]}))
    common = ("--shots", shots, "--model", lite_model_dir, "--frames", "1001-1008")
    whole, left, other = tmp_path / "whole", tmp_path / "left", tmp_path / "other"
    assert excolor("colorize", clip["pattern"], whole / "c.####.png", *common).returncode == 0
    # The BACKWARD run leaves its results for frames 1002-1005 in `left`; the FORWARD run, in
    # another output of the same inputs, leaves its own: together, what a kill can leave.
    for folder, direction in ((left, "backward"), (other, "forward")):
        result = excolor("colorize", clip["pattern"], folder / "c.####.png", *common, "--direction", direction)
        assert result.returncode == 0, result.stderr
    waiting = left / ".excolor" / "c.####.png" / "waiting"
    for path in (other / ".excolor" / "c.####.png" / "waiting").glob("shot000.k0.fwd.*.npz"):
        (waiting / path.name).write_bytes(path.read_bytes())
    assert len(list(waiting.iterdir())) == 8 and files_of(left) == []
    result = excolor("colorize", clip["pattern"], left / "c.####.png", *common, "--direction", "forward")
    assert result.returncode == 0, result.stderr
    assert frames_bytes(left) == frames_bytes(whole) and len(files_of(left)) == 8
    assert list(waiting.iterdir()) == []
