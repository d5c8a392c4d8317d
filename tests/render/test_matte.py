"""`excolor colorize --matte`: the confidence matte written as its own sequence or as a channel of
OUTPUT's EXR files, through the real command on real footage (a PNG sequence and a real H.264
video made with PyAV): the values are the node's, resume re-renders a frame whose matte is gone,
farm chunks equal a one-go render, and bad values are refused with the documented exit codes."""
import shlex

import av
import numpy as np
import pytest
from excolor.cli import build_parser
from excolor.cli.farm import colorize_flags
from excolor.colour.management import input_kind_for_pixels
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.hosts.farm.plan import plan_job
from excolor.io import open_input, read_image

from tests.support.batch import carphone_frames, excolor, write_reference, write_sequence

FRAMES = 8


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """8 real frames as a PNG sequence (1001-1008), as a lossless H.264 video (0-7), and the true
    colour of the first one."""
    folder = tmp_path_factory.mktemp("clip")
    frames = carphone_frames(count=FRAMES)
    video = folder / "plate.mp4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 88, 72, "yuv444p"
        stream.options = {"crf": "0"}
        for frame in frames:
            pixels = np.rint(frame * 255).astype(np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(stream.encode())
    shots = folder / "SHOTS.json"  # farm chunks render parts of one shot: it needs a shot list
    shots.write_text('{"shots": [{"start": 1001, "end": 1008, "reference": "key.png"}]}')
    return {
        "pattern": write_sequence(folder / "plate.####.png", frames, first=1001),
        "video": video,
        "key": write_reference(folder / "key.png", frames[0]),
        "shots": shots,
    }


def colorize(clip, output, *more, source="pattern", colours="key", model):
    return excolor("colorize", clip[source], output, "--" + {"key": "reference"}.get(colours, colours),
                   clip[colours], "--model", model, "--state-every", "2", *more)


@pytest.fixture(scope="module")
def one_go(clip, tmp_path_factory, lite_model_dir):
    """EXR frames and an EXR matte sequence, rendered in one process."""
    out = tmp_path_factory.mktemp("one_go")
    result = colorize(clip, out / "c.####.exr", "--matte", out / "matte" / "m.####.exr", model=lite_model_dir)
    assert result.returncode == 0, result.stderr
    return out


def frame_path(pattern, frame):
    return pattern.parent / pattern.name.replace("####", f"{frame:04d}")


def read_bytes(pattern, frames):
    return {frame: frame_path(pattern, frame).read_bytes() for frame in frames}


def same_pixels(pattern_a, pattern_b, frames):
    """Frame by frame equal pixels (EXR headers hold their write time, so not their bytes)."""
    return all(np.array_equal(read_image(frame_path(pattern_a, f))[0], read_image(frame_path(pattern_b, f))[0])
               for f in frames)


def test_matte_sequence_holds_the_node_confidence(clip, one_go, lite_model_dir):
    reader = open_input(clip["pattern"])
    node = ColorizeNode(lite_model_dir, device="cpu", input_kind=input_kind_for_pixels(reader.pixel_format.dtype))
    node.source = reader.read
    node.shots = [Shot(1001, 1008, [Keyframe(clip["key"])])]
    for frame in range(1001, 1009):
        matte, fmt = read_image(one_go / "matte" / f"m.{frame}.exr")
        assert (fmt.dtype, fmt.channel_names) == ("half", ("Y",))
        assert matte.shape == (72, 88, 1)
        if frame in (1001, 1006):  # the node replays the run from its start for each frame asked
            expected = node.render_result(frame).confidence.astype(np.float16).astype(np.float32)
            assert np.array_equal(matte[..., 0], expected), f"frame {frame}"
        assert 0.0 <= matte.min() and matte.max() <= 1.0
    reader.close()


def test_channel_form_adds_the_matte_to_each_output_exr(clip, one_go, tmp_path, lite_model_dir):
    result = colorize(clip, tmp_path / "c.####.exr", "--matte", "channel", model=lite_model_dir)
    assert result.returncode == 0, result.stderr
    for frame in (1001, 1004, 1008):
        pixels, fmt = read_image(tmp_path / f"c.{frame}.exr")
        assert fmt.channel_names == ("R", "G", "B", "excolor.confidence")
        plain, _ = read_image(one_go / f"c.{frame}.exr")
        matte, _ = read_image(one_go / "matte" / f"m.{frame}.exr")
        assert np.array_equal(pixels[..., :3], plain)  # the colours do not depend on the matte
        assert np.array_equal(pixels[..., 3], matte[..., 0])
    assert not list(tmp_path.glob("m.*")), "the channel form writes no sequence of its own"


def test_channel_form_keeps_alpha_and_the_pixel_type(tmp_path, lite_model_dir):
    frames = carphone_frames(count=3)
    alpha = [np.full_like(f[..., :1], 0.25 * (n + 1)) for n, f in enumerate(frames)]
    plate = write_sequence(tmp_path / "in" / "p.####.exr", [np.concatenate([f, a], axis=2) for f, a in
                                                             zip(frames, alpha)], dtype="half",
                           channels=("R", "G", "B", "A"))
    key = write_reference(tmp_path / "key.png", frames[0])
    result = excolor("colorize", plate, tmp_path / "out" / "c.####.exr", "--reference", key, "--matte", "channel",
                     "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    for n in range(3):
        pixels, fmt = read_image(tmp_path / "out" / f"c.{1001 + n}.exr")
        assert (fmt.dtype, fmt.channel_names) == ("half", ("R", "G", "B", "A", "excolor.confidence"))
        assert np.all(pixels[..., 3] == np.float32(0.25 * (n + 1)))
        assert 0.0 <= pixels[..., 4].min() and pixels[..., 4].max() <= 1.0


def test_resume_renders_a_frame_whose_matte_was_deleted(clip, one_go, tmp_path, lite_model_dir):
    out = tmp_path / "out"
    args = (out / "c.####.exr", "--matte", out / "m.####.exr")
    assert colorize(clip, *args, model=lite_model_dir).returncode == 0
    (out / "m.1005.exr").unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in out.glob("*.exr")}
    rerun = colorize(clip, *args, model=lite_model_dir)
    assert rerun.returncode == 0, rerun.stderr
    assert "1 frame(s) written, 7 already done" in rerun.stderr
    assert {name: when for name, when in kept.items() if "1005" not in name} == {
        p.name: p.stat().st_mtime_ns for p in out.glob("*.exr") if "1005" not in p.name}, "others untouched"
    assert same_pixels(out / "m.####.exr", one_go / "matte" / "m.####.exr", range(1001, 1009))
    assert same_pixels(out / "c.####.exr", one_go / "c.####.exr", range(1001, 1009))
    again = colorize(clip, *args, model=lite_model_dir)
    assert "0 frame(s) written, 8 already done" in again.stderr


def test_chunks_equal_one_go_for_the_matte_too(clip, one_go, tmp_path, lite_model_dir):
    out = tmp_path / "out"
    for chunk in ("1001-1003", "1004-1006", "1007-1008"):
        result = colorize(clip, out / "c.####.exr", "--matte", out / "m.####.exr", "--frames", chunk,
                          colours="shots", model=lite_model_dir)
        assert result.returncode == 0, result.stderr
    frames = range(1001, 1009)
    assert same_pixels(out / "m.####.exr", one_go / "matte" / "m.####.exr", frames)
    assert same_pixels(out / "c.####.exr", one_go / "c.####.exr", frames)


def test_preroll_chunk_writes_only_its_frames_mattes(clip, tmp_path, lite_model_dir):
    result = colorize(clip, tmp_path / "c.####.exr", "--matte", tmp_path / "m.####.png", "--frames", "1005-1008",
                      "--preroll", "2", colours="shots", model=lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.glob("m.*.png")) == [f"m.{f}.png" for f in range(1005, 1009)]
    matte, fmt = read_image(tmp_path / "m.1005.png")
    assert (fmt.dtype, matte.shape) == ("uint16", (72, 88, 1))


def test_video_output_keeps_its_encode_when_only_a_matte_frame_is_missing(clip, tmp_path, lite_model_dir):
    video = tmp_path / "c.mp4"
    args = (video, "--matte", tmp_path / "m.####.png", "--crf", "0", "--pix-fmt", "yuv444p")
    first = colorize(clip, *args, source="video", model=lite_model_dir)
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in tmp_path.glob("m.*.png")) == [f"m.{f:04d}.png" for f in range(FRAMES)]
    encoded, mattes = video.read_bytes(), read_bytes(tmp_path / "m.####.png", range(FRAMES))
    (tmp_path / "m.0003.png").unlink()
    rerun = colorize(clip, *args, source="video", model=lite_model_dir)
    assert rerun.returncode == 0, rerun.stderr
    assert "1 frame(s) written" in rerun.stderr
    assert video.read_bytes() == encoded  # not encoded again
    assert read_bytes(tmp_path / "m.####.png", range(FRAMES)) == mattes
    assert "already complete" in colorize(clip, *args, source="video", model=lite_model_dir).stderr


