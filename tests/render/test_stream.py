"""`excolor colorize --stream`: a video OUTPUT encoded as its frames finish, with no lossless frame
cache, through the real command on real footage: the same video as the cached render, nothing
left in `.excolor/frames`, and refusals that say why where frames cannot reach the encoder in
order."""
import json
import signal
import time

import numpy as np
import pytest

from tests.render.clips import decoded
from tests.support.batch import (
    CARPHONE,
    CARPHONE_REFERENCE,
    carphone_frames,
    excolor,
    start_excolor,
    write_reference,
    write_sequence,
)


@pytest.fixture
def plate_and_shots(tmp_path):
    """Eight real frames as a PNG sequence and two shots whose keyframes colour their first frames."""
    frames = carphone_frames(count=8)
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1001)
    write_reference(tmp_path / "key_a.png", frames[0])
    write_reference(tmp_path / "key_b.png", frames[5][::-1])  # another picture for the second shot

    def shots(first_shot_key_frame=None, last=1008):
        path = tmp_path / f"SHOTS-{first_shot_key_frame}-{last}.json"
        first = {"start": 1001, "end": 1004, "reference": "key_a.png"}
        if first_shot_key_frame is not None:
            first["reference_frame"] = first_shot_key_frame
        second = {"start": 1005, "end": last, "reference": "key_b.png", "reference_frame": 1005}
        path.write_text(json.dumps({"shots": [first, second]}))
        return path

    return plate, shots


VIDEO = ("--fps", "25", "--crf", "0", "--pix-fmt", "yuv444p")


def test_streamed_video_equals_the_cached_render(tmp_path, lite_model_dir, plate_and_shots):
    plate, shots = plate_and_shots
    cached = excolor("colorize", plate, tmp_path / "cached.mp4", "--shots", shots(), *VIDEO,
                     "--model", lite_model_dir)
    assert cached.returncode == 0, cached.stderr
    for io_threads in ("2", "0"):
        out = tmp_path / f"streamed-{io_threads}.mp4"
        streamed = excolor("colorize", plate, out, "--shots", shots(), *VIDEO, "--stream",
                           "--io-threads", io_threads, "--model", lite_model_dir)
        assert streamed.returncode == 0, streamed.stderr
        a, b = decoded(tmp_path / "cached.mp4"), decoded(out)
        assert len(a) == len(b) == 8
        for frame_a, frame_b in zip(a, b):
            np.testing.assert_array_equal(frame_b, frame_a)
        cache = tmp_path / ".excolor" / out.name / "frames"
        assert not cache.exists() or not any(cache.iterdir()), "a streamed render keeps no frames"
    again = excolor("colorize", plate, tmp_path / "streamed-2.mp4", "--shots", shots(), *VIDEO,
                    "--stream", "--model", lite_model_dir)
    assert again.returncode == 0 and "already complete" in again.stderr


def test_stream_is_refused_where_frames_cannot_arrive_in_order(tmp_path, lite_model_dir, plate_and_shots):
    plate, shots = plate_and_shots
    out = tmp_path / "out.mp4"
    cases = [
        # A keyframe pinned inside its shot: frames before it are rendered backwards from it.
        (("--shots", shots(first_shot_key_frame=1003)), "out of order"),
        # Frames 1007-1008 are in no shot: the cached render encodes the input's own there.
        (("--shots", shots(last=1006)), "1007-1008 are in no shot"),
        (("--shots", shots(), "--frames", "1001-1004"), "farm chunks"),
    ]
    for arguments, message in cases:
        result = excolor("colorize", plate, out, *arguments, *VIDEO, "--stream", "--model", lite_model_dir)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "--stream" in result.stderr
        assert not out.exists()
    sequence = excolor("colorize", plate, tmp_path / "o" / "c.####.png", "--shots", shots(), "--stream",
                       "--model", lite_model_dir)
    assert sequence.returncode == 2 and "video OUTPUT" in sequence.stderr


def wait_for_files(folder, pattern, count, process):
    """Poll until `count` files matching `pattern` exist under `folder` (no timing assumption)."""
    while len(list(folder.rglob(pattern))) < count:
        assert process.poll() is None, "the render ended before it could be interrupted"
        time.sleep(0.005)


@pytest.mark.slow
def test_interrupted_stream_leaves_nothing_and_starts_over(tmp_path, lite_model_dir):
    """Ctrl-C in a streamed render: exit 130, no partial video, no temporary file; the rerun
    starts over and also clears the frames an interrupted cached render had left."""
    out = tmp_path / "out.mp4"
    cached = start_excolor("colorize", CARPHONE, out, "--reference", CARPHONE_REFERENCE,
                           "--model", lite_model_dir)
    frames = tmp_path / ".excolor" / "out.mp4" / "frames"
    wait_for_files(tmp_path / ".excolor", "frame.*.png", 5, cached)
    cached.send_signal(signal.SIGINT)
    assert cached.wait() == 130 and not out.exists()
    assert len(list(frames.glob("*.png"))) >= 5
    streamed = start_excolor("colorize", CARPHONE, out, "--reference", CARPHONE_REFERENCE, "--stream",
                             "--state-every", "2", "--model", lite_model_dir)
    wait_for_files(tmp_path / ".excolor", "*.npz", 3, streamed)  # states: it is under way
    streamed.send_signal(signal.SIGINT)
    _stdout, stderr = streamed.communicate()
    assert streamed.returncode == 130, stderr
    assert not out.exists()
    leftovers = [p for p in (tmp_path / ".excolor").rglob("*") if p.is_file() and "encoding" in p.name]
    assert not leftovers, "the encoder's temporary file is gone"
    again = excolor("colorize", CARPHONE, out, "--reference", CARPHONE_REFERENCE, "--stream",
                    "--model", lite_model_dir)
    assert again.returncode == 0, again.stderr
    assert "120 frame(s) written" in again.stderr  # a streamed render starts over
    assert len(decoded(out)) == 120 and not any(frames.iterdir())
