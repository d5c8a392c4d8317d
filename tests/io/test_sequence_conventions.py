"""What an image sequence says about itself reaches the output, through the real `excolor
colorize` on real files: a video made of a sequence is tagged as the display sRGB it holds and
starts at the timecode of its first rendered frame's EXR header; a DPX film scan tagged
printing density (log) is named in a warning with the way to read it as log; a truncated PNG
reference is named in excolor's own words, with no raw libpng line before them."""
import av
import numpy as np
import OpenImageIO as oiio
import pytest

from tests.support.batch import carphone_frames, excolor, write_reference


def bcd_timecode(hours, minutes, seconds, frames):
    """SMPTE 12M's packed BCD time value (no flags), as EXR and DPX headers hold it."""
    value = 0
    for shift, number in ((24, hours), (16, minutes), (8, seconds), (0, frames)):
        value |= ((number // 10) << (shift + 4)) | ((number % 10) << shift)
    return value


def write_plates(folder, extension, count=4, first=1001, attributes=lambda offset: ()):
    """Gray carphone frames as a sequence: half EXR (scene-linear) or 10-bit DPX."""
    folder.mkdir(parents=True)
    for offset, frame in enumerate(carphone_frames(count=count)):
        gray = np.repeat(frame.mean(axis=2, keepdims=True), 3, axis=2)
        spec = oiio.ImageSpec(88, 72, 3, "half" if extension == "exr" else "uint16")
        if extension == "dpx":
            spec.attribute("oiio:BitsPerSample", 10)
        for name, type_name, value in attributes(offset):
            spec.attribute(name, oiio.TypeDesc(type_name), value)
        output = oiio.ImageOutput.create(extension)
        assert output.open(str(folder / f"p.{first + offset}.{extension}"), spec)
        assert output.write_image(gray ** 2.2 if extension == "exr" else gray)
        output.close()
    return folder / f"p.####.{extension}"


@pytest.fixture()
def key(tmp_path):
    return write_reference(tmp_path / "key.png", carphone_frames(count=1)[0])


@pytest.mark.parametrize("container", ["mov", "mkv"])
def test_a_video_of_a_sequence_is_tagged_and_starts_at_its_timecode(tmp_path, key, lite_model_dir, container):
    plates = write_plates(tmp_path / "plates", "exr", attributes=lambda offset: (
        ("smpte:TimeCode", "timecode", (bcd_timecode(1, 2, 3, 4 + offset), 0)),))
    out = tmp_path / f"out.{container}"
    result = excolor("colorize", plates, out, "--reference", key, "--model", lite_model_dir, "--frames", "1002-1004",
                     "--fps", "24", "-q")
    assert result.returncode == 0, result.stderr
    with av.open(str(out)) as video:
        stream = video.streams.video[0]
        context = stream.codec_context
        tags = (context.color_primaries, context.color_trc, context.colorspace, context.color_range)
        timecode = {key.lower(): value for key, value in stream.metadata.items()}.get("timecode")
    assert tags == (1, 13, 6, 1)  # BT.709 primaries, sRGB transfer, the BT.601 matrix used, limited range
    assert timecode == "01:02:03:05"  # frame 1002's own


def test_a_printing_density_dpx_scan_is_named_in_a_warning(tmp_path, key, lite_model_dir):
    plates = write_plates(tmp_path / "scans", "dpx", count=2, attributes=lambda offset: (
        ("dpx:Transfer", "string", "Printing density"),))
    result = excolor("colorize", plates, tmp_path / "out" / "c.####.dpx", "--reference", key,
                     "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if "printing density" in line]
    assert len(warning) == 1 and "p.1001.dpx" in warning[0] and "--input-space ADX10" in warning[0]
    plain = write_plates(tmp_path / "plain", "dpx", count=2)
    quiet = excolor("colorize", plain, tmp_path / "out2" / "c.####.dpx", "--reference", key,
                    "--model", lite_model_dir)
    assert quiet.returncode == 0 and "printing density" not in quiet.stderr


def test_a_truncated_png_reference_is_named_without_a_raw_libpng_line(tmp_path, key, lite_model_dir):
    plates = write_plates(tmp_path / "plates", "exr", count=2)
    broken = tmp_path / "broken.png"
    whole = key.read_bytes()
    broken.write_bytes(whole[: len(whole) // 2])
    result = excolor("colorize", plates, tmp_path / "out" / "c.####.exr", "--reference", broken,
                     "--model", lite_model_dir)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("excolor colorize: error: "), result.stderr
    assert "broken.png: reference image is corrupt or truncated" in result.stderr
    assert "libpng error" not in result.stderr.split("(", 1)[0]
    assert not [line for line in result.stderr.splitlines() if line.startswith("libpng")]