def test_streamed_video_and_its_matte_sequence(clip, tmp_path, lite_model_dir):
    result = colorize(clip, tmp_path / "c.mp4", "--matte", tmp_path / "m.####.exr", "--stream",
                      source="video", model=lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert open_input(tmp_path / "c.mp4").last == FRAMES - 1
    assert sorted(p.name for p in tmp_path.glob("m.*.exr")) == [f"m.{f:04d}.exr" for f in range(FRAMES)]


def test_the_matte_setting_is_part_of_the_fingerprint(clip, tmp_path, lite_model_dir):
    out = tmp_path / "c.####.exr"
    assert colorize(clip, out, "--frames", "1001-1002", model=lite_model_dir).returncode == 0
    changed = colorize(clip, out, "--frames", "1001-1002", "--matte", "channel", model=lite_model_dir)
    assert changed.returncode == 6
    assert "matte added" in changed.stderr and "--overwrite" in changed.stderr


@pytest.mark.parametrize("output, matte, code, words", [
    ("c.####.png", "channel", 2, "--matte channel"),
    ("c.mp4", "channel", 2, "--matte channel"),
    ("c.####.exr", "m.####.jpg", 2, "--matte"),
    ("c.####.exr", "m.exr", 2, "frame field"),
    ("c.####.exr", "c.####.exr", 2, "--matte"),
])
def test_bad_matte_values_are_refused(clip, tmp_path, lite_model_dir, output, matte, code, words):
    result = colorize(clip, tmp_path / output, "--matte", tmp_path / matte if matte != "channel" else matte,
                      model=lite_model_dir)
    assert result.returncode == code, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir()), "a refused job writes nothing"


