"""What `pip install` of excolor really pulls, from pip's own resolver (`pip install --dry-run
--report` in a fresh venv): one OpenCV (headless), no ONNX Runtime in the base, exactly one
build with `[cpu]` or `[gpu]`, and no `onnx` at run time. Also what `excolor info` says about
the installed ONNX Runtime, and the error when there is none."""
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from excolor.ort.sessions import onnxruntime_summary

ROOT = Path(__file__).resolve().parents[1]
ONNXRUNTIME_BUILDS = {"onnxruntime", "onnxruntime-gpu"}


@pytest.fixture(scope="module")
def fresh_pip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("venv")
    venv.create(folder, with_pip=True)
    return str(folder / "bin" / "python")


def resolved(python, target, folder):
    """{distribution name (lower case): version} that `pip install TARGET` would install."""
    report = folder / "report.json"
    result = subprocess.run([python, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
                             "--report", str(report), target],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-4000:]
    return {item["metadata"]["name"].lower(): item["metadata"]["version"]
            for item in json.loads(report.read_text())["install"]}


@pytest.mark.slow
@pytest.mark.parametrize("extra, runtime", [("", set()), ("[cpu]", {"onnxruntime"}),
                                            ("[gpu]", {"onnxruntime-gpu"})])
def test_install_pulls_one_headless_opencv_and_the_chosen_onnxruntime(fresh_pip, tmp_path, extra, runtime):
    names = resolved(fresh_pip, f".{extra}", tmp_path)
    assert "excolor" in names
    assert "opencv-python-headless" in names and "scenedetect-headless" in names
    assert "opencv-python" not in names and "scenedetect" not in names  # the GUI build (libGL, Qt)
    assert ONNXRUNTIME_BUILDS & set(names) == runtime
    assert "onnx" not in names and "ml-dtypes" not in names and "ml_dtypes" not in names
    if runtime:
        assert "protobuf" in names  # ONNX Runtime's own dependency


def test_info_says_which_onnxruntime_build_is_active():
    result = subprocess.run([sys.executable, "-m", "excolor", "info"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("runtime"))
    assert "onnxruntime" in line and "CPUExecutionProvider" in line
    none = onnxruntime_summary({"distributions": [], "providers": []})
    assert "pip install 'excolor[cpu]'" in none
    both = onnxruntime_summary({"distributions": [("onnxruntime", "1.20.0"), ("onnxruntime-gpu", "1.20.0")],
                                "providers": ["CPUExecutionProvider"]})
    assert "onnxruntime 1.20.0 + onnxruntime-gpu 1.20.0" in both and "uninstall" in both


def test_without_onnxruntime_colorize_says_how_to_install_one(tmp_path):
    # A real interpreter in which `import onnxruntime` fails, as after a plain `pip install .`.
    code = ("import sys; sys.modules['onnxruntime'] = None\n"
            "from excolor.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    samples = ROOT / "plugin" / "samples"
    result = subprocess.run([sys.executable, "-c", code, "colorize", str(samples / "carphone.mp4"),
                             str(tmp_path / "out.mp4"), "--reference", str(samples / "carphone_reference.png")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 4, result.stderr
    assert "no ONNX Runtime is installed" in result.stderr and "excolor[cpu]" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.mp4").exists()
