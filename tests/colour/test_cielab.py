"""Lab <-> sRGB: numpy (runtime), torch (training) and scikit-image agree on real photographs."""
import numpy as np
import pytest
import skimage.color
import skimage.data
import torch
from excolor.colour import cielab
from excolor.model import lab as torch_lab

PHOTOS = ["astronaut", "coffee", "chelsea"]


def photo(name: str) -> np.ndarray:
    """A real photograph from scikit-image, float64 0..1, HxWx3."""
    return getattr(skimage.data, name)()[..., :3] / 255.0


def to_torch(image: np.ndarray, dtype=torch.float32) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image)).to(dtype).permute(2, 0, 1)[None]


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor[0].permute(1, 2, 0).detach().numpy()


@pytest.mark.parametrize("name", PHOTOS)
def test_numpy_torch_and_skimage_agree_on_photos(name):
    rgb = photo(name)
    reference = skimage.color.rgb2lab(rgb)
    lab_numpy = cielab.srgb_to_lab(rgb.astype(np.float32))
    lab_torch = to_numpy(torch_lab.srgb_to_lab(to_torch(rgb)))
    assert lab_numpy.dtype == np.float32 and lab_numpy.shape == rgb.shape
    assert np.abs(lab_numpy - reference).max() < 1e-4
    assert np.abs(lab_torch - reference).max() < 1e-4
    assert np.abs(lab_numpy - lab_torch).max() < 1e-4
    # In float64 torch follows skimage to rounding, which proves the constants are the same ones.
    lab_torch64 = to_numpy(torch_lab.srgb_to_lab(to_torch(rgb, torch.float64)))
    assert np.abs(lab_torch64 - reference).max() < 1e-9

    rgb_skimage = skimage.color.lab2rgb(reference)
    assert np.abs(cielab.lab_to_srgb(reference.astype(np.float32)) - rgb_skimage).max() < 1e-4
    assert np.abs(to_numpy(torch_lab.lab_to_srgb(to_torch(reference))) - rgb_skimage).max() < 1e-4


@pytest.mark.parametrize("name", PHOTOS)
def test_round_trips_are_exact_in_gamut(name):
    rgb = photo(name).astype(np.float32)
    assert np.abs(cielab.lab_to_srgb(cielab.srgb_to_lab(rgb)) - rgb).max() < 1e-4
    tensor = to_torch(rgb)
    assert (torch_lab.lab_to_srgb(torch_lab.srgb_to_lab(tensor)) - tensor).abs().max() < 1e-4
    # The other way round, from Lab values real pictures produce.
    lab = skimage.color.rgb2lab(rgb).astype(np.float32)
    back = cielab.srgb_to_lab(cielab.lab_to_srgb(lab))
    assert np.abs(back - lab).max() < 1e-3  # Lab units (L spans 0..100), float32 rounding
    assert np.abs(to_numpy(torch_lab.srgb_to_lab(torch_lab.lab_to_srgb(to_torch(lab)))) - lab).max() < 1e-3


def test_out_of_gamut_lab_is_not_clipped():
    # A vivid Lab colour outside sRGB: skimage clips to 0..1, excolor returns the true values so
    # the node can reduce chroma at constant luma instead.
    lab = np.array([[[60.0, 100.0, -100.0], [90.0, -90.0, 90.0]]], dtype=np.float32)
    rgb = cielab.lab_to_srgb(lab)
    assert (rgb < 0).any() or (rgb > 1).any()
    assert np.abs(cielab.srgb_to_lab(rgb) - lab).max() < 1e-3
    rgb_torch = to_numpy(torch_lab.lab_to_srgb(to_torch(lab)))
    assert np.abs(rgb_torch - rgb).max() < 1e-4


def test_gradients_flow_through_both_directions():
    rgb = photo("chelsea")[100:104, 200:205]
    # Exact black and white, where naive code gets inf/NaN gradients (cbrt'(0) = inf).
    rgb[0, 0] = 0.0
    rgb[0, 1] = 1.0
    x = to_torch(rgb, torch.float64).requires_grad_(True)
    assert torch.autograd.gradcheck(torch_lab.srgb_to_lab, (x,), eps=1e-7, atol=1e-5)
    lab = torch_lab.srgb_to_lab(x).detach().requires_grad_(True)
    assert torch.autograd.gradcheck(torch_lab.lab_to_srgb, (lab,), eps=1e-7, atol=1e-5)
    # And in float32 training use nothing becomes NaN at the extremes or on a branch point.
    rgb[0, 2] = cielab.SRGB_DECODE_THRESHOLD
    y = to_torch(rgb).requires_grad_(True)
    torch_lab.lab_to_srgb(torch_lab.srgb_to_lab(y)).sum().backward()
    assert torch.isfinite(y.grad).all()


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="3 channels"):
        cielab.srgb_to_lab(np.zeros((4, 4, 4), np.float32))
    with pytest.raises(ValueError, match="float"):
        cielab.srgb_to_lab(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="channels first"):
        torch_lab.srgb_to_lab(torch.zeros(1, 4, 3, 3))
