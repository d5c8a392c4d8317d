"""excolor.io on real footage: video timing kept, sequences with frame numbers as on disk, bit
depth and channels kept, and errors that name the file and frame."""
import fractions

import numpy as np
import pytest
from excolor.errors import InputError
from excolor.io import (
    PixelFormat,
    SequencePattern,
    VideoOptions,
    VideoWriter,
    open_input,
    read_image,
    read_reference,
    write_image,
)

from tests.support.batch import CARPHONE, carphone_frames, write_sequence


def test_video_reader_keeps_timing_and_reads_backwards_like_forwards():
    reader = open_input(CARPHONE)
    assert (reader.first, reader.last, reader.width, reader.height) == (0, 119, 176, 144)
    assert reader.fps == fractions.Fraction(30000, 1001)
    assert reader.pixel_format.dtype == "uint8"
    forward = [reader.read(n) for n in range(0, 12)]
    other = open_input(CARPHONE)
    # A backward run and a scrub: decoded through seeks, the pixels must be the same.
    for n in list(range(11, -1, -1)) + [7, 2, 10]:
        assert np.array_equal(other.read(n), forward[n]), f"frame {n}"
    assert forward[0].dtype == np.float32 and forward[0].shape == (144, 176, 3)
    with pytest.raises(InputError, match="frame 120 is outside the video"):
        reader.read(120)


def test_video_writer_keeps_rate_time_base_and_timestamps(tmp_path):
    reader = open_input(CARPHONE)
    out = tmp_path / "copy.mp4"
    writer = VideoWriter(out, reader.width, reader.height, tmp_path / "tmp" / "partial.mp4",
                         VideoOptions(crf=0, pix_fmt="yuv444p"), like=reader)
    for n in range(10):
        writer.write(n, reader.read(n))
    assert not out.exists(), "a video appears only when complete"
    writer.finish()
    copy = open_input(out)
    assert (copy.last, copy.fps, copy.time_base) == (9, reader.fps, reader.time_base)
    assert copy.pts == reader.pts[:10]
    # crf 0 yuv444p: only the RGB<->YUV round trip separates the copy from the source
    assert np.abs(copy.read(5) - reader.read(5)).mean() < 2 / 255


def test_video_writer_abort_leaves_nothing(tmp_path):
    reader = open_input(CARPHONE)
    out = tmp_path / "never.mp4"
    temp = tmp_path / "tmp" / "partial.mp4"
    writer = VideoWriter(out, reader.width, reader.height, temp, like=reader)
    writer.write(0, reader.read(0))
    writer.abort()
    assert not out.exists() and not temp.exists()


@pytest.mark.parametrize("name", ["plate.%04d.png", "plate.####.png"])
def test_sequence_frame_numbers_as_on_disk(tmp_path, name):
    frames = carphone_frames(count=3)
    write_sequence(tmp_path / "plate.####.png", frames, first=1001)
    reader = open_input(tmp_path / name)
    assert (reader.first, reader.last) == (1001, 1003)
    assert np.array_equal(reader.read(1002), np.rint(frames[1] * 255) / np.float32(255))


