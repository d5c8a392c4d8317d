"""Editorial cut lists as shot lists: OTIO timelines and CMX 3600 EDLs through OpenTimelineIO
(its real readers and writers), round trips with SHOTS.json, and errors that name the clip."""
import json

import opentimelineio as otio
import pytest
from excolor.errors import UsageError
from excolor.shotlists.editorial import read_timeline_shots
from excolor.shotlists.timeline_writing import write_timeline
from excolor.shotlists.entries import load_shot_list

from tests.support.batch import CARPHONE, carphone_frames, excolor, files_of, write_reference, write_sequence

SHOTS = {"shots": [
    {"start": 1001, "end": 1010, "reference": "keys/a.png", "name": "car"},
    {"start": 1011, "end": 1030, "reference": [{"image": "keys/b.png", "frame": 1012},
                                               {"image": "keys/c.png", "frame": 1025}]},
    {"start": 1031, "end": 1040, "reference": [{"image": "keys/d.png"}, {"image": "keys/e.png", "frame": 1036}]},
]}


def entries_as_data(entries):
    # An unnamed shot becomes clip "shot N" in a timeline (editorial tools show clip names).
    return [(e.first, e.last, tuple((p.resolve(), f) for p, f in e.keyframes), e.name or f"shot {e.number}")
            for e in entries]


def test_shots_json_to_otio_and_back(tmp_path):
    (tmp_path / "SHOTS.json").write_text(json.dumps(SHOTS))
    from_json = load_shot_list(tmp_path / "SHOTS.json")
    (tmp_path / "edit").mkdir()
    timeline_path = tmp_path / "edit" / "cut.otio"
    write_timeline(timeline_path, [(e.first, e.last, e.keyframes, e.name) for e in from_json], rate=25)
    # A real OTIO file: pinned keyframes are markers at their frames, names are clip names.
    timeline = otio.adapters.read_from_file(str(timeline_path))
    clips = list(timeline.find_clips())
    assert [c.name for c in clips] == ["car", "shot 2", "shot 3"]
    assert clips[1].source_range.start_time.value == 1011 and clips[1].source_range.duration.value == 20
    assert [m.marked_range.start_time.value for m in clips[1].markers] == [1012, 1025]
    assert clips[1].markers[0].name == "excolor: ../keys/b.png"
    from_otio = load_shot_list(timeline_path)
    assert entries_as_data(from_otio) == entries_as_data(from_json)
    # ... and back to SHOTS.json: the timeline's shots, written as JSON, load the same.
    (tmp_path / "edit" / "again.json").write_text(json.dumps(read_timeline_shots(timeline_path)))
    assert entries_as_data(load_shot_list(tmp_path / "edit" / "again.json")) == entries_as_data(from_json)


EDL = """TITLE: reel 1
FCM: NON-DROP FRAME

001  AX       V     C        00:00:41:17 00:00:42:03 01:00:00:00 01:00:00:10
* FROM CLIP NAME: car wide
* LOC: 01:00:00:00 YELLOW excolor: keys/a.png
002  AX       V     C        00:00:42:03 00:00:43:03 01:00:00:10 01:00:01:10
* FROM CLIP NAME: car close
* LOC: 01:00:00:12 RED    excolor: keys/b.png
* LOC: 01:00:01:05 GREEN  excolor: keys/c.png
* LOC: 01:00:01:06 BLUE   NOTE FOR GRADING
003  AX       V     C        00:00:43:03 00:00:43:13 01:00:01:10 01:00:01:20
* FROM CLIP NAME: insert
"""


def test_edl_through_otio_cmx_adapter(tmp_path):
    """Source timecode 00:00:41:17 at 24 fps is frame 1001; LOC lines carry record timecode,
    mapped into each clip's source frames; a LOC without the prefix is not a reference."""
    path = tmp_path / "reel1.edl"
    path.write_text(EDL)
    data = read_timeline_shots(path)
    assert data == {"shots": [
        {"start": 1001, "end": 1010, "name": "car wide", "reference": [{"image": "keys/a.png", "frame": 1001}]},
        {"start": 1011, "end": 1034, "name": "car close",
         "reference": [{"image": "keys/b.png", "frame": 1013}, {"image": "keys/c.png", "frame": 1030}]},
        {"start": 1035, "end": 1044, "name": "insert", "reference": None},
    ]}
    with pytest.raises(UsageError, match=r"shot 3 'insert' \(frames 1035-1044\): reference is a placeholder"):
        load_shot_list(path)


