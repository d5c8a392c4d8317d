"""Video in and out through the real `excolor colorize`, on real files made here with PyAV: a
file cut short is refused naming its first missing frame; bit depth, chroma subsampling and alpha
are kept (ProRes and DNxHR with their profiles); audio, timecode, colour tags and aspect ratio
come through, cut to the rendered range."""
import fractions

import av
import numpy as np
import pytest
from excolor.errors import InputError
from excolor.io import open_input
from excolor.io.pixel_formats import choose_pixel_format
from excolor.io.video_streams import shift_timecode

from tests.support.batch import CARPHONE_REFERENCE, carphone_frames, excolor
from tests.support.media import mux_tone


def make_video(path, codec, pix_fmt, count=8, size=(88, 72), options=None, audio=False, timecode=None,
               tagged=False, container_options=None, rotation=0):
    """A real video of carphone frames (a ramp in alpha when the format has one)."""
    frames = carphone_frames(count=count, size=(size[1], size[0]))
    alpha = "yuva" in pix_fmt
    container = av.open(str(path), "w", options=container_options or {})
    stream = container.add_stream(codec, rate=25)
    stream.width, stream.height, stream.pix_fmt = size[0], size[1], pix_fmt
    stream.codec_context.options = options or {}
    if tagged:  # BT.709 primaries, transfer and matrix, limited range, 4:3 pixels
        context = stream.codec_context
        context.color_primaries = context.color_trc = context.colorspace = context.color_range = 1
        context.sample_aspect_ratio = fractions.Fraction(4, 3)
    if timecode:
        stream.metadata["timecode"] = timecode
    if rotation:
        stream.set_display_rotation(rotation)
    sound = container.add_stream("aac", rate=48000) if audio else None
    for n, frame in enumerate(frames):
        if alpha:
            ramp = np.linspace(0, 1, size[0], dtype=np.float32)[None, :, None].repeat(size[1], 0)
            frame = np.concatenate([frame, ramp], axis=2)
        data = (np.clip(frame, 0, 1) * 65535).astype(np.uint16)
        image = av.VideoFrame.from_ndarray(data, format="rgba64le" if alpha else "rgb48le")
        image.pts = n
        container.mux(stream.encode(image.reformat(format=pix_fmt)))
    container.mux(stream.encode(None))
    if sound is not None:
        mux_tone(container, sound,
                 np.sin(np.arange(48000 * count // 25) * 2 * np.pi * 440 / 48000).astype(np.float32) * 0.3)
    container.close()
    return path


def describe(path):
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        context = video.codec_context
        audio = container.streams.audio
        frames = sum(1 for packet in container.demux(video) if packet.size)
        container.seek(0)
        rotation = next(container.decode(video)).rotation
        container.seek(0)
        seconds = 0.0
        if audio:
            seconds = float(sum(p.duration or 0 for p in container.demux(audio[0]) if p.size) * audio[0].time_base)
        return {
            "pix_fmt": context.format.name, "profile": video.profile, "frames": frames,
            "tags": (context.color_primaries, context.color_trc, context.colorspace, context.color_range),
            "sar": video.sample_aspect_ratio, "timecode": video.metadata.get("timecode"), "rotation": rotation,
            "audio": [s.codec_context.name for s in audio], "audio_seconds": seconds,
        }


def colorize(source, output, *extra, model):
    return excolor("colorize", source, output, "--reference", CARPHONE_REFERENCE, "--model", model, *extra)


def test_a_video_cut_short_is_refused_naming_the_first_missing_frame(tmp_path, lite_model_dir):
    whole = make_video(tmp_path / "whole.mp4", "libx264", "yuv420p", count=40,
                       container_options={"movflags": "faststart"})  # sample tables first, as cameras write
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    reader = open_input(cut)
    assert reader.last == 39 and 0 < reader.decoded_last < 39
    first_missing = reader.decoded_last + 1
    with pytest.raises(InputError, match=f"frame {first_missing + 1} is missing: the file is cut short"):
        reader.read(first_missing + 1)
    result = colorize(cut, tmp_path / "out.mp4", model=lite_model_dir)
    assert result.returncode == 3 and f"first missing frame: {first_missing}" in result.stderr
    assert f"frames {first_missing}-39 are missing" in result.stderr and not (tmp_path / "out.mp4").exists()
    beyond = colorize(cut, tmp_path / "out.mp4", "--frames", f"0-{first_missing + 2}", model=lite_model_dir)
    assert beyond.returncode == 3 and f"{first_missing}-{first_missing + 2}" in beyond.stderr
    held = colorize(cut, tmp_path / "out.mp4", "--frames", f"0-{reader.decoded_last}", model=lite_model_dir)
    assert held.returncode == 0, held.stderr
    assert describe(tmp_path / "out.mp4")["frames"] == first_missing


@pytest.mark.parametrize(
    "codec, pix_fmt, options, out_codec, expected, profile, container",
    [
        ("libx265", "yuv420p10le", {"x265-params": "log-level=error"}, None, "yuv420p10le", None, "mp4"),
        ("ffv1", "yuv444p16le", {}, "ffv1", "yuv444p16le", None, "mkv"),
        ("ffv1", "yuv444p16le", {}, None, "yuv444p10le", None, "mkv"),  # x264's closest: 10 bits, 4:4:4
        ("libx264", "yuv420p", {}, "prores_ks", "yuv422p10le", "HQ", "mov"),
        ("prores_ks", "yuva444p10le", {"profile": "4"}, "prores_ks", "yuva444p", "4444", "mov"),
    ],
    ids=["hevc10", "ffv1-16", "ffv1-16-to-x264", "prores-hq", "prores-4444-alpha"],
)
def test_bit_depth_subsampling_and_alpha_are_kept(tmp_path, lite_model_dir, codec, pix_fmt, options, out_codec,
                                                   expected, profile, container):
    source = make_video(tmp_path / f"in.{container}", codec, pix_fmt, count=3, options=options)
    out = tmp_path / f"out.{container}"
    result = colorize(source, out, *(("--codec", out_codec) if out_codec else ()), model=lite_model_dir)
    assert result.returncode == 0, result.stderr
    info = describe(out)
    assert info["pix_fmt"].startswith(expected) and info["frames"] == 3
    if profile:
        assert info["profile"] == profile
    if "yuva" in pix_fmt:
        alpha_in, alpha_out = open_input(source).read(1)[..., 3], open_input(out).read(1)[..., 3]
        assert np.abs(alpha_in - alpha_out).max() < 2 / 1023


def test_dnxhr_hqx(tmp_path, lite_model_dir):
    source = make_video(tmp_path / "in.mp4", "libx264", "yuv420p", count=2, size=(256, 144))
    result = colorize(source, tmp_path / "out.mov", "--codec", "dnxhd", model=lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert describe(tmp_path / "out.mov")["pix_fmt"] == "yuv422p10le"
    assert describe(tmp_path / "out.mov")["profile"] == "DNXHR HQX"
    small = colorize(make_video(tmp_path / "small.mp4", "libx264", "yuv420p", count=1), tmp_path / "s.mov",
                     "--codec", "dnxhd", model=lite_model_dir)
    assert small.returncode == 2 and "256x120" in small.stderr and "88x72" in small.stderr


def test_pixel_format_choice():
    assert choose_pixel_format("libx264", source="yuv422p10le").pix_fmt == "yuv422p10le"
    assert choose_pixel_format("libx264", source="gbrp16le").pix_fmt in ("yuv444p10le",)
    assert choose_pixel_format("libx264", bits=16).pix_fmt == "yuv420p10le"  # a 16-bit sequence
    assert choose_pixel_format("libx264", source="gray").pix_fmt == "yuv420p"  # colour out of a gray video
    assert choose_pixel_format("libx264", source="gray10le").pix_fmt == "yuv420p10le"
    assert choose_pixel_format("libx264", bits=8, width=89, height=72).pix_fmt == "yuv444p"
    assert choose_pixel_format("prores_ks", alpha=True).options == {"profile": "4"}
    assert choose_pixel_format("prores_ks", requested="yuv444p10le").options == {"profile": "4"}


def test_audio_timecode_colour_tags_and_rotation_follow_the_rendered_range(tmp_path, lite_model_dir):
    source = make_video(tmp_path / "in.mov", "libx264", "yuv420p", count=25, audio=True,
                        timecode="01:00:00:00", tagged=True, rotation=90)
    whole, part = tmp_path / "whole.mov", tmp_path / "part.mov"
    assert colorize(source, whole, model=lite_model_dir).returncode == 0
    result = colorize(source, part, "--frames", "5-14", model=lite_model_dir)
    assert result.returncode == 0, result.stderr
    original = describe(source)
    for out, frames, timecode in ((whole, 25, "01:00:00:00"), (part, 10, "01:00:00:05")):
        info = describe(out)
        assert info["frames"] == frames and info["timecode"] == timecode and info["rotation"] == 90
        assert info["tags"] == (1, 1, 1, 1) == original["tags"] and info["sar"] == fractions.Fraction(4, 3)
        assert info["audio"] == ["aac"]
        assert abs(info["audio_seconds"] - frames / 25) < 0.05  # within a couple of AAC blocks


def test_timecode_arithmetic():
    assert shift_timecode("01:00:00:00", 5, 25) == "01:00:00:05"
    assert shift_timecode("00:59:59:24", 1, 25) == "01:00:00:00"
    assert shift_timecode("00:00:59;29", 1, fractions.Fraction(30000, 1001)) == "00:01:00;02"  # dropped
    assert shift_timecode("00:09:59;29", 1, fractions.Fraction(30000, 1001)) == "00:10:00;00"  # tenth kept