def test_sequence_missing_and_corrupt_frames_name_file_and_frame(tmp_path):
    write_sequence(tmp_path / "plate.####.png", carphone_frames(count=4), first=1)
    (tmp_path / "plate.0002.png").unlink()
    data = (tmp_path / "plate.0003.png").read_bytes()
    (tmp_path / "plate.0003.png").write_bytes(data[: len(data) // 2])
    reader = open_input(tmp_path / "plate.####.png")
    assert reader.missing(1, 4) == [2]
    with pytest.raises(InputError, match=r"plate\.0002\.png: frame 2 .* missing"):
        reader.read(2)
    with pytest.raises(InputError, match=r"plate\.0003\.png: frame 3 .* (corrupt|cannot be read)"):
        reader.read(3)
    with pytest.raises(InputError, match="no frames on disk"):
        open_input(tmp_path / "other.####.png")


@pytest.mark.parametrize(
    "ext, fmt",
    [
        (".exr", PixelFormat("half", ("R", "G", "B", "A"))),
        (".exr", PixelFormat("float", ("R", "G", "B", "A"))),
        (".png", PixelFormat("uint8", ("R", "G", "B"))),
        (".png", PixelFormat("uint16", ("R", "G", "B", "A"))),
        (".tif", PixelFormat("uint16", ("R", "G", "B"))),
        (".dpx", PixelFormat("uint16", ("R", "G", "B"), "dpx", (("oiio:BitsPerSample", 10),))),
        (".jpg", PixelFormat("uint8", ("R", "G", "B"))),
    ],
)
def test_image_formats_keep_depth_and_channels(tmp_path, ext, fmt):
    rgb = carphone_frames(count=1)[0]
    alpha = np.linspace(0, 1, rgb.shape[1], dtype=np.float32)[None, :, None].repeat(rgb.shape[0], 0)
    pixels = np.concatenate([rgb * (4.0 if fmt.dtype in ("half", "float") else 1.0), alpha], axis=2)
    pixels = pixels[..., : fmt.channels]
    path = tmp_path / f"frame{ext}"
    write_image(path, pixels, fmt, tmp_path / "tmp")
    back, back_fmt = read_image(path)
    assert back_fmt.dtype == fmt.dtype and back_fmt.channel_names == fmt.channel_names
    if fmt.attributes:
        assert dict(back_fmt.attributes)["oiio:BitsPerSample"] == 10
    tolerance = {"half": 4 * 2**-10, "float": 0, "uint8": 0.5 / 255, "uint16": 0.5 / 65535}[fmt.dtype]
    if ext == ".jpg":
        tolerance = 0.1  # lossy
    elif ext == ".dpx":
        tolerance = 0.5 / 1023 + 2 / 65535  # 10-bit grid, read back through 16 bits
    assert np.abs(back - pixels).max() <= tolerance + 1e-7
    # Rewritten in the format read: the same type and channels come back (8-bit stays 8-bit).
    write_image(tmp_path / f"again{ext}", back, back_fmt, tmp_path / "tmp")
    assert read_image(tmp_path / f"again{ext}")[1].dtype == fmt.dtype
    assert list((tmp_path / "tmp").iterdir()) == []


def test_output_format_adapts_to_file_type():
    half = PixelFormat("half", ("R", "G", "B", "A"), "openexr", (("compression", "zip"),))
    assert half.for_extension(".png").dtype == "uint16"
    assert half.for_extension(".jpg").channel_names == ("R", "G", "B")
    assert PixelFormat("uint8", ("R", "G", "B")).for_extension(".exr").dtype == "half"
    assert PixelFormat("uint8", ("R", "G", "B")).for_extension(".png").dtype == "uint8"


def test_references_gray_files_and_errors(tmp_path):
    from skimage import data

    gray = data.camera().astype(np.float32)[..., None] / 255
    write_image(tmp_path / "gray.png", gray, PixelFormat("uint8", ("Y",)), tmp_path)
    pixels, _ = read_reference(tmp_path / "gray.png")
    assert pixels.shape == gray.shape[:2] + (3,)
    with pytest.raises(InputError, match=r"nope\.png: reference image is missing"):
        read_reference(tmp_path / "nope.png")
    (tmp_path / "junk.png").write_bytes(b"not a png at all")
    with pytest.raises(InputError, match=r"junk\.png: reference image cannot be read"):
        read_reference(tmp_path / "junk.png")


def test_pattern_parsing():
    pattern = SequencePattern.parse("out/shot_a.%04d.exr")
    assert pattern.path(7).name == "shot_a.0007.exr" and pattern.display().endswith("shot_a.####.exr")
    assert SequencePattern.parse("clip.mp4") is None
    assert SequencePattern.parse("f.%d.png").path(12).name == "f.12.png"
    with pytest.raises(InputError, match="unsupported image type"):
        SequencePattern.parse("f.####.gif")


def test_video_from_a_sequence_gets_the_requested_rate(tmp_path):
    frames = carphone_frames(count=8)
    writer = VideoWriter(tmp_path / "seq.mp4", 88, 72, tmp_path / "tmp" / "partial.mp4",
                         VideoOptions(fps=25))
    for n, frame in enumerate(frames, start=1001):
        writer.write(n, frame)
    writer.finish()
    video = open_input(tmp_path / "seq.mp4")
    assert (video.last + 1, video.fps) == (8, 25)
    assert np.abs(video.read(7) - frames[7]).mean() < 6 / 255  # crf 18, 4:2:0 on a tiny frame


def test_video_writer_preset_reaches_x264(tmp_path):
    """x264 records its settings in the stream: the preset shows as its subpel refinement
    (subme=2 for veryfast, subme=7 for the default medium)."""
    reader = open_input(CARPHONE)
    for preset, subme in (("veryfast", b"subme=2 "), (None, b"subme=7 ")):
        out = tmp_path / f"{preset}.mp4"
        writer = VideoWriter(out, reader.width, reader.height, tmp_path / "tmp" / f"{preset}.partial.mp4",
                             VideoOptions(preset=preset), like=reader)
        for n in range(3):
            writer.write(n, reader.read(n))
        writer.finish()
        assert subme in out.read_bytes()
