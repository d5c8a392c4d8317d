"""Decode-ahead and write-behind (excolor.render.overlap) on a real video, and through the real
`excolor colorize`: overlapping changes when things happen, never what is written."""
import threading
import time

import numpy as np
import pytest
from excolor.errors import InputError
from excolor.io import open_input
from excolor.render.overlap import ReadAhead, WriteBehind

from tests.support.batch import CARPHONE, CARPHONE_REFERENCE, excolor


class RecordingReader:
    """The real carphone decoder, noting which frames were read on which thread."""

    def __init__(self, broken=None):
        self.reader = open_input(str(CARPHONE))
        self.calls = []
        self.broken = broken

    def __call__(self, frame):
        self.calls.append((frame, threading.current_thread().name))
        if frame == self.broken:
            raise InputError(f"frame {frame} is corrupt (test)")
        return self.reader.read(frame)


def test_read_ahead_gives_the_decoder_s_frames_from_one_background_thread():
    direct = open_input(str(CARPHONE))
    recorder = RecordingReader()
    ahead = ReadAhead(recorder, depth=3)
    ahead.plan(range(10, 2, -1))  # a backward run: frames 10, 9, ..., 3
    try:
        for frame in range(10, 2, -1):
            np.testing.assert_array_equal(ahead(frame), direct.read(frame))
            # The next planned frames get read without being asked for (on its own time).
            ahead_of_us = set(range(max(frame - 3, 3), frame))
            deadline = time.monotonic() + 60
            while not ahead_of_us <= {f for f, _ in recorder.calls}:
                assert time.monotonic() < deadline, "nothing was read ahead"
                time.sleep(0.001)
    finally:
        ahead.close()
    assert len({thread for _, thread in recorder.calls}) == 1
    assert recorder.calls[0][1] != threading.current_thread().name
    assert sorted(f for f, _ in recorder.calls) == list(range(3, 11))  # each frame read once


def test_once_closed_frames_are_read_on_demand_on_the_callers_thread():
    """A render job's node keeps its ReadAhead as its source after the batch; the encode and the
    contact sheet then read INPUT on this thread, and nothing else reads it any more."""
    direct = open_input(str(CARPHONE))
    recorder = RecordingReader()
    ahead = ReadAhead(recorder, depth=3)
    ahead.plan(range(0, 8))
    np.testing.assert_array_equal(ahead(0), direct.read(0))
    ahead.close()
    before = len(recorder.calls)
    ahead.plan(range(20, 30))  # planning reads nothing ahead now
    np.testing.assert_array_equal(ahead(42), direct.read(42))
    assert recorder.calls[before:] == [(42, threading.current_thread().name)]


def test_a_broken_frame_raises_when_asked_for_not_when_read_ahead():
    recorder = RecordingReader(broken=4)
    ahead = ReadAhead(recorder, depth=3)
    ahead.plan(range(0, 8))
    try:
        for frame in range(4):
            ahead(frame)  # frame 4 gets read ahead after these, and fails quietly
        deadline = time.monotonic() + 60
        while 4 not in {f for f, _ in recorder.calls}:
            assert time.monotonic() < deadline, "frame 4 was not read ahead"
            time.sleep(0.001)
        with pytest.raises(InputError, match="frame 4"):
            ahead(4)
        np.testing.assert_array_equal(ahead(20), recorder.reader.read(20))  # unplanned: on demand
    finally:
        ahead.close()


def test_write_behind_marks_a_frame_done_only_after_its_write_and_reports_failures():
    written, done, order = {}, [], []

    def write(frame, image):
        if frame == 6:
            raise OSError("disk full (test)")
        written[frame] = image
        order.append(("write", frame))

    def mark(frame):
        assert frame in written
        done.append(frame)
        order.append(("done", frame))

    behind = WriteBehind(write, then=mark, workers=2)
    for frame in range(6):
        behind.submit(frame, np.full((2, 2, 3), frame, np.float32))
    behind.flush()
    assert sorted(done) == list(range(6))
    for frame in range(6):
        assert order.index(("write", frame)) < order.index(("done", frame))
    behind.submit(6, np.zeros((2, 2, 3), np.float32))
    with pytest.raises(OSError, match="disk full"):
        behind.close()
    assert 6 not in done


def test_a_call_written_behind_runs_off_the_callers_thread_and_flush_waits_for_it():
    started, release, ran = threading.Event(), threading.Event(), []

    def save():
        started.set()
        release.wait(5)
        ran.append(threading.current_thread().name)

    behind = WriteBehind(lambda frame, image: None, workers=1)
    behind.call(save)
    assert started.wait(5) and not ran  # running behind: the caller went on
    release.set()
    behind.flush()
    assert ran and ran[0].startswith("excolor-write")

    def fail():
        raise OSError("no space left for the state (test)")

    behind.call(fail)
    with pytest.raises(OSError, match="no space left"):
        behind.close()
    inline = []
    WriteBehind(lambda frame, image: None, workers=0).call(lambda: inline.append(threading.current_thread().name))
    assert inline == [threading.current_thread().name]


@pytest.mark.slow
def test_overlapped_render_writes_the_same_video_as_one_thing_at_a_time(tmp_path, lite_model_dir):
    outputs = {}
    for threads in (0, 3):
        output = tmp_path / f"io{threads}.mp4"
        result = excolor("colorize", CARPHONE, output, "--reference", CARPHONE_REFERENCE,
                         "--reference-frame", 12, "--frames", "0-24", "--model", lite_model_dir,
                         "--io-threads", threads)
        assert result.returncode == 0, result.stderr
        outputs[threads] = output.read_bytes()
    # A keyframe mid-range: a backward and a forward run, both read ahead and written behind.
    assert outputs[0] == outputs[3]
