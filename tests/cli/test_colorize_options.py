"""Every option of `excolor colorize` is checked before the first frame renders: exit 2 naming
the option, no traceback, nothing written. A video OUTPUT's encoder settings are tried on one
frame of the plate's size with the render's own writer (excolor.render.encoder.check_encoder)."""
from fractions import Fraction

import av
import pytest

from tests.support.batch import carphone_frames, excolor, write_sequence


@pytest.fixture()
def odd_plate(tmp_path):
    """A real 87x71 plate: both sides odd."""
    frames = [f[:71, :87] for f in carphone_frames(count=2)]
    return write_sequence(tmp_path / "odd" / "o.####.png", frames, first=1)


@pytest.mark.parametrize("extra, words", [
    (("--fps", "-5"), "argument --fps: -5: a frame rate is above 0 and at most 1000"),
    (("--fps", "nan"), "argument --fps: 'nan' is not a frame rate"),
    (("--fps", "1e12"), "argument --fps: '1e12' is not a frame rate: give a whole number (25), a decimal"),
    (("--fps", "1001"), "argument --fps: 1001: a frame rate is above 0 and at most 1000"),
    (("--fps", "0"), "argument --fps: 0: a frame rate is above 0"),
    (("--fps", "24/0"), "argument --fps: 24/0: a frame rate is above 0"),
    (("--crf", "999"), "--crf 999: libx264 takes 0 (best) to 51"),
    (("--codec", "png", "--pix-fmt", "yuv420p"), "--pix-fmt yuv420p: png encodes rgb24"),
    (("--codec", "prores_ks", "--pix-fmt", "yuv420p"), "--pix-fmt yuv420p: prores_ks encodes yuv422p10le"),
    (("--codec", "no-such-codec"), "--codec no-such-codec: not a video encoder"),
    (("--codec", "aac"), "--codec aac: the encoder refuses this 88x72 plate for OUTPUT out.mp4 (aac is not a "
                         "video encoder)"),
    (("--network-size", "0"), "--network-size 0: must be a positive number"),
    (("--saturation", "nan"), "--saturation nan: must be a number in 0..4"),
    (("--reference-frame", "first"), "argument --reference-frame: 'first' is not auto, none or a frame number"),
    (("--reference-frame", "999"), "--reference-frame 999 is outside frames 1001-1004"),
])
def test_bad_option_values(tmp_path, plate, lite_model_dir, extra, words):
    result = excolor("colorize", plate[0], tmp_path / "out" / "out.mp4", "--reference", plate[1],
                     "--model", lite_model_dir, *extra)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_reference_frame_goes_with_one_reference(tmp_path, plate, lite_model_dir):
    shots = tmp_path / "SHOTS.json"
    shots.write_text(f'{{"shots": [{{"start": 1001, "end": 1004, "reference": "{plate[1]}"}}]}}')
    result = excolor("colorize", plate[0], tmp_path / "out" / "o.####.png", "--shots", shots,
                     "--reference-frame", "none", "--model", lite_model_dir)
    assert result.returncode == 2 and "--reference-frame goes with --reference" in result.stderr
    assert '"reference_frame"' in result.stderr and not (tmp_path / "out").exists()


def test_codec_the_container_cannot_hold(tmp_path, plate, lite_model_dir):
    result = excolor("colorize", plate[0], tmp_path / "out.webm", "--reference", plate[1],
                     "--codec", "libx264", "--model", lite_model_dir)
    assert result.returncode == 2, result.stderr
    assert "--codec libx264: a .webm file cannot hold libx264 video; for .webm give --codec libvpx-vp9" in result.stderr
    assert "excolor-encoder-check" not in result.stderr and not (tmp_path / "out.webm").exists()


def test_odd_plate_with_4_2_0(tmp_path, odd_plate, plate, lite_model_dir):
    result = excolor("colorize", odd_plate, tmp_path / "out.mp4", "--reference", plate[1],
                     "--pix-fmt", "yuv420p", "--model", lite_model_dir)
    assert result.returncode == 2, result.stderr
    assert "--codec libx264 with --pix-fmt yuv420p" in result.stderr and "87x71" in result.stderr
    assert "try yuv444p" in result.stderr and not (tmp_path / "out.mp4").exists()


def test_fractional_rate_is_kept_exactly(tmp_path, plate, lite_model_dir):
    result = excolor("colorize", plate[0], tmp_path / "out.mp4", "--reference", plate[1],
                     "--fps", "24000/1001", "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    with av.open(str(tmp_path / "out.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == Fraction(24000, 1001)
        assert stream.frames == 4