def test_a_matte_never_overwrites_an_input_frame(clip, tmp_path, lite_model_dir):
    before = read_bytes(clip["key"].parent / "plate.####.png", range(1001, 1009))
    result = colorize(clip, tmp_path / "c.####.exr", "--matte", clip["pattern"], model=lite_model_dir)
    assert result.returncode == 5 and "--matte" in result.stderr
    assert read_bytes(clip["key"].parent / "plate.####.png", range(1001, 1009)) == before


def test_farm_tasks_get_the_matte_as_an_absolute_path(clip, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["farm", "openjd", clip["pattern"], "o.####.exr", "--shots", str(clip["shots"]),
                                      "--chunk", "4", "--matte", "mattes/m.####.exr"])
    job = plan_job(args.input, args.output, args.shots, args.chunk, colorize_flags(args))
    assert len(job.tasks) == 2
    for task in job.tasks:
        assert task.argv[task.argv.index("--matte") + 1] == str(tmp_path / "mattes" / "m.####.exr")
    kept = plan_job(clip["pattern"], "o.####.exr", clip["shots"], 4, ["--matte=channel"])
    assert all("--matte=channel" in shlex.split(task.command) for task in kept.tasks)


def test_a_matte_named_like_the_output_in_another_folder_resumes(clip, tmp_path, lite_model_dir):
    # OUTPUT out/s.####.png and --matte mattes/s.####.png: the same file names, two folders.
    first = colorize(clip, tmp_path / "out" / "s.####.png", "--matte", tmp_path / "mattes" / "s.####.png",
                     model=lite_model_dir)
    assert first.returncode == 0, first.stderr
    again = colorize(clip, tmp_path / "out" / "s.####.png", "--matte", tmp_path / "mattes" / "s.####.png",
                     model=lite_model_dir)
    assert again.returncode == 0, again.stderr
    assert f"0 frame(s) written, {FRAMES} already done" in again.stderr
