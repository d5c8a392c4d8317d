"""Full-resolution colour work split into row bands over threads gives the same bytes as one
pass (excolor.colour.bands), through the node on real footage, in display and scene-linear spaces."""
import numpy as np
import pytest
from excolor.colour.bands import MIN_BAND_ROWS, BandPool
from excolor.colour.cielab import lab_planes_to_srgb
from excolor.colour.management import ColourConverter
from excolor.engine.node import ColorizeNode, Keyframe, NodeTuning, Shot
from excolor.errors import InputError

from tests.support.node import carphone_frames, colour_photo


def test_banded_recombine_equals_one_pass_on_a_photo():
    photo = colour_photo("astronaut", size=(300, 200))  # 300 rows: several bands
    converter = ColourConverter(input_kind="scene_linear")
    working = photo ** 2.2 * 3.0  # scene-linear values above 1: the OCIO transforms are real work
    lightness = np.full(photo.shape[:2], 60.0, np.float32)
    ab = np.stack([np.linspace(-40, 40, photo.shape[1], dtype=np.float32)[None].repeat(300, 0),
                   np.full(photo.shape[:2], 20.0, np.float32)])

    def recombine(l_band, ab_band, plate_band):
        return converter.recombine(plate_band, lab_planes_to_srgb(l_band, ab_band))

    expected = recombine(lightness, ab, working)
    pool = BandPool(4)
    try:
        out = np.empty_like(working)
        pool.run(recombine, out, (lightness, 0), (ab, 1), (working, 0))
    finally:
        pool.close()
    assert 300 // MIN_BAND_ROWS >= 4  # the run above really used four bands
    np.testing.assert_array_equal(out, expected)


def test_an_error_in_a_band_is_raised_to_the_caller():
    pool = BandPool(2)

    def check(band):
        if band.max() > 0:
            raise InputError("a bad band (test)")
        return band

    image = np.zeros((128, 8), np.float32)
    image[100] = 1.0
    try:
        with pytest.raises(InputError, match="bad band"):
            pool.run(check, np.empty_like(image), (image, 0))
    finally:
        pool.close()
    with pytest.raises(ValueError, match="threads"):
        BandPool(0)


@pytest.mark.parametrize("input_kind", ["video", "scene_linear"])
def test_node_output_does_not_depend_on_its_thread_count(input_kind):
    # carphone upscaled so that the plate spans several bands
    frames = [np.kron(f, np.ones((2, 2, 1), np.float32)) for f in carphone_frames(4)]
    outputs = {}
    for threads in (1, 3):
        node = ColorizeNode(None, device="cpu", tuning=NodeTuning(threads=threads), input_kind=input_kind)
        node.source = lambda n: frames[n]
        node.shots = [Shot(0, 3, [Keyframe(frames[0], frame=0)])]
        outputs[threads] = np.stack([node.render(n) for n in range(4)])
    np.testing.assert_array_equal(outputs[1], outputs[3])
