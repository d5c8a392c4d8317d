"""The official architecture reproduces the authors' code on the compat fixture, in PyTorch.

Weights: the fixture's weights.py writes stand-in .pth files in the release's format; they go
through our importer (load_official). Stages are compared one by one, as the fixture README
says: the colorization stage is fed the fixture's own warped ab, confidence and previous frame.
"""
import numpy as np
import pytest
import torch
from excolor.model.official import SIZE_RULE, OfficialColorizer, check_size
from excolor.model.official.checkpoint import load_official
from excolor.model.official.vgg import official_lab_to_rgb

from tests.support.official import (
    AB_TOL,
    CONFIDENCE_TOL,
    SIZES,
    VGG_MEAN_RELATIVE_TOL,
    WARPED_AB_TOL,
    assert_argmax_close,
    assert_close,
    expected,
    frame_l,
    previous_lab,
    stand_in_weights,
)

pytestmark = pytest.mark.slow
STEPS = ("t1", "t2")


@pytest.fixture(scope="module")
def data():
    return expected()


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    torch.set_num_threads(2)
    model, record = load_official(stand_in_weights(tmp_path_factory), temperature=0.01)
    assert set(record["files"]) == {"vgg19_conv", "nonlocal_net", "colornet"}
    return model


@pytest.fixture(scope="module")
def reference_outputs(model, data):
    """Per size, the reference stage's outputs (computed once per module)."""
    with torch.no_grad():
        return {size: model.reference_encoder(torch.from_numpy(data[f"{size}_reference_lab"]))
                for size in SIZES}


def correspond(model, data, reference_outputs, size, step, temperature):
    model.correspondence.temperature = temperature
    try:
        with torch.no_grad():
            frame = torch.from_numpy(frame_l(data, size, step))
            warped_ab, confidence = model.correspondence(frame, *reference_outputs[size])
    finally:
        model.correspondence.temperature = 0.01
    return warped_ab.numpy(), confidence.numpy()


def test_parameter_counts_match_the_release():
    counts = {stem: sum(p.numel() for p in module.parameters())
              for stem, module in OfficialColorizer().parts().items()}
    assert counts == {"vgg19_conv": 20_024_384, "nonlocal_net": 6_917_131, "colornet": 32_802_370}


@pytest.mark.parametrize("size", SIZES)
def test_reference_conversion_and_vgg_features(model, data, size):
    lab = torch.from_numpy(data[f"{size}_reference_lab"])
    with torch.no_grad():
        rgb = official_lab_to_rgb(torch.cat((lab[:, :1] + 50.0, lab[:, 1:]), dim=1))
        relus = model.reference_encoder.vgg(rgb)
    assert np.abs(rgb.numpy() - data[f"{size}_reference_rgb"]).max() < 1e-5
    for name, relu in zip(("r22", "r32", "r42", "r52"), relus):
        wanted = data[f"{size}_reference_{name}_channel_mean"]
        got = relu.mean(dim=(0, 2, 3)).numpy()
        relative = np.abs(got - wanted).max() / np.abs(wanted).max()
        assert relative < VGG_MEAN_RELATIVE_TOL, f"{size} {name}: relative error {relative:.3g}"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("step", STEPS)
def test_correspondence_at_training_temperature(model, data, reference_outputs, size, step):
    warped_ab, confidence = correspond(model, data, reference_outputs, size, step, 0.01)
    assert_close(warped_ab, data[f"{size}_{step}_warped_lab"][:, 1:], WARPED_AB_TOL,
                 f"{size} {step} warped ab")
    assert_close(confidence, data[f"{size}_{step}_confidence"], CONFIDENCE_TOL,
                 f"{size} {step} confidence")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("step", STEPS)
def test_default_argmax_matches_the_authors_inference(model, data, reference_outputs, size, step):
    warped_ab, _ = correspond(model, data, reference_outputs, size, step, None)
    assert_argmax_close(warped_ab, data[f"{size}_{step}_warped_lab_argmax"][:, 1:],
                        f"{size} {step} argmax warped ab")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("step", STEPS)
def test_colorization_stage(model, data, size, step):
    inputs = (frame_l(data, size, step), data[f"{size}_{step}_warped_lab"][:, 1:],
              data[f"{size}_{step}_confidence"], previous_lab(data, size, step))
    with torch.no_grad():
        ab = model.colorization(*(torch.from_numpy(np.ascontiguousarray(x)) for x in inputs))
    assert_close(ab.numpy(), data[f"{size}_{step}_ab"], AB_TOL, f"{size} {step} ab")


def test_reference_of_another_size_than_the_frame(model, data, reference_outputs):
    # The node encodes each reference at its own aspect: a 64x128 reference for a 216x384 frame.
    warped_ab, confidence = correspond(model, data, {"216x384": reference_outputs["64x128"]},
                                       "216x384", "t1", None)
    assert warped_ab.shape == (1, 2, 216, 384) and confidence.shape == (1, 1, 216, 384)
    # Hard argmax: every warped colour is one of the reference's pooled colours.
    pooled = reference_outputs["64x128"][1].numpy().reshape(2, -1).T
    colours = warped_ab.reshape(2, -1).T
    assert np.isin(colours[:, 0], pooled[:, 0]).all() and np.isin(colours[:, 1], pooled[:, 1]).all()
    assert (np.abs(confidence) <= 1.0 + 1e-5).all()


def test_size_rule():
    assert SIZE_RULE.fit(1080, 1920) == (216, 384)
    assert SIZE_RULE.fit(480, 640, 384) == (288, 384)
    check_size(216, 384, "frame")
    check_size(64, 128, "frame")
    with pytest.raises(ValueError, match="multiple of 16"):
        check_size(216, 392, "frame")
