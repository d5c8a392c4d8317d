"""The cheaper-motion study runs end to end on real clips and real photographs (tiny sizes), each
alternative really changes the key's carry, and the node's own motion step is back afterwards."""
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from excolor.engine import node as node_module
from excolor.engine import optical_flow
from excolor.engine.candidates import carried_candidates
from skimage import data

from benchmarks import motion_alternatives as alternatives

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def photos_root(tmp_path):
    """A data root whose images/ holds the study's photographs, stood in for by scikit-image's."""
    images = tmp_path / "data" / "images"
    images.mkdir(parents=True)
    for name, picture in zip(alternatives.PAN_PHOTOS, (data.astronaut(), data.chelsea(), data.coffee())):
        cv2.imwrite(str(images / name), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    return tmp_path / "data"


@pytest.mark.slow
def test_quick_study_writes_every_alternative_and_cap(photos_root, tmp_path):
    done = subprocess.run([sys.executable, "-m", "benchmarks.motion_alternatives", str(photos_root), "--quick",
                           "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = (tmp_path / "out" / "motion_alternatives.md").read_text().splitlines()
    pinned = [line.split(" | ") for line in lines if line.startswith(("| bigbuckbunny |", "| bikes |"))]
    # (clip, protocol): bigbuckbunny first, mid, two_keys; bikes first, mid (its shots have one
    # key each); each with the default and two alternatives.
    assert len(pinned) == 5 * 3
    assert {row[2] for row in pinned} == {"default", "key_one_way", "key_composed"}
    assert all(row[4] == "+0.00" for row in pinned if row[2] == "default")
    # Composing the key's motion from the history's moves its colours: some row differs.
    assert any(row[4] != "+0.00" for row in pinned if row[2] == "key_composed")
    caps = [line.split(" | ") for line in lines if line.startswith(("| Bridge", "| Fossa", "| Dragonfly"))]
    assert [row[1] for row in caps] == ["192", "128"] * 3


def test_key_one_way_keeps_the_history_and_judges_the_key_without_a_backward_flow():
    rng = np.random.default_rng(0)
    frame_l = cv2.GaussianBlur(rng.uniform(0, 100, (48, 64)).astype(np.float32), (7, 7), 2)
    shifted = np.roll(frame_l, 2, axis=1)
    shifted[12:36, 20:44] = np.roll(frame_l, -9, axis=0)[12:36, 20:44]  # a patch moving its own way
    ab = rng.uniform(-20, 20, (2, 48, 64)).astype(np.float32)
    estimator = optical_flow.DisMotion()
    sources = {"history": (ab, frame_l), "keyframe": (ab, frame_l)}
    mine, node_own = alternatives.key_one_way(estimator, sources, shifted), carried_candidates(estimator, sources, shifted)
    np.testing.assert_array_equal(mine["history"].ab, node_own["history"].ab)
    # The same flow to the key, so the same carried colours; judged without the flow back, a
    # pixel is consistent wherever it stays inside the frame, so everywhere the node's is.
    np.testing.assert_array_equal(mine["keyframe"].ab, node_own["keyframe"].ab)
    assert (mine["keyframe"].quality >= node_own["keyframe"].quality).all()
    assert mine["keyframe"].quality.sum() > node_own["keyframe"].quality.sum()
    assert node_module.carried_candidates is carried_candidates
    with alternatives.carried_by(alternatives.key_one_way):
        assert node_module.carried_candidates is alternatives.key_one_way
    with alternatives.history_cap(32):
        assert optical_flow.history_size(48, 64) == (24, 32)
    assert node_module.carried_candidates is carried_candidates and optical_flow.history_size(48, 64) == (48, 64)
