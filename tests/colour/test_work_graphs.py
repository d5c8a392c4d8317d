"""The full-resolution colour work as ONNX graphs (excolor.colour.work_graphs) against the host's numpy
path, on real photographs and real video through a real exported model, run on ORT's CPU provider
(the graphs are meant for CUDA, where IO binding keeps the plate on the device; io_binding=True
runs that code path here with CPU OrtValues)."""
import numpy as np
import pytest
import skimage.data
from excolor.colour.cielab import lab_planes_to_srgb, srgb_lightness, srgb_to_lab
from excolor.colour.management import ColourConverter
from excolor.colour.resample import resize
from excolor.colour.upsample import GuidedChromaUpsampler
from excolor.colour.work_graphs import GraphColourWork
from excolor.engine.node import ColorizeNode, Keyframe, NodeTuning, Shot
from excolor.errors import UsageError

from tests.support.node import carphone_frames, shared_test_model


def gray_plate_and_colour(name, low_size):
    """A real photo as a plate (with values pushed outside 0..1 at the extremes, as graded plates
    have) and its own chroma at a smaller size: ab_low (2, h, w) and a confidence."""
    photo = (getattr(skimage.data, name)()[..., :3] / 255.0).astype(np.float32)
    plate = photo * np.float32(1.1) - np.float32(0.05)
    ab = np.moveaxis(srgb_to_lab(photo)[..., 1:], -1, 0)
    ab_low = resize(ab, *low_size) * np.float32(1.6)  # pushed so that some colours leave the gamut
    confidence = resize(np.abs(ab[0]) / 60.0, *low_size)
    return plate, ab_low, confidence


def host_path(converter, plate, ab_low, confidence_low):
    low_h, low_w = ab_low.shape[1:]
    l_full = srgb_lightness(converter.to_display(plate))
    l_low = resize(l_full, low_h, low_w)
    ab_full = GuidedChromaUpsampler()(l_full, l_low, ab_low)
    image = converter.recombine(plate, lab_planes_to_srgb(l_full, ab_full))
    confidence = np.clip(resize(confidence_low, *plate.shape[:2]), 0.0, 1.0)
    return l_full, l_low, image, confidence


@pytest.mark.parametrize("io_binding", [False, True])
@pytest.mark.parametrize("name,low_size,display_referred", [
    ("astronaut", (144, 144), True), ("coffee", (96, 128), True), ("chelsea", (150, 226), False)])
def test_graphs_equal_the_host_path_on_real_photos(name, low_size, display_referred, io_binding):
    converter = ColourConverter()
    converter.display_referred = display_referred  # the unbounded case: no upper gamut limit
    plate, ab_low, confidence_low = gray_plate_and_colour(name, low_size)
    l_full, l_low, image, confidence = host_path(converter, plate, ab_low, confidence_low)

    work = GraphColourWork(converter, io_binding=io_binding)
    on_device, l_content = work.lightness(plate, *low_size)
    np.testing.assert_allclose(l_content, l_low, atol=5e-5)
    got_image, got_confidence = work.finish(on_device, l_content, ab_low, confidence_low)

    assert got_image.shape == plate.shape and got_image.dtype == np.float32
    np.testing.assert_allclose(got_image, image, atol=2e-4)
    np.testing.assert_allclose(got_confidence, confidence, atol=1e-6)
    # The contract of recombine holds in the graph too: the plate's luma, channels in range.
    weights = converter.luma_coefficients
    np.testing.assert_allclose(got_image @ weights, plate @ weights, atol=2e-6)
    base_in_range = (plate @ weights >= 0) & (plate @ weights <= 1)
    assert got_image[base_in_range].min() >= 0.0
    assert (got_image[base_in_range].max() <= 1.0) == display_referred or not display_referred
    assert np.abs(got_image - plate).max() > 0.05  # colour really arrived


def test_graphs_refuse_a_working_space_that_needs_opencolorio():
    with pytest.raises(UsageError, match="Linear Rec.709"):
        GraphColourWork(ColourConverter(input_kind="scene_linear"))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return shared_test_model(tmp_path_factory)


def render_all(model_dir, plates, shots, frames, **settings):
    node = ColorizeNode(model_dir, device="cpu", **settings)
    node.source = lambda n: plates[n]
    node.shots = shots
    return node, [node.render_result(n) for n in frames]


@pytest.mark.parametrize("io_binding", [False, True])
def test_node_with_colour_graphs_renders_what_the_host_path_renders(model_dir, io_binding):
    frames = carphone_frames(6)
    extra = np.random.default_rng(3).random(frames.shape[:3] + (1,), dtype=np.float32)
    plates = np.concatenate([frames, extra], axis=3)  # an alpha channel passes through too
    shots = [Shot(0, 5, [Keyframe(frames[0], frame=0), Keyframe(frames[5], frame=5)])]
    order = [0, 1, 2, 3, 4, 5, 2]
    host_node, host = render_all(model_dir, plates, shots, order)
    graph_node, graph = render_all(model_dir, plates, shots, order,
                                   tuning=NodeTuning(colour_graphs=True, io_binding=io_binding))
    assert graph_node.colour_graphs and not host_node.colour_graphs  # on the CPU the host path is the default
    for a, b in zip(host, graph):
        np.testing.assert_allclose(b.image, a.image, atol=1e-4)
        np.testing.assert_array_equal(b.image[..., 3], plates[a.frame][..., 3])
        # The confidence comes from motion on each path's own lightness (equal to float rounding).
        np.testing.assert_allclose(b.confidence, a.confidence, atol=1e-5)
    timings = graph_node.timings
    assert "chroma" not in timings and timings["colour_out"].calls == len(order)


def test_node_refuses_colour_graphs_for_scene_linear_plates(model_dir):
    with pytest.raises(UsageError, match="host colour path"):
        ColorizeNode(model_dir, device="cpu", input_kind="scene_linear", tuning=NodeTuning(colour_graphs=True))


@pytest.mark.parametrize("io_binding", [False, True])
@pytest.mark.parametrize("kind", ["rec709", "rec601", "cie_l"])
def test_graphs_with_a_luma_kind_finish_as_the_host_does(kind, io_binding):
    """A shot's luma kind: the graph path upsamples on its graph and finishes on the host's
    kind_colour, so both paths give the same image, upsampled or at the plate's size."""
    from excolor.colour.kind_colour import kind_colour

    converter = ColourConverter()
    plate, ab_low, confidence_low = gray_plate_and_colour("coffee", (96, 128))
    l_full, l_low, _, confidence = host_path(converter, plate, ab_low, confidence_low)
    ab_full = GuidedChromaUpsampler()(l_full, l_low, ab_low)
    work = GraphColourWork(converter, io_binding=io_binding)
    on_device, l_content = work.lightness(plate, 96, 128)
    got_image, got_confidence = work.finish(on_device, l_content, ab_low, confidence_low, kind)
    np.testing.assert_allclose(got_image, kind_colour(plate, l_full, ab_full, kind), atol=2e-4)
    np.testing.assert_allclose(got_confidence, confidence, atol=1e-6)
    full_image, _ = work.finish_full(on_device, ab_full, np.ones(plate.shape[:2], np.float32), kind)
    np.testing.assert_allclose(full_image, kind_colour(plate, l_full, ab_full, kind), atol=2e-4)