def test_shots_command_writes_otio_and_colorize_reads_it(tmp_path, lite_model_dir):
    """`excolor shots -o S.otio` writes a real timeline, its media OTIO's ImageSequenceReference
    (rate, first frame, padding); with its placeholder filled in (clip metadata), colorize renders
    exactly what the same SHOTS.json renders."""
    frames = carphone_frames(count=4)
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1)
    write_reference(tmp_path / "key.png", frames[0])
    result = excolor("shots", plate, "-o", tmp_path / "S.otio")
    assert result.returncode == 0, result.stderr
    timeline = otio.adapters.read_from_file(str(tmp_path / "S.otio"))
    (clip,) = timeline.find_clips()
    assert (clip.source_range.start_time.value, clip.source_range.duration.value) == (1, 4)
    media = clip.media_reference
    assert isinstance(media, otio.schema.ImageSequenceReference)
    assert (media.name_prefix, media.name_suffix, media.start_frame, media.frame_zero_padding, media.rate) == \
        ("p.", ".png", 1, 4, 24)
    assert media.target_url_base == (tmp_path / "in").resolve().as_uri() + "/"
    assert media.target_url_for_image_number(0).endswith("/in/p.0001.png")
    assert (media.available_range.start_time.value, media.available_range.duration.value) == (1, 4)
    assert clip.metadata["excolor"]["reference"] is None
    refused = excolor("colorize", plate, tmp_path / "o" / "p.####.png", "--shots", tmp_path / "S.otio")
    assert refused.returncode == 2 and "shot 1 'shot 1' (frames 1-4): reference is a placeholder" in refused.stderr
    clip.metadata["excolor"] = {"reference": "key.png"}
    otio.adapters.write_to_file(timeline, str(tmp_path / "S.otio"))
    (tmp_path / "S.json").write_text(json.dumps({"shots": [{"start": 1, "end": 4, "reference": "key.png"}]}))
    for shots, out in (("S.otio", "a"), ("S.json", "b")):
        done = excolor("colorize", plate, tmp_path / out / "p.####.png", "--shots", tmp_path / shots,
                       "--model", lite_model_dir)
        assert done.returncode == 0, done.stderr
    assert files_of(tmp_path / "a") == ["p.0001.png", "p.0002.png", "p.0003.png", "p.0004.png"]
    for name in files_of(tmp_path / "a"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_video_timeline_is_in_the_video_timecode(tmp_path):
    """A video without a timecode track: its ranges from 00:00:00:00 at its own rate (29.97),
    its media an ExternalReference holding all of it."""
    result = excolor("shots", CARPHONE, "-o", tmp_path / "S.otio", "--frames", "0-9")
    assert result.returncode == 0, result.stderr
    (clip,) = otio.adapters.read_from_file(str(tmp_path / "S.otio")).find_clips()
    assert clip.source_range.start_time.to_frames() == 0 and clip.source_range.duration.to_frames() == 10
    assert clip.source_range.start_time.rate == pytest.approx(30000 / 1001)
    assert clip.media_reference.target_url == CARPHONE.resolve().as_uri()
    assert clip.media_reference.available_range.start_time.value == 0
    assert clip.media_reference.available_range.duration.value > 10


def clip(name, start, count, **metadata):
    item = otio.schema.Clip(name=name, source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(start, 24), otio.opentime.RationalTime(count, 24)))
    item.metadata.update(metadata)
    return item


def write(path, *clips):
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    for item in clips:
        track.append(item)
    otio.adapters.write_to_file(otio.schema.Timeline(tracks=[track]), str(path))
    return path


def test_errors_name_the_clip(tmp_path):
    outside = clip("crane", 100, 10, excolor={"reference": "a.png"})
    outside.markers.append(otio.schema.Marker(name="excolor: b.png", marked_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(140, 24), otio.opentime.RationalTime(0, 24))))
    with pytest.raises(UsageError, match=r"clip 1 'crane': marker 'excolor: b.png' is at frame 140, "
                                         r"outside the clip's source range 100-109"):
        load_shot_list(write(tmp_path / "a.otio", outside))
    both = clip("dolly", 0, 10, excolor={"reference": [{"image": "a.png", "frame": 2}]})
    both.markers.append(otio.schema.Marker(name="excolor: b.png", marked_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(4, 24), otio.opentime.RationalTime(0, 24))))
    with pytest.raises(UsageError, match="clip 2 'dolly': references given both as markers and as a list"):
        load_shot_list(write(tmp_path / "b.otio", clip("ok", 20, 5, excolor={"reference": "a.png"}), both))
    with pytest.raises(UsageError, match="clip 1 'pan': unknown field.*refrence"):
        load_shot_list(write(tmp_path / "c.otio", clip("pan", 0, 5, excolor={"refrence": "a.png"})))
    no_range = otio.schema.Clip(name="orphan")
    with pytest.raises(UsageError, match="clip 1 'orphan': has no source range"):
        load_shot_list(write(tmp_path / "d.otio", no_range))
    overlap = write(tmp_path / "e.otio", clip("one", 0, 10, excolor={"reference": "a.png"}),
                    clip("two", 5, 10, excolor={"reference": "a.png"}))
    from excolor.shotlists.entries import check_shots

    with pytest.raises(UsageError, match=r"shot 1 'one' \(frames 0-9\) and shot 2 'two' \(frames 5-14\) overlap"):
        check_shots(load_shot_list(overlap), 0, 100)
    (tmp_path / "f.otio").write_text("{not json")
    from excolor.errors import InputError

    with pytest.raises(InputError, match="f.otio: not a readable OTIO timeline"):
        load_shot_list(tmp_path / "f.otio")
