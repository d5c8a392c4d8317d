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


def snapshot(folder):
    """Every path under `folder` with its bytes (files) or None (folders)."""
    return {str(p): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def test_never_writes_over_its_input_even_with_overwrite(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(CARPHONE.read_bytes())
    plate = two_shot_sequence(tmp_path / "seq")
    before = snapshot(tmp_path)
    for source, target, words in [(video, video, "is INPUT"),
                                  (plate, tmp_path / "seq" / "plate.1005.png", "is a frame of INPUT"),
                                  (plate, tmp_path / "seq" / "plate.0042.png", "is a frame of INPUT")]:
        result = excolor("shots", source, "-o", target, "--frames", "1001-1003" if source == plate else "0-3",
                         "--overwrite")
        assert result.returncode == 5, result.stderr
        assert f"-o {target} {words}: excolor never overwrites its inputs" in result.stderr
    assert snapshot(tmp_path) == before  # nothing replaced, nothing made


def test_the_extension_names_the_format(tmp_path):
    """.json and .otio are written as what they name; any other extension is refused before a
    frame is read, naming the formats excolor shots writes."""
    from excolor.shotlists.editorial import read_timeline_shots

    for name in ("cut.edl", "cut.txt", "key.png", "shots"):
        result = excolor("shots", CARPHONE, "-o", tmp_path / name, "--frames", "0-3")
        assert result.returncode == 2, result.stderr
        assert ".json (a SHOTS.json shot list), .otio (an OpenTimelineIO timeline)" in result.stderr
        assert "finding cuts" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    timeline = tmp_path / "new" / "cut.otio"  # its folder is made, as every output's is
    result = excolor("shots", CARPHONE, "-o", timeline, "--frames", "0-9")
    assert result.returncode == 0, result.stderr
    assert json.loads(timeline.read_text())["OTIO_SCHEMA"].startswith("Timeline.")
    assert read_timeline_shots(timeline)["shots"] == [{"start": 0, "end": 9, "name": "shot 1", "reference": None}]


def test_dash_is_standard_output(tmp_path):
    result = excolor("shots", CARPHONE, "-o", "-", "--frames", "0-9", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"shots": [{"start": 0, "end": 9, "reference": None}]}
    assert "standard output: 1 shot(s) in frames 0-9" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no file named '-'
