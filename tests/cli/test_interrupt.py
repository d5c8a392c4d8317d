"""Ctrl-C at any moment ends `excolor colorize` with exit 130 and one line, never a traceback:
while the command's modules import (PyAV, ONNX Runtime, OpenImageIO), while it parses, checks
and renders. Each case is a real process sent a real SIGINT."""
import signal
import subprocess
import sys
import time

import pytest

from tests.support.batch import carphone_frames, write_reference, write_sequence

# Runs `python -m excolor ARGS` and says "up" just before excolor's entry point starts: after
# Python's own start-up (site, .pth files) and the import of the tiny `excolor` package, which
# run before any code of the command's can take the signal (a Ctrl-C there is Python's own).
LAUNCH = ("import runpy, sys, excolor; sys.argv[0] = 'excolor'; print('up', flush=True); "
          "runpy.run_module('excolor', run_name='__main__', alter_sys=True)")


@pytest.mark.parametrize("delay", [0.02, 0.03, 0.08, 0.15, 0.3, pytest.param(0.6, marks=pytest.mark.slow),
                                   pytest.param(1.2, marks=pytest.mark.slow)])
def test_sigint_at_any_early_moment(tmp_path, lite_model_dir, delay):
    frames = carphone_frames(count=40, size=(288, 352))  # long enough that the later signals land mid-render
    plate = write_sequence(tmp_path / "in" / "g.####.png", frames, first=1001)
    reference = write_reference(tmp_path / "key.png", frames[0])
    args = ["colorize", plate, str(tmp_path / "out" / "o.####.png"), "--reference", str(reference),
            "--model", str(lite_model_dir)]
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # see batch_support.start_excolor
    try:
        child = subprocess.Popen([sys.executable, "-c", LAUNCH, *args], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert child.stdout.readline().strip() == "up"
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    _out, err = child.communicate(timeout=120)
    if child.returncode == 0:
        pytest.skip(f"the render finished within {delay}s, before the signal")
    assert child.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err.splitlines()[-1]
