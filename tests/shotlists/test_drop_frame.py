"""A drop-frame EDL (tests/shotlists/files/drop_frame.edl, `FCM: DROP FRAME`, 29.97 fps) across
a minute boundary, where the labels 00:01:00;00 and ;01 do not exist: its `* LOC:` lines are
keyframes, at the frames their drop-frame timecode stands for."""
import json
import shutil
from pathlib import Path

import pytest
from excolor.errors import UsageError
from excolor.shotlists.editorial import read_timeline_shots
from excolor.shotlists.entries import load_shot_list

from tests.support.batch import carphone_frames, excolor, files_of, write_reference, write_sequence

FILES = Path(__file__).parent / "files"


def shots_of(data):
    return [(s["start"], s["end"], [(k["image"], k["frame"]) for k in s["reference"]]) for s in data["shots"]]


def test_locators_in_drop_frame_timecode_are_keyframes(tmp_path):
    # 00:00:59;26 is frame 1796; 00:01:00;04 is 1800 + 4 - 2 dropped = 1802 (exclusive). The LOC
    # at record 01:01:00;02 is 4 frames after the clip's record in 01:00:59;26: source frame 1800.
    expected = [(1796, 1801, [("keys/a.png", 1800)]), (1802, 1805, [("keys/b.png", 1804)])]
    assert shots_of(read_timeline_shots(FILES / "drop_frame.edl")) == expected
    # The same EDL with ':' separators: the FCM line says drop frame all the same.
    (tmp_path / "colons.edl").write_text((FILES / "drop_frame.edl").read_text().replace(";", ":"))
    assert shots_of(read_timeline_shots(tmp_path / "colons.edl")) == expected
    # Read as non-drop-frame (as an FCM of NON-DROP FRAME says), the labels are other frames.
    (tmp_path / "ndf.edl").write_text((FILES / "drop_frame.edl").read_text().replace(";", ":").replace(
        "FCM: DROP FRAME", "FCM: NON-DROP FRAME"))
    assert shots_of(read_timeline_shots(tmp_path / "ndf.edl", edl_rate=30))[0][:2] == (1796, 1803)
    keyframes = [entry.keyframes for entry in load_shot_list(FILES / "drop_frame.edl")]
    assert [[(image.name, frame) for image, frame in keys] for keys in keyframes] == [[("a.png", 1800)],
                                                                                      [("b.png", 1804)]]


def test_drop_frame_needs_a_drop_frame_rate(tmp_path):
    with pytest.raises(UsageError, match=r"drop_frame.edl: drop-frame timecode \(FCM: DROP FRAME, or a ';' before "
                                         r"the frames\) is 29.97 or 59.94 fps; --edl-rate is 25"):
        read_timeline_shots(FILES / "drop_frame.edl", edl_rate=25)


@pytest.mark.slow
def test_colorize_reads_the_drop_frame_edl(tmp_path, lite_model_dir):
    """`excolor colorize` with the EDL on a sequence numbered in its timecode's frames: both
    shots render, each keyed at its locator (it refused the EDL: "reference is a placeholder")."""
    shutil.copy(FILES / "drop_frame.edl", tmp_path)
    frames = carphone_frames(count=10)
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1796)
    (tmp_path / "keys").mkdir()
    write_reference(tmp_path / "keys" / "a.png", frames[4])
    write_reference(tmp_path / "keys" / "b.png", frames[8])
    done = excolor("colorize", plate, tmp_path / "out" / "p.####.png", "--shots", tmp_path / "drop_frame.edl",
                   "--model", lite_model_dir, "--report", tmp_path / "report.json")
    assert done.returncode == 0, done.stderr
    assert files_of(tmp_path / "out") == [f"p.{n:04d}.png" for n in range(1796, 1806)]
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(s["first"], s["last"], s["pinned"]) for s in report["shots"]] == [(1796, 1801, [1800]),
                                                                                (1802, 1805, [1804])]
