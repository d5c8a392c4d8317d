"""Running real Blender (`bpy` from PyPI) for the add-on tests.

bpy wheels exist for CPython 3.11 only and need numpy<2, so Blender runs in a venv of its own,
made (once; later calls are no-ops) by host_integration/blender/ci_setup.sh. Each test runs one
function of tests/support/blender_scripts.py in a fresh subprocess under a timeout.
"""
import json
import os
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / "host_integration" / "blender" / "ci_setup.sh"
SCRIPTS = Path(__file__).resolve().parent / "blender_scripts.py"
SAMPLE_CLIP = ROOT / "plugin" / "samples" / "carphone.mp4"
SAMPLE_REFERENCE = ROOT / "plugin" / "samples" / "carphone_reference.png"
# The Blenders the add-on is tested with: 4.5 LTS and 5.0 (the compositor moved to node groups
# in 5.0). EXCOLOR_BPY_VERSIONS="4.5.15" narrows the run to one.
BPY_VERSIONS = tuple(os.environ.get("EXCOLOR_BPY_VERSIONS", "4.5.15 5.0.1").split())
SETUP_TIMEOUT = 1200  # a first setup downloads bpy (~370 MB) and the runtime's wheels
RUN_TIMEOUT = 300


def bpy_python(version):
    """Path of the bpy venv's python, creating the venv if needed."""
    result = subprocess.run(["bash", str(SETUP), version], capture_output=True, text=True,
                            timeout=SETUP_TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"{SETUP} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout.strip().splitlines()[-1]


def cache_dir():
    """Where the tests keep what outlives a session (the bpy venv's sibling folders)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "excolor"


def bare_site(python, folder):
    """A folder holding only bpy and numpy from the bpy venv (links), for a Blender whose
    Python has none of excolor's runtime (as a user's Blender): run with `python -S` and
    PYTHONPATH=folder."""
    # Not resolved: the venv's python is a link to the interpreter outside the venv.
    site = Path(python).parent.parent / "lib" / "python3.11" / "site-packages"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("bpy", "numpy", "numpy.libs"):
        (folder / name).symlink_to(site / name)
    return folder


def _run_script(python, name, args, workdir, timeout, bare, env):
    """blender_scripts.NAME(args) in a fresh bpy process: the finished CompletedProcess."""
    args_path = Path(workdir) / f"{name}-args.json"
    args_path.write_text(json.dumps(args))
    command = [python, str(SCRIPTS), name, str(args_path)]
    environment = {**os.environ, "BLENDER_USER_RESOURCES": str(Path(workdir) / "blender-user"), **(env or {})}
    if bare is not None:
        command.insert(1, "-S")
        environment["PYTHONPATH"] = str(bare)
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=workdir,
                              env=environment)
    except subprocess.TimeoutExpired as error:
        raise AssertionError(f"Blender script {name} ran past {timeout} s:\n{error.stderr}") from error


def run_in_blender(python, name, args, workdir, timeout=RUN_TIMEOUT, bare=None, env=None):
    """Run blender_scripts.NAME(args) in a fresh bpy process; returns its report (dict).

    bare: a `bare_site` folder: run without the venv's site-packages (only bpy and numpy).
    env: extra environment variables. Blender's user folder (preferences, extensions) is
    `workdir`/blender-user unless env sets BLENDER_USER_RESOURCES: a developer's own Blender
    settings and add-ons stay out of the tests, and the tests write nothing outside tmp.
    Fails with the process's output when it raises, crashes or runs past `timeout` seconds.
    """
    result = _run_script(python, name, args, workdir, timeout, bare, env)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        raise AssertionError(
            f"Blender script {name} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-6000:]}"
        )
    return json.loads(lines[-1][len("RESULT "):])


def run_failing_in_blender(python, name, args, workdir, timeout=RUN_TIMEOUT):
    """Run blender_scripts.NAME(args), which is to end the process before it reports (a render
    the add-on stops); returns (exit code, stderr)."""
    result = _run_script(python, name, args, workdir, timeout, None, None)
    assert not any(line.startswith("RESULT ") for line in result.stdout.splitlines()), result.stdout[-3000:]
    return result.returncode, result.stderr


def run_cli(python, arguments, cwd):
    """`excolor ARGUMENTS` run by `python`: the Blender venv's, so that the CLI and Blender share
    one set of libraries. Blender's Python needs numpy<2, which holds OpenCV at 4.11 there, and
    OpenCV's optical flow (the node's motion step) moves by a few 1/255 between OpenCV versions:
    a comparison across environments would measure OpenCV, not the add-on."""
    result = subprocess.run([python, "-m", "excolor", *map(str, arguments)],
                            capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result


def read_png(path):
    """An 8-bit PNG as an int HxWx3 array."""
    import OpenImageIO as oiio

    buffer = oiio.ImageBuf(str(path))
    assert not buffer.has_error, f"{path}: {buffer.geterror()}"
    return buffer.get_pixels(oiio.UINT8).astype(np.int32)[..., :3]
