"""The training data's recipe lives in the repository: `excolor train --help` and the docs name
model/data/fetch_training_data.sh, which is valid bash and fetches the packages the docs list.
Running it downloads ~390 MB of Debian packages: set EXCOLOR_FETCH_DATA=1 to run it for real
(on this repository's 2-core machine: 124 pictures and 313 objects in 24 s)."""
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.batch import excolor

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "model" / "data" / "fetch_training_data.sh"
PACKAGES = ["gnome-backgrounds", "mate-backgrounds", "plasma-workspace-wallpapers", "ukui-wallpapers",
            "lomiri-wallpapers", "lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04", "sway-backgrounds",
            "tuxpaint-stamps-default"]


def test_train_help_and_docs_point_at_the_script_in_the_repository():
    help_text = excolor("train", "--help").stdout
    assert "model/data/fetch_training_data.sh" in " ".join(help_text.split())
    assert "model/data/fetch_training_data.sh" in (ROOT / "docs" / "lite-model.md").read_text()
    assert "model/data/fetch_training_data.sh" in " ".join((ROOT / "README.md").read_text().split())
    assert SCRIPT.is_file() and os.access(SCRIPT, os.X_OK)
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0


def test_the_script_fetches_the_documented_packages():
    text = SCRIPT.read_text()
    listed = re.findall(r"[a-z0-9][a-z0-9.+-]+", " ".join(re.findall(r"\(([^)]*)\)", text.split("mkdir")[0])))
    assert [name for name in listed if name in PACKAGES] == PACKAGES
    docs = (ROOT / "docs" / "lite-model.md").read_text()
    assert all(name in docs for name in PACKAGES)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("EXCOLOR_FETCH_DATA") != "1", reason="downloads ~390 MB (EXCOLOR_FETCH_DATA=1)")
def test_the_script_fills_images_and_objects(tmp_path):
    result = subprocess.run([str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(list((tmp_path / "images").iterdir())) > 100
    assert len(list((tmp_path / "objects").glob("*.png"))) > 300
