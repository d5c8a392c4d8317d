"""`excolor shots`: cuts found with PySceneDetect on real footage, frame numbers as on disk."""
import json

import numpy as np

from tests.support.batch import CARPHONE, carphone_frames, excolor, write_sequence


def two_shot_sequence(folder):
    """Frames 1001-1012: carphone; 1013-1024: a slow pan over scikit-image's coffee photo."""
    from skimage import data, transform

    coffee = transform.resize(data.coffee(), (72, 120), anti_aliasing=True).astype(np.float32)
    pan = [coffee[:, i: i + 88] for i in range(12)]
    return write_sequence(folder / "plate.####.png", carphone_frames(count=12) + pan, first=1001)


def test_finds_the_cut_in_a_sequence(tmp_path):
    plate = two_shot_sequence(tmp_path)
    result = excolor("shots", plate, "-o", tmp_path / "SHOTS.json", "--min-length", "5")
    assert result.returncode == 0, result.stderr
    shots = json.loads((tmp_path / "SHOTS.json").read_text())["shots"]
    assert [(s["start"], s["end"]) for s in shots] == [(1001, 1012), (1013, 1024)]
    assert all(s["reference"] is None for s in shots)
    assert "1013-1024" in result.stderr
    # The placeholder is refused by colorize, naming the shot.
    colorize = excolor("colorize", plate, tmp_path / "out.####.png", "--shots", tmp_path / "SHOTS.json")
    assert colorize.returncode == 2
    assert "shot 1 (frames 1001-1012): reference is a placeholder" in colorize.stderr


def test_one_shot_video_is_zero_based(tmp_path):
    result = excolor("shots", CARPHONE, "-o", tmp_path / "s.json")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "s.json").read_text()) == {"shots": [{"start": 0, "end": 119, "reference": None}]}


def test_refuses_to_replace_a_shot_list(tmp_path):
    (tmp_path / "s.json").write_text("{}")
    result = excolor("shots", CARPHONE, "-o", tmp_path / "s.json", "--frames", "0-5")
    assert result.returncode == 5 and "--overwrite" in result.stderr
    result = excolor("shots", CARPHONE, "-o", tmp_path / "s.json", "--frames", "0-500", "--overwrite")
    assert result.returncode == 2 and "outside the input" in result.stderr
