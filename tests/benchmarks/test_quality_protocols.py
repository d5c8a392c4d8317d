"""The quality benchmark's protocols: the keys each shot gets, the exported reference, and which
methods run where."""
import cv2
import numpy as np
import pytest
from excolor.colour.cielab import srgb_to_lab
from skimage import data

from benchmarks import quality_methods as qm
from benchmarks.quality import methods_for
from benchmarks.quality_protocols import PROTOCOLS, export_reference, keys_for


def _photo():
    """A real photo as a true colour frame: (300,400,3) float32 sRGB 0..1, 8-bit values."""
    return cv2.resize(data.coffee(), (400, 300), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def test_export_reference_is_a_deterministic_smaller_warmer_jpeg():
    frame = _photo()
    exported = export_reference(frame)
    assert exported.shape == (225, 300, 3) and exported.dtype == np.float32
    assert np.array_equal(exported, export_reference(frame))  # the same frame, the same pixels
    assert np.array_equal(exported * 255.0, np.round(exported * 255.0))  # 8-bit values
    small = cv2.resize(frame, (300, 225), interpolation=cv2.INTER_AREA)
    # The grade: +5 % contrast and warmer (Lab b up); still the same picture.
    assert exported.std() > small.std()
    shift = srgb_to_lab(exported)[..., 2].mean() - srgb_to_lab(small)[..., 2].mean()
    assert 0.5 < shift < 5.0
    assert 0.0 < np.abs(exported - small).mean() < 0.05
    # JPEG's loss: the export is not the graded picture rounded to 8 bits.
    graded = np.clip((0.5 + 1.05 * (small - 0.5)) * np.float32([1.02, 1.0, 0.98]), 0, 1)
    assert not np.array_equal(exported, np.round(graded * 255) / 255)


def test_keys_for_each_protocol():
    truth = np.stack([np.full((8, 12, 3), n / 40.0, np.float32) for n in range(40)])
    shots = ((0, 9), (10, 29))
    for name in ("first", "first_unnamed"):
        (rgb, frame), = keys_for(PROTOCOLS[name], "bikes.mp4", shots, 1, truth)
        assert frame == 10 and np.array_equal(rgb, truth[10])
    (rgb, frame), = keys_for(PROTOCOLS["mid_unnamed"], "bikes.mp4", shots, 1, truth)
    assert frame == 19 and np.array_equal(rgb, truth[19])
    for name in ("first_exported", "first_exported_pinned"):
        (rgb, frame), = keys_for(PROTOCOLS[name], "bikes.mp4", shots, 0, truth)
        assert frame == 0 and rgb.shape == (6, 9, 3)
    (rgb, frame), = keys_for(PROTOCOLS["cross"], "bikes.mp4", shots, 0, truth)
    assert frame is None and np.array_equal(rgb, truth[19])  # the next shot's middle frame
    assert keys_for(PROTOCOLS["cross"], "bikes.mp4", shots[:1], 0, truth) is None
    assert keys_for(PROTOCOLS["two_keys"], "bikes.mp4", shots, 1, truth) is None
    assert [f for _, f in keys_for(PROTOCOLS["two_keys"], "bigbuckbunny.mp4", shots, 1, truth)] == [10, 29]
    # Every protocol with no frame named is scored against a protocol with the same key pinned.
    for protocol in PROTOCOLS.values():
        if protocol.twin is not None:
            twin = PROTOCOLS[protocol.twin]
            assert (twin.named, twin.keys, twin.exported) == (True, protocol.keys, protocol.exported)
            assert not protocol.named


def test_methods_for_each_protocol():
    methods = dict.fromkeys(("gray", "global", "flow", "floor", "excolor", "excolor_global", "warped_ab"))
    assert set(methods_for(PROTOCOLS["first"], methods)) == set(methods)
    assert set(methods_for(PROTOCOLS["cross"], methods)) == set(methods) - {"flow", "floor"}
    # The same key unnamed: only what the naming changes (the node); the others would repeat `first`.
    assert set(methods_for(PROTOCOLS["first_unnamed"], methods)) == {"excolor", "excolor_global"}
    # An exported key is not the plate's size: no propagation; its own mean colour once.
    assert set(methods_for(PROTOCOLS["first_exported"], methods)) == set(methods) - {"flow", "floor"}
    assert set(methods_for(PROTOCOLS["first_exported_pinned"], methods)) == {"excolor", "excolor_global"}


def test_a_key_with_no_frame_named_is_scored_at_its_frame_but_pinned_nowhere():
    frames = np.zeros((12, 2, 2, 3), np.float32)
    key = np.zeros((2, 2, 3), np.float32)
    task = qm.Task(frames, frames[..., 0].astype(np.uint8), frames[..., 0], (0, 11), ((key, 4),), named=False)
    assert task.key_frames == [4] and task.pinned == []
    assert task.outward() == [4, 5, 6, 7, 8, 9, 10, 11, 3, 2, 1, 0]  # the node's runs once it finds frame 4
    with pytest.raises(ValueError, match="pinned"):
        task.runs()
