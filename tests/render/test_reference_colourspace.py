"""`excolor colorize --reference-colorspace NAME`: a reference stored in another colourspace is
converted from NAME through the job's OCIO config, so an ACEScg EXR of a picture renders as the
sRGB PNG of the same picture; a name the config lacks is refused (exit 2) before anything is
written; the name is part of the output's fingerprint. On the README's sample clip and its
reference, through the real command."""
import numpy as np
import OpenImageIO as oiio
import pytest
import PyOpenColorIO as ocio
from excolor.io import read_image, read_reference

from tests.support.batch import CARPHONE, CARPHONE_REFERENCE, excolor

CONFIG = "ocio://studio-config-latest"
SRGB = "sRGB Encoded Rec.709 (sRGB)"
COMMON = ("--ocio-config", CONFIG, "--frames", "0-3", "--threads", "1", "--io-threads", "0")


@pytest.fixture(scope="module")
def acescg_reference(tmp_path_factory):
    """The sample's reference (an 8-bit sRGB PNG) as a float ACEScg EXR, converted here by OCIO."""
    pixels, _format = read_reference(CARPHONE_REFERENCE)
    config = ocio.Config.CreateFromFile(CONFIG)
    linear = np.ascontiguousarray(pixels, dtype=np.float32)
    config.getProcessor(SRGB, "ACEScg").getDefaultCPUProcessor().applyRGB(linear)
    path = tmp_path_factory.mktemp("acescg") / "key.exr"
    output = oiio.ImageOutput.create(str(path))
    output.open(str(path), oiio.ImageSpec(linear.shape[1], linear.shape[0], 3, oiio.FLOAT))
    output.write_image(linear)
    output.close()
    return path


def _render(out, model, reference, *extra):
    done = excolor("colorize", CARPHONE, out / "c.####.png", "--model", model, "--reference", reference,
                   *COMMON, *extra)
    assert done.returncode == 0, done.stderr
    return [read_image(out / f"c.{frame:04d}.png")[0] for frame in range(4)]


@pytest.mark.slow
def test_an_acescg_exr_reference_renders_as_its_srgb_png(tmp_path, lite_model_dir, acescg_reference):
    from_png = _render(tmp_path / "png", lite_model_dir, CARPHONE_REFERENCE)
    from_exr = _render(tmp_path / "exr", lite_model_dir, acescg_reference, "--reference-colorspace", "ACEScg")
    for png, exr in zip(from_png, from_exr):
        assert np.abs(png - exr).max() <= 1 / 255 + 1e-6
    # Without the option the EXR is taken as INPUT's colourspace (sRGB here): other colours.
    unconverted = _render(tmp_path / "unconverted", lite_model_dir, acescg_reference)
    assert max(np.abs(png - raw).max() for png, raw in zip(from_png, unconverted)) > 10 / 255
    # The colourspace is in the output's fingerprint: the same output without it is refused.
    again = excolor("colorize", CARPHONE, tmp_path / "exr" / "c.####.png", "--model", lite_model_dir,
                    "--reference", acescg_reference, *COMMON)
    assert again.returncode != 0
    assert "reference space" in again.stderr


def test_an_unknown_colourspace_is_refused_before_anything_is_written(tmp_path, lite_model_dir, acescg_reference):
    out = tmp_path / "out"
    done = excolor("colorize", CARPHONE, out / "c.####.png", "--model", lite_model_dir,
                   "--reference", acescg_reference, *COMMON, "--reference-colorspace", "ACEScgg")
    assert done.returncode == 2, done.stderr
    assert "--reference-colorspace 'ACEScgg' is not a colourspace" in done.stderr
    assert "did you mean 'ACEScg'" in done.stderr
    assert not out.exists()
