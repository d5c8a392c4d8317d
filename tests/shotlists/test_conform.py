"""The way back to the editing system: `excolor shots -o` writes a video's ranges in its own
timecode, and `excolor conform` writes the cut with INPUT's clips showing the colorized OUTPUT
(timeline in -> colorize -> timeline out -> read back: the same cuts, new media)."""
import json

import opentimelineio as otio
import pytest
from excolor.shotlists.editorial import read_timeline_shots

from tests.shotlists.footage import timecoded_video
from tests.shotlists.test_media_timecode import reels
from tests.support.batch import carphone_frames, excolor, write_reference, write_sequence


def cuts(path):
    """Every item of every track as (track, kind, name, source range, marker names)."""
    timeline = otio.adapters.read_from_file(str(path))
    return [(track.name, type(item).__name__, item.name, item.source_range,
             [m.name for m in getattr(item, "markers", ())]) for track in timeline.tracks for item in track]


def test_shots_writes_a_video_in_its_timecode(tmp_path):
    video = timecoded_video(tmp_path / "A001_C003.mov", 25, "01:00:00:00")
    done = excolor("shots", video, "-o", tmp_path / "S.otio", "--frames", "5-14")
    assert done.returncode == 0, done.stderr
    (clip,) = otio.adapters.read_from_file(str(tmp_path / "S.otio")).find_clips()
    assert otio.opentime.to_timecode(clip.source_range.start_time) == "01:00:00:05"
    assert (clip.source_range.start_time.value, clip.source_range.duration.value) == (90005, 10)
    available = clip.media_reference.available_range
    assert (available.start_time.value, available.duration.value, available.start_time.rate) == (90000, 30, 25)
    assert read_timeline_shots(tmp_path / "S.otio", media=video)["shots"][0]["start"] == 5


def relinked_sequence(clip):
    media = clip.media_reference
    assert isinstance(media, otio.schema.ImageSequenceReference)
    return media


@pytest.mark.slow
def test_round_trip_through_colorize(tmp_path, lite_model_dir):
    cut, video = reels(tmp_path)
    output = tmp_path / "out" / "A001.####.png"
    done = excolor("colorize", video, output, "--shots", cut, "--model", lite_model_dir)
    assert done.returncode == 0, done.stderr
    conformed = tmp_path / "edit" / "reel1_colour.otio"
    done = excolor("conform", video, output, "--shots", cut, "-o", conformed)
    assert done.returncode == 0, done.stderr
    assert "clip 2 'B002 close' (B002_C001.mov)" in done.stderr
    # The same cuts: tracks, gap, clip names, source ranges (in the video's timecode), markers.
    assert cuts(conformed) == cuts(cut)
    wide, _b002, end = otio.adapters.read_from_file(str(conformed)).find_clips(
        search_range=None, shallow_search=False)[:3]
    # New media: the colorized frames 10-29, an image sequence whose frame 10 is 01:00:00:10.
    media = relinked_sequence(wide)
    assert media.target_url_base == (tmp_path / "out").resolve().as_uri() + "/"
    assert (media.start_frame, media.rate, media.frame_zero_padding) == (10, 25, 4)
    assert (media.available_range.start_time.value, media.available_range.duration.value) == (90010, 20)
    frames = [media.target_url_for_image_number(n) for n in range(media.number_of_images_in_sequence())]
    assert frames[0].endswith("/out/A001.0010.png") and frames[-1].endswith("/out/A001.0029.png")
    assert wide.media_references()["excolor_input"].target_url == "file:///Volumes/EDIT/media/A001_C003.mov"
    assert relinked_sequence(end).available_range == media.available_range
    b002 = [c for c in otio.adapters.read_from_file(str(conformed)).find_clips() if c.name == "B002 close"][0]
    assert b002.media_reference.target_url.endswith("B002_C001.mov") and "excolor_input" not in b002.media_references()
    # Read back with OUTPUT as the media: the shots colorize rendered.
    assert read_timeline_shots(conformed, media=output) == read_timeline_shots(cut, media=video)


