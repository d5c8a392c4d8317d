"""Footage excolor cannot render as asked is refused before the first frame renders, naming the
file and the reason; and what a video OUTPUT copies of its input's audio keeps its tags.
Real files made here, through the real `excolor colorize`."""
import av
import numpy as np
import OpenImageIO as oiio
import pytest

from tests.support.batch import carphone_frames, excolor, write_reference, write_sequence
from tests.support.media import mux_tone


@pytest.fixture()
def key(tmp_path):
    return write_reference(tmp_path / "key.png", carphone_frames(count=1)[0])


def colorize(source, output, key, model, *extra):
    return excolor("colorize", source, output, "--reference", key, "--model", model, *extra)


def make_clip(path, video=True, count=8):
    """A clip of carphone frames (or none) with a French commentary track named 'Commentaire'."""
    container = av.open(str(path), "w")
    sound = container.add_stream("aac", rate=48000)  # every stream before the first packet
    sound.metadata.update(language="fra", title="Commentaire")
    if video:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 88, 72, "yuv420p"
        for n, frame in enumerate(carphone_frames(count=count)):
            image = av.VideoFrame.from_ndarray((frame * 255).round().astype(np.uint8), format="rgb24")
            image = image.reformat(format="yuv420p")
            image.pts = n
            container.mux(stream.encode(image))
        container.mux(stream.encode(None))
    mux_tone(container, sound, (np.sin(np.arange(48000 * count // 25) * 0.06) * 0.3).astype(np.float32))
    container.close()
    return path


def audio_tags(path):
    with av.open(str(path)) as container:
        tags = dict(container.streams.audio[0].metadata)
    return tags.get("language"), tags.get("title", tags.get("name"))


@pytest.mark.parametrize("container", ["mov", "mkv"])
def test_an_audio_tracks_language_and_title_are_kept(tmp_path, key, lite_model_dir, container):
    source = make_clip(tmp_path / f"in.{container}")
    assert audio_tags(source) == ("fra", "Commentaire")
    result = colorize(source, tmp_path / f"out.{container}", key, lite_model_dir, "-q")
    assert result.returncode == 0, result.stderr
    assert audio_tags(tmp_path / f"out.{container}") == ("fra", "Commentaire")


def test_an_audio_only_file_says_it_has_no_video_stream(tmp_path, key, lite_model_dir):
    source = make_clip(tmp_path / "sound.mp4", video=False)
    result = colorize(source, tmp_path / "out.mp4", key, lite_model_dir)
    assert result.returncode == 3, result.stderr
    assert "sound.mp4: the file has no video stream (it holds audio (aac))" in result.stderr
    assert "index out of range" not in result.stderr


def test_five_channels_into_png_are_refused_before_rendering(tmp_path, key, lite_model_dir):
    folder = tmp_path / "plates"
    folder.mkdir()
    for n, frame in enumerate(carphone_frames(count=3), start=1):
        spec = oiio.ImageSpec(88, 72, 5, "half")
        spec.channelnames = ("R", "G", "B", "A", "Z")
        depth = np.full((72, 88, 1), 4.0 + n, np.float32)
        output = oiio.ImageOutput.create("openexr")
        assert output.open(str(folder / f"p.{n:04d}.exr"), spec)
        assert output.write_image(np.concatenate([frame, np.ones_like(depth), depth], axis=2).astype(np.float16))
        output.close()
    result = colorize(folder / "p.####.exr", tmp_path / "out" / "c.####.png", key, lite_model_dir)
    assert result.returncode == 2, result.stderr
    assert "a .png file holds at most 4 channels, and the colour output of INPUT has 5 (R, G, B, A, Z)" in result.stderr
    assert "write .exr, .tif, .tiff" in result.stderr
    assert "colorizing" not in result.stderr and not (tmp_path / "out").exists()


def test_a_frame_of_another_size_is_named_before_rendering(tmp_path, key, lite_model_dir):
    frames = carphone_frames(count=5)
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1)
    write_sequence(tmp_path / "in" / "p.####.png", carphone_frames(count=1, size=(36, 44)), first=4)
    result = colorize(plate, tmp_path / "out" / "c.####.png", key, lite_model_dir)
    assert result.returncode == 3, result.stderr
    assert ("p.0004.png: frame 4 is 44x36 with 3 channel(s), but frame 1 is 88x72 with 3 channel(s)"
            in result.stderr)
    assert "colorizing" not in result.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("output, codec, advice", [
    ("out.webm", None, "--codec libx264: a .webm file cannot hold libx264 video; for .webm give --codec libvpx-vp9"),
    ("out.mp4", "libvpx", "--codec libvpx: a .mp4 file cannot hold libvpx video; for .mp4 give --codec libx264"),
])
def test_a_codec_its_container_cannot_hold_is_named_with_the_container(tmp_path, key, lite_model_dir, output, codec,
                                                                      advice):
    source = make_clip(tmp_path / "in.mp4")
    result = colorize(source, tmp_path / output, key, lite_model_dir, *(("--codec", codec) if codec else ()))
    assert result.returncode == 2, result.stderr
    assert advice in result.stderr and "--pix-fmt" not in result.stderr
    assert not (tmp_path / output).exists() and "colorizing" not in result.stderr
