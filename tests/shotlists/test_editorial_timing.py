"""EDL timecode at the right rate and, for a video INPUT, counted from the video's own start
timecode: a real CMX 3600 EDL read by OpenTimelineIO's adapter, and real QuickTime files made
with PyAV (one with a timecode track starting at 01:00:00:00, one without)."""
from fractions import Fraction

import pytest
from excolor.errors import UsageError
from excolor.shotlists.editorial import read_timeline_shots
from excolor.shotlists.timecode import video_timing

from tests.shotlists.footage import timecoded_video

EDL_25 = """TITLE: reel1
FCM: NON-DROP FRAME

001  AX       V     C        00:00:40:01 00:00:40:13 01:00:00:00 01:00:00:12
* FROM CLIP NAME: shot010
"""
EDL_TIMECODE = """TITLE: reel1
FCM: NON-DROP FRAME

001  AX       V     C        01:00:00:01 01:00:00:11 01:00:10:00 01:00:10:10
* FROM CLIP NAME: shot010
* LOC: 01:00:10:05 YELLOW excolor: key.png
002  AX       V     C        01:00:00:20 01:00:01:05 01:00:10:10 01:00:10:20
* FROM CLIP NAME: shot020
"""


def _frames(data):
    return [(shot["start"], shot["end"]) for shot in data["shots"]]


def test_edl_rate_from_the_flag_or_the_video(tmp_path):
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL_25)
    # 00:00:40:01 is frame 1001 at 25 fps (961 at the 24 fps default); the out point is exclusive.
    assert _frames(read_timeline_shots(edl, edl_rate=25)) == [(1001, 1012)]
    assert _frames(read_timeline_shots(edl)) == [(961, 972)]
    # A 25 fps video without a timecode: its rate, frames counted from 00:00:00:00.
    video = timecoded_video(tmp_path / "plain.mov", 25, frames=5)
    assert video_timing(video).rate == 25 and video_timing(video).start_frame == 0
    assert _frames(read_timeline_shots(edl, media=video)) == [(1001, 1012)]
    # An image sequence has no timing of its own: the flag (or 24).
    assert video_timing(tmp_path / "plate.####.exr") is None
    assert _frames(read_timeline_shots(edl, edl_rate=25, media=tmp_path / "plate.####.exr")) == [(1001, 1012)]


def test_video_start_timecode_maps_source_timecode_to_frames(tmp_path):
    video = timecoded_video(tmp_path / "reel1.mov", 25, timecode="01:00:00:00")
    timing = video_timing(video)
    assert (timing.rate, timing.timecode, timing.start_frame) == (25, "01:00:00:00", 90000)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL_TIMECODE)
    data = read_timeline_shots(edl, media=video)
    # 01:00:00:01 is the video's frame 1; 01:00:00:20 its frame 20.
    assert _frames(data) == [(1, 10), (20, 29)]
    # The LOC's record time 01:00:10:05 is 5 frames into clip 1, whose source starts at frame 1.
    assert data["shots"][0]["reference"] == [{"image": "key.png", "frame": 6}]
    # Read without the video, the same EDL names frames 90001-90010: what colorize would refuse.
    assert _frames(read_timeline_shots(edl, edl_rate=25))[0] == (90001, 90010)


def test_timing_errors_name_the_clip_and_the_rate(tmp_path):
    video = timecoded_video(tmp_path / "reel1.mov", 25, timecode="01:00:00:10", frames=5)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL_TIMECODE)
    with pytest.raises(UsageError, match=r"clip 1 'shot010': source timecode 01:00:00:01 is before the start "
                                         r"timecode of INPUT .*reel1.mov \(01:00:00:10\)"):
        read_timeline_shots(edl, media=video)
    with pytest.raises(UsageError, match=r"--edl-rate 24: INPUT .*reel1.mov runs at 25 fps"):
        read_timeline_shots(edl, edl_rate=24, media=video)


def test_ntsc_rates_are_read_exactly(tmp_path):
    """An EDL at 24000/1001 (what --edl-rate 23.976 means): OpenTimelineIO has SMPTE timecode at
    that rate, and not at 2997/125 (23.976 read as a decimal) nor at any 119.88."""
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL_TIMECODE.split("002")[0])  # clip 1: source 01:00:00:01-01:00:00:11
    assert _frames(read_timeline_shots(edl, edl_rate=Fraction(24000, 1001))) == [(86401, 86410)]
    with pytest.raises(UsageError, match=r"--edl-rate 119.88 \(120000/1001\): no SMPTE timecode runs at this "
                                         r"rate; an EDL's timecode is read at 23.976, 24, 25, 29.97"):
        read_timeline_shots(edl, edl_rate=Fraction(120000, 1001))
    # A video at 24000/1001 (its frames counted from its start timecode), and one whose rate was
    # stored as the decimal 2997/125: both run on 23.976 timecode.
    for rate in (Fraction(24000, 1001), Fraction(2997, 125)):
        video = timecoded_video(tmp_path / f"{rate.denominator}.mov", rate, timecode="01:00:00:00", frames=30)
        timing = video_timing(video)
        assert (timing.rate, timing.start_frame) == (rate, 86400)
        assert _frames(read_timeline_shots(edl, media=video)) == [(1, 10)]
    assert _frames(read_timeline_shots(edl, edl_rate=Fraction(24000, 1001), media=video)) == [(1, 10)]
    with pytest.raises(UsageError, match=r"--edl-rate 25: INPUT .*125.mov runs at 2997/125 fps"):
        read_timeline_shots(edl, edl_rate=25, media=video)
