"""The global candidate: the reference's chroma as a function of lightness, falling back to the
reference's mean colour where one lightness holds several colours."""
import numpy as np
from excolor.colour.cielab import srgb_to_lab
from excolor.engine.candidates import global_candidate
from excolor.engine.global_colour import LightnessChroma

from tests.support.node import carphone_frames


def test_global_colour_follows_the_references_lightness():
    frame = carphone_frames(1)[0]
    lab = srgb_to_lab(frame)
    table = LightnessChroma.from_lab(lab)
    candidate = global_candidate(table, lab[..., 0])
    truth = np.moveaxis(lab[..., 1:], -1, 0)  # chroma is channels first: (2, H, W)
    assert candidate.ab.shape == truth.shape and candidate.ab.dtype == np.float32
    error = np.abs(candidate.ab - truth).mean()
    assert error < np.abs(truth - truth.mean(axis=(1, 2), keepdims=True)).mean()  # beats one mean colour
    assert error < np.abs(truth).mean()  # and gray
    assert candidate.quality.shape == truth.shape[1:] and 0 <= candidate.quality.min() <= candidate.quality.max() <= 1


def two_colours_at_one_lightness():
    """A reference (64, 64, 3) Lab: a red and a blue half of L 40 side by side over a white band
    of L 85: at L 40 the reference holds two colours, at L 85 one."""
    lab = np.zeros((64, 64, 3), np.float32)
    lab[:32, :32] = (40.0, 40.0, 0.0)
    lab[:32, 32:] = (40.0, 0.0, -40.0)
    lab[32:] = (85.0, 0.0, 0.0)
    return lab


def test_a_lightness_holding_several_colours_falls_back_to_the_references_mean():
    lab = two_colours_at_one_lightness()
    table = LightnessChroma.from_lab(lab)
    mean = lab[..., 1:].reshape(-1, 2).mean(axis=0)
    np.testing.assert_allclose(table.mean, mean, atol=1e-4)
    dark = global_candidate(table, np.full((2, 2), 40.0, np.float32))
    bright = global_candidate(table, np.full((2, 2), 85.0, np.float32))
    # Not the purple mean of red and blue (20, -20): the reference's own mean colour (10, -10).
    np.testing.assert_allclose(dark.ab[:, 0, 0], mean, atol=1.5)
    # The white band holds one colour: it keeps it (neutral), and says it is coherent.
    np.testing.assert_allclose(bright.ab[:, 0, 0], (0.0, 0.0), atol=1.0)
    assert dark.quality[0, 0] < 0.3 < 0.9 < bright.quality[0, 0]


def test_a_reference_of_one_colour_per_lightness_keeps_its_colours():
    lab = np.zeros((64, 64, 3), np.float32)
    lab[:32] = (30.0, 50.0, 20.0)
    lab[32:] = (80.0, -20.0, 60.0)
    table = LightnessChroma.from_lab(lab)
    for lightness, chroma in ((30.0, (50.0, 20.0)), (80.0, (-20.0, 60.0))):
        candidate = global_candidate(table, np.full((1, 1), lightness, np.float32))
        np.testing.assert_allclose(candidate.ab[:, 0, 0], chroma, atol=2.0)
