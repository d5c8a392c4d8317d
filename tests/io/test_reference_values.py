"""A reference file's NaN/inf values are replaced by 0 where it is read (excolor.io.read_reference),
with a warning naming the file and how many pixels, as a reference array's are: a float EXR
written by OpenImageIO with NaN and inf in it."""
import numpy as np
import OpenImageIO as oiio
import pytest
from excolor.io import read_reference

from tests.support.batch import carphone_frames


def write_exr(path, pixels, dtype="float"):
    """Write (H, W, C) float32 `pixels` as an EXR of `dtype` with OpenImageIO, as they are."""
    spec = oiio.ImageSpec(pixels.shape[1], pixels.shape[0], pixels.shape[2], dtype)
    output = oiio.ImageOutput.create(str(path))
    assert output.open(str(path), spec), output.geterror()
    assert output.write_image(np.ascontiguousarray(pixels, dtype=np.float32)), output.geterror()
    output.close()
    return path


def broken_reference(path, dtype="float"):
    """A scene-linear colour frame with 40 NaN pixels, 10 with +inf in one channel and 1 -inf
    -> (path, the frame with each NaN/inf value set to 0, mask of the 51 broken pixels)."""
    linear = carphone_frames(count=1)[0] ** np.float32(2.2)
    broken = linear.copy()
    broken[2:6, 4:14] = np.nan
    broken[30, 10:20, 1] = np.inf
    broken[50, 60] = -np.inf
    write_exr(path, broken, dtype)
    mask = ~np.isfinite(broken).all(axis=-1)
    clean = np.where(np.isfinite(broken), linear, np.float32(0))
    return path, clean, mask


@pytest.mark.parametrize("dtype", ["float", "half"])
def test_nan_and_inf_pixels_of_an_exr_become_zero_with_a_warning(tmp_path, dtype):
    path, clean, mask = broken_reference(tmp_path / "key.exr", dtype)
    assert mask.sum() == 51
    with pytest.warns(UserWarning, match=rf"reference {path}: 51 pixel\(s\) with NaN/inf values, replaced by 0"):
        pixels, pixel_format = read_reference(path)
    assert pixel_format.dtype == dtype and np.isfinite(pixels).all()
    assert (pixels[2:6, 4:14] == 0).all() and (pixels[30, 10:20, 1] == 0).all() and (pixels[50, 60] == 0).all()
    tolerance = 1e-3 if dtype == "half" else 0  # half keeps 11 bits
    np.testing.assert_allclose(pixels, clean, rtol=tolerance, atol=tolerance)


def test_a_finite_reference_is_read_without_a_warning(tmp_path, recwarn):
    path = write_exr(tmp_path / "key.exr", carphone_frames(count=1)[0] ** np.float32(2.2))
    pixels, _format = read_reference(path)
    assert np.isfinite(pixels).all() and not [w for w in recwarn if "NaN" in str(w.message)]
