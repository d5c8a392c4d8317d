"""A video OUTPUT's frame times through the real `excolor colorize`: an AVI holds the clip's
frames at its rate (not one frame per tick of a finer time base), and a variable-rate clip's
frames keep their own times in the containers that hold them, and are refused, before
rendering, for those that do not."""
import fractions

import av
import numpy as np
import pytest

from tests.support.batch import carphone_frames, excolor, write_reference

# A phone clip's uneven frame times, in milliseconds.
UNEVEN_MS = (0, 20, 70, 103, 203, 250, 290, 400, 420, 500, 530, 600, 640, 700, 760, 800, 870, 900, 960, 1000)


def make_gray_video(path, times_ms=None, count=20, size=(160, 120), rate=24):
    """A gray H.264 video of carphone frames: at `rate`, or at `times_ms` (variable rate)."""
    frames = carphone_frames(count=count, size=(size[1], size[0]))
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=rate)
    stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
    if times_ms is not None:
        stream.time_base = stream.codec_context.time_base = fractions.Fraction(1, 1000)
    for n, frame in enumerate(frames):
        gray = np.repeat(frame.mean(axis=2, keepdims=True), 3, axis=2)
        image = av.VideoFrame.from_ndarray((gray * 255).round().astype(np.uint8), format="rgb24")
        image = image.reformat(format="yuv420p")
        image.pts = n if times_ms is None else times_ms[n]
        if times_ms is not None:
            image.time_base = fractions.Fraction(1, 1000)
        container.mux(stream.encode(image))
    container.mux(stream.encode(None))
    container.close()
    return path


def frame_times(path):
    """(time base, average rate, frame count the header declares, each decoded frame's time in s)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(frame.pts * frame.time_base) for frame in container.decode(stream)]
        return stream.time_base, stream.average_rate, stream.frames, times


def colorize(source, output, model, *extra):
    reference = source.parent / "key.png"
    if not reference.exists():
        write_reference(reference, carphone_frames(count=1, size=(120, 160))[0])
    return excolor("colorize", source, output, "--reference", reference, "--model", model, "-q", *extra)


def test_an_avi_holds_the_clips_frames_at_its_rate(tmp_path, lite_model_dir):
    source = make_gray_video(tmp_path / "clip.mp4")
    result = colorize(source, tmp_path / "out.avi", lite_model_dir)
    assert result.returncode == 0, result.stderr
    time_base, rate, declared, times = frame_times(tmp_path / "out.avi")
    assert (time_base, rate, declared, len(times)) == (fractions.Fraction(1, 24), 24, 20, 20)
    assert np.allclose(np.diff(sorted(times)), 1 / 24)  # an AVI's B-frames come out by decode time


@pytest.mark.parametrize("container", ["mp4", "mkv"])
def test_a_variable_rate_clip_keeps_each_frames_time(tmp_path, lite_model_dir, container):
    source = make_gray_video(tmp_path / "phone.mp4", UNEVEN_MS)
    out = tmp_path / f"out.{container}"
    result = colorize(source, out, lite_model_dir)
    assert result.returncode == 0, result.stderr
    kept = frame_times(out)[3]
    assert np.allclose(kept, np.array(UNEVEN_MS) / 1000, atol=5e-4), kept
    rerun = colorize(source, tmp_path / f"again.{container}", lite_model_dir)
    assert rerun.returncode == 0, rerun.stderr


@pytest.mark.parametrize("container", ["avi", "mxf"])
def test_a_variable_rate_clip_is_refused_for_a_steady_rate_container_before_rendering(tmp_path, lite_model_dir,
                                                                                       container):
    source = make_gray_video(tmp_path / "phone.mp4", UNEVEN_MS)
    out = tmp_path / f"out.{container}"
    result = colorize(source, out, lite_model_dir, *(("--codec", "mpeg2video") if container == "mxf" else ()))
    assert result.returncode == 2, result.stderr
    assert "variable frame rate (frame 0 at 0.000 s, frame 1 at 0.020 s" in result.stderr
    assert ".mp4, .mov, .mkv" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not (tmp_path / ".excolor").exists()
