"""Frame rates as people type them: every option that takes a rate (`colorize --fps`,
`colorize --edl-rate`, `farm --edl-rate`) reads 23.976, 29.97, 59.94, 47.952 and 119.88 as the
NTSC rates they stand for (24000/1001 ...), and a video written with `--fps 23.976` runs at
24000/1001. A rate that would be ignored is refused: --fps with a video INPUT (whose rate is
kept) or an image-sequence OUTPUT, --edl-rate without an EDL."""
import json
from fractions import Fraction

import av
import pytest
from excolor.cli import build_parser

from tests.support.batch import CARPHONE, CARPHONE_REFERENCE, excolor

TYPED = [
    ("23.976", Fraction(24000, 1001)),
    ("23.98", Fraction(24000, 1001)),
    ("24000/1001", Fraction(24000, 1001)),
    ("29.97", Fraction(30000, 1001)),
    ("47.952", Fraction(48000, 1001)),
    ("59.94", Fraction(60000, 1001)),
    ("119.88", Fraction(120000, 1001)),
    ("25", Fraction(25)),
    ("12.5", Fraction(25, 2)),
    # Decimals that are no NTSC rate to their places mean themselves.
    ("29.976", Fraction(3747, 125)),
    ("59.9", Fraction(599, 10)),
]


@pytest.mark.parametrize("typed, rate", TYPED)
def test_every_rate_option_reads_a_rate_alike(typed, rate):
    parse = build_parser().parse_args
    colorize = parse(["colorize", "in.####.exr", "out.mov", "--shots", "cut.edl", "--fps", typed,
                      "--edl-rate", typed])
    farm = parse(["farm", "openjd", "in.####.exr", "out.####.exr", "--shots", "cut.edl", "--chunk", "8",
                  "--edl-rate", typed])
    assert colorize.fps == colorize.edl_rate == farm.edl_rate == rate
    assert all(isinstance(value, Fraction) for value in (colorize.fps, colorize.edl_rate, farm.edl_rate))


def test_fps_23_976_writes_a_24000_1001_video(tmp_path, plate, lite_model_dir):
    result = excolor("colorize", plate[0], tmp_path / "out.mp4", "--reference", plate[1], "--fps", "23.976",
                     "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    with av.open(str(tmp_path / "out.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == Fraction(24000, 1001) and stream.frames == 4


def test_fps_with_a_video_input_is_refused(tmp_path):
    result = excolor("colorize", CARPHONE, tmp_path / "out" / "carphone.mp4", "--reference", CARPHONE_REFERENCE,
                     "--fps", "25")
    assert result.returncode == 2, result.stderr
    assert (f"--fps 25: INPUT {CARPHONE} is a video, whose frame rate and timestamps OUTPUT keeps (excolor "
            "does not retime)") in result.stderr
    assert not (tmp_path / "out").exists()


def test_fps_with_an_image_sequence_output_is_refused(tmp_path, plate):
    result = excolor("colorize", plate[0], tmp_path / "out" / "c.####.png", "--reference", plate[1],
                     "--fps", "29.97")
    assert result.returncode == 2, result.stderr
    assert "--fps 29.97 (30000/1001): OUTPUT" in result.stderr and "is an image sequence" in result.stderr
    assert not (tmp_path / "out").exists()


def test_edl_rate_without_an_edl_is_refused(tmp_path, plate):
    shots = tmp_path / "SHOTS.json"
    shots.write_text(json.dumps({"shots": [{"start": 1001, "end": 1004, "reference": str(plate[1])}]}))
    for given, words in ((("--shots", shots), f"SHOTS {shots} is not an EDL"),
                         (("--reference", plate[1]), "there is no --shots")):
        result = excolor("colorize", plate[0], tmp_path / "out" / "c.####.png", *given, "--edl-rate", "25")
        assert result.returncode == 2, result.stderr
        assert f"--edl-rate 25: the rate of a CMX 3600 EDL's timecode (--shots CUT.edl), and {words}" in result.stderr
        assert not (tmp_path / "out").exists()
