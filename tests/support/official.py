"""Shared set-up for the official-model tests: stand-in weights, the CLI, one export per session.

The expensive artefacts (the fixture's ~240 MB of .pth files and the ~310 MB model directory)
are made once per test session under pytest's base temp folder and found there by later
modules, so `pytest tests/test_official_*.py` imports and exports only once.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
# A copy of shared/fixtures/official_compat kept in the repo, so a clone anywhere can run it.
FIXTURE = ROOT / "tests" / "fixtures" / "official_compat"
SIZES = ("216x384", "64x128")
# The fixture README's tolerances (max, mean absolute).
WARPED_AB_TOL = (1e-2, 1e-3)
CONFIDENCE_TOL = (1e-4, 1e-5)
AB_TOL = (1.0, 0.05)
ARGMAX_MEAN_TOL = 0.05
ARGMAX_OFF_FRACTION = 0.001  # share of positions allowed off by more than 0.01
VGG_MEAN_RELATIVE_TOL = 1e-3


def expected():
    return np.load(FIXTURE / "expected.npz")


def run_cli(*args, timeout=900):
    """Run the real `excolor` command in a subprocess; returns CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "excolor", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def stand_in_weights(tmp_path_factory):
    """Folder with the fixture's vgg19_conv.pth, nonlocal_net.pth, colornet.pth (made once)."""
    folder = tmp_path_factory.getbasetemp() / "official_stand_in_weights"
    names = [folder / f"{stem}.pth" for stem in ("vgg19_conv", "nonlocal_net", "colornet")]
    if not all(p.is_file() for p in names):
        result = subprocess.run([sys.executable, str(FIXTURE / "weights.py"), str(folder)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    return folder


def imported_model_dir(tmp_path_factory):
    """`excolor import-official WEIGHTS MD --temperature 0.01` (once per session) -> MD path."""
    model_dir = tmp_path_factory.getbasetemp() / "official_model_t001"
    if not (model_dir / "manifest.json").is_file():
        weights = stand_in_weights(tmp_path_factory)
        result = run_cli("import-official", weights, model_dir, "--temperature", "0.01",
                         "--parity-long-side", "128")
        assert result.returncode == 0, result.stderr
    return model_dir


def previous_lab(data, size, step):
    """The fixture's previous-frame input: zeros for t1, [frame-1 L, t1 ab] for t2."""
    if step == "t1":
        return np.zeros_like(data[f"{size}_frame1_lab"])
    return np.concatenate((data[f"{size}_frame1_lab"][:, :1], data[f"{size}_t1_ab"]), axis=1)


def frame_l(data, size, step):
    return np.ascontiguousarray(data[f"{size}_frame{step[1]}_lab"][:, :1])


def assert_close(actual, wanted, tolerance, what):
    """max and mean |actual - wanted| within tolerance=(max, mean); returns the two figures."""
    error = np.abs(np.asarray(actual, dtype=np.float64) - wanted)
    worst, mean = float(error.max()), float(error.mean())
    assert worst <= tolerance[0] and mean <= tolerance[1], (
        f"{what}: max {worst:.3g} (limit {tolerance[0]}), mean {mean:.3g} (limit {tolerance[1]})")
    return worst, mean


def assert_argmax_close(actual, wanted, what):
    """The README's rule for the hard argmax: mean <= 0.05, <= 0.1 % of positions off > 0.01."""
    error = np.abs(np.asarray(actual, dtype=np.float64) - wanted)  # (1,2,H,W)
    off = float((error.max(axis=1) > 0.01).mean())  # a position is off if a or b is
    assert error.mean() <= ARGMAX_MEAN_TOL and off <= ARGMAX_OFF_FRACTION, (
        f"{what}: mean {error.mean():.3g}, {off:.3%} of positions off by > 0.01")
    return float(error.mean()), off
