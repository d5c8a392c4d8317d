"""Colour management at the command's edges, through the real `excolor colorize`: scene-linear
plates written to integer files go through the OCIO config's default view (never silently
clipped), and `$OCIO` names the config as in Nuke, Blender and OpenImageIO (`--ocio-config` wins).
The OCIO configs here are real files, built and serialized with OCIO's Python API."""
import numpy as np
import PyOpenColorIO as ocio
import pytest
from excolor.colour.display_view import display_view_for
from excolor.colour.management import ColourConverter, config_source, load_config
from excolor.errors import OutputError, UsageError
from excolor.io import PixelFormat, open_input, read_image, write_image

from tests.support.batch import CARPHONE_REFERENCE, carphone_frames, excolor


def _hdr_plates(folder, count=2):
    """Scene-linear RGBA EXR frames with highlights at 12.0, a -0.05 undershoot and alpha 1.5."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, frame in enumerate(carphone_frames(count=count), start=1001):
        linear = frame ** 2.2
        linear[:10, :10] = 12.0
        linear[-4:, -4:] = -0.05
        alpha = np.ones(frame.shape[:2] + (1,), np.float32)
        alpha[:5, :5] = 1.5
        write_image(folder / f"hdr.{n}.exr", np.concatenate([linear, alpha], axis=2),
                    PixelFormat("float", ("R", "G", "B", "A"), "openexr",
                                header=(("FramesPerSecond", "rational", (30, 1)),)), folder)
    return folder / "hdr.####.exr"


def _config_with_logc4(path, displays=True):
    """The built-in CG config plus an "ARRI LogC4" colourspace, as a studio config file."""
    config = ocio.Config.CreateFromFile("ocio://cg-config-latest")
    space = ocio.ColorSpace(name="ARRI LogC4", encoding="log")
    space.setTransform(ocio.BuiltinTransform("ARRI_LOGC4_to_ACES2065-1"), ocio.COLORSPACE_DIR_TO_REFERENCE)
    config.addColorSpace(space)
    if not displays:
        config.clearDisplays()
        config.setActiveDisplays("")
        config.setActiveViews("")
    path.write_text(config.serialize())
    return path


def test_scene_linear_exr_to_png_goes_through_the_default_view(tmp_path, lite_model_dir):
    source = _hdr_plates(tmp_path / "in")
    png, exr = tmp_path / "png" / "o.####.png", tmp_path / "exr" / "o.####.exr"
    result = excolor("colorize", source, png, "--reference", CARPHONE_REFERENCE, "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    converter = ColourConverter(input_kind="scene_linear")
    display = converter.config.getDefaultDisplay()
    view = converter.config.getDefaultView(display)
    lines = [line for line in result.stderr.splitlines() if "goes through OCIO" in line]
    assert len(lines) == 1 and display in lines[0] and view in lines[0], result.stderr
    assert "1.5" in result.stderr and "clipped" in result.stderr  # alpha above 1 said once
    assert excolor("colorize", source, exr, "--reference", CARPHONE_REFERENCE, "--model",
                   lite_model_dir).returncode == 0
    linear, _ = read_image(tmp_path / "exr" / "o.1001.exr")
    shown, fmt = read_image(tmp_path / "png" / "o.1001.png")
    assert fmt.dtype == "uint16" and fmt.channel_names == ("R", "G", "B", "A")
    expected = display_view_for(converter, "check", "uint16").apply(linear[..., :3])
    np.testing.assert_allclose(shown[..., :3], np.clip(expected, 0, 1), atol=1.5 / 65535)
    # The highlight is the view's rendering of 12.0, not a clip of it: the two differ.
    assert linear[..., :3].max() > 10 and not np.allclose(shown[..., :3], np.clip(linear[..., :3], 0, 1), atol=0.01)


def test_a_config_without_a_view_is_refused_naming_the_fix(tmp_path, lite_model_dir):
    config = _config_with_logc4(tmp_path / "noview.ocio", displays=False)
    converter = ColourConverter(config, input_kind="scene_linear")
    with pytest.raises(OutputError, match="write EXR"):
        display_view_for(converter, "o.####.png", "uint8")
    assert display_view_for(converter, "o.####.exr", "half") is None
    source = _hdr_plates(tmp_path / "in", count=1)
    result = excolor("colorize", source, tmp_path / "out" / "o.####.png", "--reference", CARPHONE_REFERENCE,
                     "--model", lite_model_dir, "--ocio-config", config)
    assert result.returncode == 5 and "o.####.png" in result.stderr and "write EXR" in result.stderr
    assert "Traceback" not in result.stderr and not list((tmp_path / "out").glob("*.png"))


def test_ocio_environment_variable_names_the_config(tmp_path, monkeypatch):
    studio = _config_with_logc4(tmp_path / "studio.ocio")
    monkeypatch.delenv("OCIO", raising=False)
    with pytest.raises(UsageError, match="ARRI LogC4"):
        ColourConverter(None, "ARRI LogC4")
    monkeypatch.setenv("OCIO", str(studio))
    assert config_source(None) == str(studio)
    assert ColourConverter(None, "ARRI LogC4").input_space == "ARRI LogC4"
    # An explicit config wins over $OCIO.
    assert config_source("ocio://cg-config-latest") == "ocio://cg-config-latest"
    with pytest.raises(UsageError, match="ARRI LogC4"):
        ColourConverter("ocio://cg-config-latest", "ARRI LogC4")
    monkeypatch.setenv("OCIO", str(tmp_path / "gone.ocio"))
    with pytest.raises(Exception, match=r"\$OCIO: .*gone\.ocio.*--ocio-config"):
        load_config(None)


def test_ocio_environment_reaches_the_command(tmp_path, lite_model_dir):
    studio = _config_with_logc4(tmp_path / "studio.ocio")
    frames = carphone_frames(count=2)
    (tmp_path / "in").mkdir()
    for n, frame in enumerate(frames, start=1):
        write_image(tmp_path / "in" / f"s.{n}.png", frame, PixelFormat("uint16", ("R", "G", "B")), tmp_path)
    args = ("colorize", tmp_path / "in" / "s.#.png", tmp_path / "out" / "o.#.png", "--reference",
            CARPHONE_REFERENCE, "--model", lite_model_dir, "--input-space", "ARRI LogC4")
    refused = excolor(*args, env={"OCIO": ""})
    assert refused.returncode == 2 and "ARRI LogC4" in refused.stderr
    done = excolor(*args, env={"OCIO": str(studio)})
    assert done.returncode == 0, done.stderr
    assert read_image(tmp_path / "out" / "o.2.png")[0].shape == frames[1].shape
    # --ocio-config wins over a broken $OCIO.
    wins = excolor("colorize", tmp_path / "in" / "s.#.png", tmp_path / "out2" / "o.#.png", "--reference",
                   CARPHONE_REFERENCE, "--model", lite_model_dir, "--ocio-config", studio,
                   "--input-space", "ARRI LogC4", env={"OCIO": str(tmp_path / "gone.ocio")})
    assert wins.returncode == 0, wins.stderr


def test_scene_linear_exr_to_video_goes_through_the_view_at_the_header_rate(tmp_path, lite_model_dir):
    source = _hdr_plates(tmp_path / "in")
    exr = tmp_path / "exr" / "o.####.exr"
    assert excolor("colorize", source, exr, "--reference", CARPHONE_REFERENCE, "--model",
                   lite_model_dir).returncode == 0
    video = tmp_path / "o.mp4"
    result = excolor("colorize", source, video, "--reference", CARPHONE_REFERENCE, "--model", lite_model_dir,
                     "--crf", "0", "--pix-fmt", "yuv444p10le")
    assert result.returncode == 0, result.stderr
    assert sum("goes through OCIO" in line for line in result.stderr.splitlines()) == 1
    reader = open_input(video)
    assert reader.last == 1 and reader.fps == 30  # the EXR header's FramesPerSecond
    linear, _ = read_image(tmp_path / "exr" / "o.1002.exr")
    expected = np.clip(display_view_for(ColourConverter(input_kind="scene_linear"), "check", "uint16")
                       .apply(linear[..., :3]), 0, 1)
    shown = reader.read(1)
    assert np.abs(shown - expected).mean() < 5 / 1023  # 10-bit 4:4:4 YUV and back
    assert np.abs(shown - np.clip(linear[..., :3], 0, 1)).mean() > 20 / 1023  # the view, not a clip
