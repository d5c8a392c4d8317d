"""The pixels do not depend on how many threads render them: a farm task runs with --threads 1
where a workstation uses every core, and chunks of both must equal a one-go render. Through the
real command with the packaged model on a 1280x720 plate (five real frames, the carphone clip
scaled up), whose correspondence graph is large enough for ONNX Runtime to split its sums by the
thread count (measured: 1 level in 255 on three of these frames at 16 threads, before the
correspondence graph ran on one thread of its own)."""
import pytest

from tests.render.clips import file_bytes
from tests.support.batch import (
    carphone_frames,
    excolor,
    write_reference,
    write_sequence,
)


@pytest.mark.slow
def test_a_720p_render_is_the_same_bytes_at_any_thread_count(tmp_path):
    frames = carphone_frames(count=5, size=(720, 1280))
    plate = write_sequence(tmp_path / "in" / "plate.####.png", frames, first=1)
    key = write_reference(tmp_path / "key.png", frames[0])
    renders = {}
    for threads, io_threads in (("1", "0"), ("2", "2"), ("16", "2")):
        out = tmp_path / f"threads{threads}"
        done = excolor("colorize", plate, out / "c.####.png", "--reference", key, "--reference-frame", "none",
                       "--threads", threads, "--io-threads", io_threads)
        assert done.returncode == 0, done.stderr
        renders[threads] = file_bytes(out)
    assert len(renders["1"]) == 5
    assert renders["2"] == renders["1"] and renders["16"] == renders["1"]
