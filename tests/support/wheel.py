"""excolor's sdist and wheel built as a release would be: from a clean copy of the source tree
(the files git tracks or would track), never in the checkout, whose build/ folder may hold files
of an older build that setuptools would pack again. No build isolation: the running
environment's setuptools builds (offline)."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 600


def source_copy(folder):
    """The checkout's tracked and untracked-but-not-ignored files, copied under `folder`."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    folder = Path(folder)
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    return folder


def build_release(folder):
    """(sdist path, wheel path) built under `folder`: the sdist from a clean copy, the wheel
    from the sdist (as `python -m build` does)."""
    folder = Path(folder)
    source = source_copy(folder / "src")
    out = folder / "dist"
    out.mkdir()
    sdist = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))",
         str(out)], cwd=source, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert sdist.returncode == 0, sdist.stderr[-4000:]
    sdist_path = out / sdist.stdout.strip().splitlines()[-1]
    wheel = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "-w", str(out), str(sdist_path)], capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert wheel.returncode == 0, wheel.stderr[-4000:]
    (wheel_path,) = out.glob("excolor-*.whl")
    return sdist_path, wheel_path
