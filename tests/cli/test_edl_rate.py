"""`--shots CUT.edl --edl-rate RATE` end to end: a real CMX 3600 EDL read at the rate given,
over an image sequence (25 fps) and over a 24000/1001 QuickTime made here with PyAV (timecode
from 01:00:00:00, the rate typed as 23.976), rendered by `excolor colorize` and by a chunk of
an `excolor farm openjd` job run by `openjd run`, whose frames equal colorize's."""
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import yaml

from tests.support.batch import carphone_frames, excolor, files_of, write_reference, write_sequence
from tests.support.farm import frames_bytes

OPENJD = str(Path(sys.executable).parent / "openjd")
NTSC_FILM = Fraction(24000, 1001)

# Source 00:00:40:01-00:00:40:07 (out exclusive): frames 1001-1006 at 25 fps, 961-966 at the
# default 24, which the plate does not have. The LOC pins key.png to the clip's first frame.
EDL_25 = """TITLE: reel1
FCM: NON-DROP FRAME

001  AX       V     C        00:00:40:01 00:00:40:07 01:00:00:00 01:00:00:06
* FROM CLIP NAME: shot010
* LOC: 01:00:00:00 YELLOW excolor: key.png
"""
# Source 01:00:00:02-01:00:00:08 of a video whose timecode starts at 01:00:00:00: its frames 2-7.
EDL_NTSC = """TITLE: reel2
FCM: NON-DROP FRAME

001  AX       V     C        01:00:00:02 01:00:00:08 01:00:10:00 01:00:10:06
* FROM CLIP NAME: shot020
* LOC: 01:00:10:00 YELLOW excolor: key.png
"""


def _quicktime(path, frames, rate, timecode):
    """A real H.264 QuickTime of `frames` ((H,W,3) float 0..1) at `rate`, with a timecode track."""
    with av.open(str(path), "w") as container:
        container.metadata["timecode"] = timecode  # FFmpeg's QuickTime muxer: a tmcd track
        stream = container.add_stream("libx264", rate=rate)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for frame in frames:
            image = np.clip(np.rint(frame * 255), 0, 255).astype(np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
    return path


@pytest.fixture(scope="module")
def sequence_cut(tmp_path_factory):
    """(INPUT, EDL, --edl-rate, frames the clip names): a plate of frames 1001-1006 cut at 25 fps."""
    folder = tmp_path_factory.mktemp("edl_sequence")
    frames = carphone_frames(count=6)
    pattern = write_sequence(folder / "plate.####.png", frames, first=1001)
    write_reference(folder / "key.png", frames[0])
    (folder / "cut.edl").write_text(EDL_25)
    return pattern, folder / "cut.edl", "25", (1001, 1006)


@pytest.fixture(scope="module")
def video_cut(tmp_path_factory):
    """(INPUT, EDL, --edl-rate, frames the clip names): a 24000/1001 video of 8 frames, 0-7."""
    folder = tmp_path_factory.mktemp("edl_video")
    frames = carphone_frames(count=8)
    video = _quicktime(folder / "reel2.mov", frames, NTSC_FILM, "01:00:00:00")
    with av.open(str(video)) as container:
        assert container.streams.video[0].average_rate == NTSC_FILM
    write_reference(folder / "key.png", frames[2])
    (folder / "cut.edl").write_text(EDL_NTSC)
    return str(video), folder / "cut.edl", "23.976", (2, 7)


def _colorize(cut, out, model):
    source, edl, rate, _frames = cut
    return excolor("colorize", source, out / "c.####.png", "--shots", edl, "--edl-rate", rate, "--model", model)


@pytest.mark.parametrize("cut", ["sequence_cut", "video_cut"])
def test_colorize_reads_the_edl_at_the_rate_given(cut, request, tmp_path, lite_model_dir):
    cut = request.getfixturevalue(cut)
    first, last = cut[3]
    result = _colorize(cut, tmp_path / "out", lite_model_dir)
    assert result.returncode == 0, result.stderr
    # The clip's frames, and only those: at 24 fps the sequence's cut would name frames 961-966.
    assert files_of(tmp_path / "out") == [f"c.{n:04d}.png" for n in range(first, last + 1)]


def test_an_edl_rate_other_than_the_videos_is_refused(video_cut, tmp_path, lite_model_dir):
    video, edl, _rate, _frames = video_cut
    result = excolor("colorize", video, tmp_path / "out" / "c.####.png", "--shots", edl, "--edl-rate", "25",
                     "--model", lite_model_dir)
    assert result.returncode == 2, result.stderr
    assert f"--edl-rate 25: INPUT {video} runs at 23.976 (24000/1001) fps" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.parametrize("cut", ["sequence_cut", "video_cut"])
def test_a_farm_chunk_reads_the_edl_at_the_rate_given(cut, request, tmp_path, lite_model_dir):
    cut = request.getfixturevalue(cut)
    source, edl, rate, (first, last) = cut
    one_go = _colorize(cut, tmp_path / "one_go", lite_model_dir)
    assert one_go.returncode == 0, one_go.stderr
    job = tmp_path / "job.yaml"
    made = excolor("farm", "openjd", source, tmp_path / "out" / "c.####.png", "--shots", edl, "--edl-rate", rate,
                   "--chunk", "3", "--model", lite_model_dir, "-o", job)
    assert made.returncode == 0, made.stderr
    steps = yaml.safe_load(job.read_text())["steps"]
    assert [step["name"] for step in steps] == ["shot001-fwd-1", "shot001-fwd-2", "cleanup"]
    args = steps[0]["script"]["actions"]["onRun"]["args"]
    assert args[-6:] == ["--frames", f"{first}-{last}", "--direction", "forward", "--chunk-of", "1:{{Param.ChunkSize}}"]
    # The rate as typed travels as the exact rate it means.
    assert args[args.index("--edl-rate") + 1] == ("25" if rate == "25" else "24000/1001")
    run = subprocess.run([OPENJD, "run", str(job), "-p", f"file://{tmp_path / 'job.params.json'}",
                          "--step", steps[0]["name"], "--no-run-dependencies"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    written = frames_bytes(tmp_path / "out")
    assert sorted(written) == [f"c.{n:04d}.png" for n in range(first, first + 3)]
    expected = frames_bytes(tmp_path / "one_go")
    assert written == {name: expected[name] for name in written}
