"""Ctrl-C at any moment ends `excolor colorize` with exit 130 and one line, never a traceback,
leaves only whole frames, and a rerun keeps them and completes the render as one go would.

Each case is a real process sent a real SIGINT the moment the command itself reports reaching
a point (a line it writes on stderr), never after a guessed delay; the clip is long enough
that the command is still at work when the signal arrives:
  importing  the interpreter reports (PYTHONPROFILEIMPORTTIME) that the render package is in,
             while the render job's own imports (PyAV, OpenCV, ONNX Runtime) are under way
  checked    the command's first line: inputs checked, model loaded, output folders made
  rendering  the progress bar's first line, as the first frame renders
  mid-render the progress line of the 5th delivered frame
"""
import re
import signal

import pytest

from tests.support.batch import carphone_frames, excolor, files_of, start_excolor, write_reference, write_sequence

FRAMES = 40
FIRST = 1001
FRAME_NAME = re.compile(r"^o\.\d{4}\.png$")


def importing(line):
    return line.rpartition("|")[2].strip() == "excolor.render"


def checked(line):
    return line.startswith("excolor colorize: model ")


def rendering(line):
    return line.startswith(f"colorizing: 0% (0/{FRAMES} frames)")


def mid_render(line):
    return line.startswith("colorizing: ") and f"(8/{FRAMES} frames)" in line  # the second tenth


MOMENTS = {"importing": importing, "checked": checked, "rendering": rendering, "mid-render": mid_render}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """40 real frames, upsampled so that each takes a while to render, and the true colour of
    the first as the reference."""
    folder = tmp_path_factory.mktemp("clip")
    frames = carphone_frames(count=FRAMES, size=(288, 352))
    return {"plate": write_sequence(folder / "g.####.png", frames, first=FIRST),
            "reference": write_reference(folder / "key.png", frames[0])}


def colorize_args(clip, out, model):
    return ("colorize", clip["plate"], out / "o.####.png", "--reference", clip["reference"], "--model", model)


def frame_bytes(folder):
    return {name: (folder / name).read_bytes() for name in files_of(folder)}


@pytest.fixture(scope="module")
def one_go(clip, lite_model_dir, tmp_path_factory):
    """The same render, never interrupted: {frame file name: bytes}."""
    out = tmp_path_factory.mktemp("one_go")
    result = excolor(*colorize_args(clip, out, lite_model_dir))
    assert result.returncode == 0, result.stderr
    frames = frame_bytes(out)
    assert len(frames) == FRAMES
    return frames


def interrupt_on(child, reached):
    """Read the child's stderr until a line satisfies `reached`, then send SIGINT; returns the
    lines read before it."""
    lines = []
    for line in child.stderr:
        lines.append(line)
        if reached(line):
            child.send_signal(signal.SIGINT)
            return lines
    child.wait()
    pytest.fail(f"the command ended (exit {child.returncode}) before the awaited line:\n{''.join(lines)[-3000:]}")


@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_sigint_then_rerun_equals_one_go(clip, one_go, lite_model_dir, tmp_path, monkeypatch, moment):
    if moment == "importing":  # the interpreter writes a line as each import completes
        monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
    out = tmp_path / "out"
    args = colorize_args(clip, out, lite_model_dir)
    child = start_excolor(*args)
    interrupt_on(child, MOMENTS[moment])
    _stdout, rest = child.communicate(timeout=120)
    assert child.returncode == 130, rest
    lines = [line for line in rest.splitlines() if not line.startswith("import time:")]
    assert "Traceback" not in rest and "interrupted" in lines[-1], rest
    monkeypatch.delenv("PYTHONPROFILEIMPORTTIME", raising=False)

    # Only whole frames, each the one-go render's, and no temporary file anywhere.
    written = frame_bytes(out) if out.is_dir() else {}
    assert all(FRAME_NAME.match(name) for name in written), sorted(written)
    assert all(data == one_go[name] for name, data in written.items())
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".partial")]
    if moment == "importing":
        assert not out.exists()  # nothing is made before the command's checks
    if moment == "mid-render":
        assert len(written) >= 5  # every frame reported delivered is on disk

    rerun = excolor(*args)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{FRAMES - len(written)} frame(s) written, {len(written)} already done" in rerun.stderr
    assert frame_bytes(out) == one_go
