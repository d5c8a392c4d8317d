"""Running real Blender (`bpy` from PyPI) for the add-on tests.

bpy wheels exist for CPython 3.11 only and need numpy<2, so Blender runs in a venv of its own,
made (once; later calls are no-ops) by host_integration/blender/ci_setup.sh. Each test runs one
function of tests/blender_scripts.py in a fresh subprocess under a timeout.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SETUP = ROOT / "host_integration" / "blender" / "ci_setup.sh"
SCRIPTS = Path(__file__).resolve().parent / "blender_scripts.py"
SAMPLE_CLIP = ROOT / "plugin" / "samples" / "carphone.mp4"
SAMPLE_REFERENCE = ROOT / "plugin" / "samples" / "carphone_reference.png"
# The Blender the add-on is tested with: 4.5 LTS (4.2+ extension format; 5.0 also works, see
# the README's Blender section for how to run the tests against it).
BPY_VERSION = "4.5.15"
SETUP_TIMEOUT = 1200  # a first setup downloads bpy (~370 MB) and the runtime's wheels
RUN_TIMEOUT = 300


def bpy_python(version=BPY_VERSION):
    """Path of the bpy venv's python, creating the venv if needed."""
    result = subprocess.run(["bash", str(SETUP), version], capture_output=True, text=True,
                            timeout=SETUP_TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"{SETUP} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout.strip().splitlines()[-1]


def run_in_blender(python, name, args, workdir, timeout=RUN_TIMEOUT):
    """Run blender_scripts.NAME(args) in a fresh bpy process; returns its report (dict).

    Fails with the process's output when it raises, crashes or runs past `timeout` seconds.
    """
    args_path = Path(workdir) / f"{name}-args.json"
    args_path.write_text(json.dumps(args))
    try:
        result = subprocess.run([python, str(SCRIPTS), name, str(args_path)], capture_output=True,
                                text=True, timeout=timeout, cwd=workdir)
    except subprocess.TimeoutExpired as error:
        raise AssertionError(f"Blender script {name} ran past {timeout} s:\n{error.stderr}") from error
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        raise AssertionError(
            f"Blender script {name} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-6000:]}"
        )
    return json.loads(lines[-1][len("RESULT "):])


def run_cli(arguments, cwd):
    """`excolor ARGUMENTS` with this test session's Python (not Blender's venv)."""
    result = subprocess.run([sys.executable, "-m", "excolor", *map(str, arguments)],
                            capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result


def read_png(path):
    """An 8-bit PNG as an int HxWx3 array."""
    import OpenImageIO as oiio

    buffer = oiio.ImageBuf(str(path))
    assert not buffer.has_error, f"{path}: {buffer.geterror()}"
    return buffer.get_pixels(oiio.UINT8).astype(np.int32)[..., :3]
