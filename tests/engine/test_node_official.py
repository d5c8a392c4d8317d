"""The node on the official architecture (imported from the fixture's stand-in weights).

The official graphs differ from the lite ones where the node must adapt: VGG19 reference codes at
1/4 resolution, a width multiple of 16, the manifest's x1.25 saturation. Slow: the import (shared
with the other official tests in one session) and VGG19 on 2 CPU cores.
"""
import numpy as np
import pytest
from excolor.engine.fusion import CANDIDATES, FusionSettings
from excolor.engine.node import ColorizeNode, Keyframe, Shot

from tests.support.node import carphone_frames
from tests.support.official import imported_model_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return imported_model_dir(tmp_path_factory)


def test_official_model_runs_outward_from_a_pinned_keyframe(model_dir):
    frames = carphone_frames(3)
    shots = [Shot(0, 2, [Keyframe(frames[1], frame=1)])]  # the coloured frame it is pinned to

    def make():
        # The run from the pinned keyframe weighs the exemplar too, so that the official network
        # runs on every frame.
        node = ColorizeNode(model_dir, device="cpu", network_long_side=96, fusion=FusionSettings(from_pinned=CANDIDATES))
        node.source = lambda n: frames[n]
        node.shots = shots
        return node

    node = make()
    assert node.saturation == pytest.approx(node.model.manifest.saturation)
    layout = node.network_size(144, 176)
    assert (layout.net_h, layout.net_w) == (80, 96) and layout.net_w % 16 == 0
    assert [r.direction for r in node.runs(0)] == [-1, 1]
    results = [node.render_result(n) for n in (1, 0, 2)]
    coefficients = node.colour.luma_coefficients
    for result in results:
        plate = frames[result.frame]
        assert result.image.shape == plate.shape
        np.testing.assert_allclose(result.image @ coefficients, plate @ coefficients,
                                   rtol=1e-5, atol=1e-6)
        if result.frame == 1:  # the keyed frame: the key itself, fully trusted
            np.testing.assert_array_equal(result.confidence, 1.0)
        else:
            assert 0.0 <= result.confidence.min() < result.confidence.max() <= 1.0
    np.testing.assert_array_equal(make().render(2), results[2].image)
    assert node.stats.reference_encodes == 1