@pytest.mark.slow
def test_conform_a_video_output_and_a_shot_list(tmp_path, lite_model_dir):
    """A video OUTPUT carries INPUT's timecode: its clip ranges stay; a SHOTS.json becomes the
    timeline `excolor shots -o` writes, its clips showing OUTPUT."""
    video = timecoded_video(tmp_path / "A001_C003.mov", 25, "01:00:00:00", frames=12)
    write_reference(tmp_path / "key.png", carphone_frames(count=1, size=(48, 64))[0])
    (tmp_path / "S.json").write_text(json.dumps({"shots": [{"start": 2, "end": 7, "reference": "key.png"},
                                                           {"start": 8, "end": 11, "reference": "key.png"}]}))
    output = tmp_path / "out" / "A001_colour.mov"
    done = excolor("colorize", video, output, "--shots", tmp_path / "S.json", "--model", lite_model_dir,
                   "--frames", "2-11")
    assert done.returncode == 0, done.stderr
    done = excolor("conform", video, output, "--shots", tmp_path / "S.json", "-o", tmp_path / "c.otio")
    assert done.returncode == 0, done.stderr
    clips = list(otio.adapters.read_from_file(str(tmp_path / "c.otio")).find_clips())
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in clips] == [(90002, 6), (90008, 4)]
    media = clips[0].media_reference
    assert media.target_url == output.resolve().as_uri()
    # OUTPUT's frame 0 is INPUT's frame 2, at 01:00:00:02 (colorize moved the timecode there).
    assert (media.available_range.start_time.value, media.available_range.duration.value) == (90002, 10)
    # Read back with OUTPUT as the media, shot 2 (INPUT's frames 8-11) is OUTPUT's frames 6-9.
    assert [(s["start"], s["end"]) for s in read_timeline_shots(tmp_path / "c.otio", media=output)["shots"]] == \
        [(0, 5), (6, 9)]


def test_paths_conform_refuses(tmp_path):
    """-o is never an input (even with --overwrite), an existing file only with --overwrite, and a
    refused command creates nothing."""
    video = timecoded_video(tmp_path / "A001_C003.mov", 25, "01:00:00:00", frames=10)
    write_reference(tmp_path / "key.png", carphone_frames(count=1, size=(48, 64))[0])
    cut = tmp_path / "S.json"
    cut.write_text(json.dumps({"shots": [{"start": 0, "end": 9, "reference": "key.png"}]}))
    output = write_sequence(tmp_path / "out" / "c.####.png", carphone_frames(count=10, size=(48, 64)), first=0)
    before = cut.read_bytes()
    for target, what in ((cut, "the shot list"), (tmp_path / "key.png", "a reference image"),
                         (tmp_path / "out" / "c.0003.png", "a frame of OUTPUT")):
        refused = excolor("conform", video, output, "--shots", cut, "-o", target, "--overwrite")
        assert refused.returncode in (2, 5), refused.stderr
    refused = excolor("conform", video, output, "--shots", cut, "-o", cut.with_suffix(".otio").with_name("S.json.otio"))
    assert refused.returncode == 0, refused.stderr
    refused = excolor("conform", video, output, "--shots", cut, "-o", tmp_path / "S.json.otio")
    assert refused.returncode == 5 and "exists and was not written by this command" in refused.stderr
    assert excolor("conform", video, output, "--shots", cut, "-o", tmp_path / "S.json.otio",
                   "--overwrite").returncode == 0
    (tmp_path / "out" / "c.0004.png").unlink()
    refused = excolor("conform", video, output, "--shots", cut, "-o", tmp_path / "new" / "c.otio")
    assert refused.returncode == 3 and "needs frames 4, which are not on disk" in refused.stderr
    assert not (tmp_path / "new").exists() and cut.read_bytes() == before
    refused = excolor("conform", video, output, "--shots", cut, "-o", tmp_path / "c.edl")
    assert refused.returncode == 2 and "writes an OpenTimelineIO timeline (.otio)" in refused.stderr
