"""OTIO files as an editing system writes them: source ranges in the media's timecode
(tests/shotlists/files/reels_25fps.otio: 01:00:00:10 at 25 fps is frame 90010, the media's
available range starts at 01:00:00:00), counted from where the media starts; clips of another
reel are left out and named, not mapped onto INPUT."""
import shutil
import warnings
from pathlib import Path

import pytest
from excolor.errors import UsageError
from excolor.shotlists.editorial import read_timeline_shots
from excolor.shotlists.entries import check_shots, load_shot_list

from tests.shotlists.footage import timecoded_video
from tests.support.batch import carphone_frames, excolor, files_of, write_reference, write_sequence

FILES = Path(__file__).parent / "files"


def reels(folder):
    """The reel-1 cut, its reference image and reel A001 (a 25 fps QuickTime file starting at
    01:00:00:00, as the cut's media says) in `folder` -> (cut, video)."""
    shutil.copy(FILES / "reels_25fps.otio", folder)
    (folder / "keys").mkdir()
    write_reference(folder / "keys" / "a.png", carphone_frames(count=1, size=(48, 64))[0])
    return folder / "reels_25fps.otio", timecoded_video(folder / "A001_C003.mov", 25, "01:00:00:00")


def test_source_ranges_are_counted_from_the_media_start(tmp_path):
    cut, video = reels(tmp_path)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        data = read_timeline_shots(cut, media=video)
    # 90010-90019 are the video's frames 10-19; the marker at 90012 is frame 12.
    assert data == {"shots": [
        {"start": 10, "end": 19, "name": "A001 wide", "reference": [{"image": "keys/a.png", "frame": 12}]},
        {"start": 20, "end": 29, "name": "A001 end", "reference": "keys/a.png"},
    ]}
    # Reel B002 (the same source range, another file) is named, not read as INPUT's frames 10-19.
    (warning,) = [str(w.message) for w in said]
    assert "1 clip(s) show other media than INPUT" in warning and "clip 2 'B002 close' (B002_C001.mov)" in warning
    assert check_shots(load_shot_list(cut, media=video), 0, 29) == "frames 0-9 are in no shot and will not be rendered"


def test_image_sequence_reference_with_its_own_timecode(tmp_path):
    """Frames 1001-1008 whose timecode starts at 01:00:00:00 at 24 fps: source 86402 is 1003."""
    shutil.copy(FILES / "sequence_timecode.otio", tmp_path)
    plate = tmp_path / "A001" / "A001.####.png"
    data = read_timeline_shots(tmp_path / "sequence_timecode.otio", media=plate)
    assert data["shots"] == [{"start": 1003, "end": 1006, "name": "plate 1",
                              "reference": [{"image": "keys/a.png", "frame": 1005}]}]


def test_no_clip_of_input_and_clips_before_the_media(tmp_path):
    cut, _video = reels(tmp_path)
    other = timecoded_video(tmp_path / "C003_C001.mov", 25, "01:00:00:00", frames=5)
    with pytest.raises(UsageError, match=r"no clip shows INPUT .*C003_C001.mov; its clips show other media: "
                                         r"clip 1 'A001 wide' \(A001_C003.mov\), clip 2 'B002 close'"):
        read_timeline_shots(cut, media=other)
    text = cut.read_text().replace('"value": 90010.0', '"value": 89990.0', 1)
    (tmp_path / "early.otio").write_text(text)
    with pytest.raises(UsageError, match=r"clip 1 'A001 wide': source timecode 00:59:59:15 is before the start of "
                                         r"its media's available range \(01:00:00:00\)"):
        read_timeline_shots(tmp_path / "early.otio", media=tmp_path / "A001_C003.mov")


@pytest.mark.slow
def test_colorize_renders_the_cut_of_an_editing_system(tmp_path, lite_model_dir):
    """`excolor colorize A001_C003.mov ... --shots reels_25fps.otio`: frames 10-29 of the video
    (not 90010-90029, which it refused), reel B002's clip named on stderr."""
    cut, video = reels(tmp_path)
    done = excolor("colorize", video, tmp_path / "out" / "A001.####.png", "--shots", cut, "--model", lite_model_dir)
    assert done.returncode == 0, done.stderr
    assert files_of(tmp_path / "out") == [f"A001.{n:04d}.png" for n in range(10, 30)]
    assert "clip 2 'B002 close' (B002_C001.mov)" in done.stderr and "reach" not in done.stderr
    # A plate of the same name in another folder than the cut's /Volumes/EDIT/media is that reel
    # only while the cut's own path is not on this machine: here both are, and differ.
    elsewhere = write_sequence(tmp_path / "seq" / "A001.####.png", carphone_frames(count=2, size=(48, 64)))
    refused = excolor("colorize", elsewhere, tmp_path / "o2" / "A001.####.png", "--shots", cut, "--model",
                      lite_model_dir)
    assert refused.returncode == 2 and "no clip shows INPUT" in refused.stderr
    assert not (tmp_path / "o2").exists()
