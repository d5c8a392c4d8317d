"""PseudoVideoDataset: the contract's shapes, exact flow, determinism, references, motion maths."""
import dataclasses

import cv2
import numpy as np
import pytest
import skimage.data
import torch
from excolor.colour.cielab import srgb_to_lab
from excolor.errors import InputError
from excolor.model.data import (
    REFERENCE_FAR,
    REFERENCE_SELF,
    REFERENCE_SIMILAR,
    PseudoVideoConfig,
    PseudoVideoDataset,
    known_motion,
)
from excolor.model.data.fastlab import rgb255_to_lab_centred

from tests.support.data_root import make_root

SIZE = (72, 120)
BASE = PseudoVideoConfig(frames=3, items_per_picture=4, sources=("images",), val_fraction=0.3)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_root(tmp_path_factory.mktemp("data"))


def _dataset(root, split="train", seed=0, size=SIZE, **changes):
    return PseudoVideoDataset(root, split, size, seed, dataclasses.replace(BASE, **changes))


def _warp_error(item):
    """Mean |L(t) - L(t-1) warped along the flow| over valid pixels, per pair, and valid share."""
    frames, flow, valid = item["frames"], item["flow"], item["valid"]
    height, width = frames.shape[-2:]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    out = []
    for t in range(1, frames.shape[0]):
        warped = cv2.remap(frames[t - 1, 0], xs + flow[t - 1, 0], ys + flow[t - 1, 1], cv2.INTER_LINEAR)
        mask = valid[t - 1, 0] > 0
        out.append((float(np.abs(warped - frames[t, 0])[mask].mean()), float(mask.mean())))
    return out


def test_item_has_the_contract_shapes_and_ranges(root):
    dataset = _dataset(root)
    assert len(dataset) == len(dataset.locators()) * BASE.items_per_picture
    item = dataset[1]
    assert set(item) == {"frames", "reference", "reference_kind", "reference_recolour", "flow", "valid", "picture"}
    assert item["frames"].shape == (3, 3, *SIZE) and item["frames"].dtype == torch.float32
    assert item["reference"].shape == (3, *SIZE) and item["reference"].dtype == torch.float32
    assert item["flow"].shape == (2, 2, *SIZE) and item["flow"].dtype == torch.float32
    assert item["valid"].shape == (2, 1, *SIZE) and item["valid"].dtype == torch.float32
    assert item["reference_kind"].dtype == torch.int64 and int(item["reference_kind"]) in (0, 1, 2)
    assert set(torch.unique(item["valid"]).tolist()) <= {0.0, 1.0}
    lightness = item["frames"][:, 0]
    assert lightness.min() >= -50.01 and lightness.max() <= 50.01  # L centred
    assert item["frames"][:, 1:].abs().max() < 128
    batch = torch.utils.data.default_collate([dataset[0], dataset[2]])
    assert batch["frames"].shape == (2, 3, 3, *SIZE)


@pytest.mark.parametrize("changes", [
    {"p_objects": 0.0, "p_elastic": 0.0},
    {"p_objects": 0.0, "p_elastic": 1.0},
    {"p_objects": 1.0, "p_elastic": 1.0},
])
def test_flow_carries_frame_t_minus_1_onto_frame_t(root, changes):
    """Without photometric changes the frames agree along the flow where it is valid."""
    dataset = PseudoVideoDataset(root, "train", (96, 160), 3, dataclasses.replace(BASE, **changes).still())
    errors, shares = [], []
    for i in range(6):
        for error, share in _warp_error(dataset.sample(i)):
            errors.append(error)
            shares.append(share)
    assert np.mean(errors) < 1.0 and max(errors) < 2.0, errors  # L units, 0..100 scale
    assert np.mean(shares) > 0.5
    # The flow is a real motion, not zero: frames differ much more without it.
    item = dataset.sample(0)
    assert np.abs(item["flow"]).max() > 0.5


def test_occluders_make_invalid_regions(root):
    dataset = _dataset(root, p_objects=1.0, max_objects=3, object_speed=12.0, speeds=((1.0, 8.0),))
    invalid = [1.0 - float(dataset.sample(i)["valid"].mean()) for i in range(6)]
    assert max(invalid) > 0.01


def test_items_are_deterministic_per_seed_and_epoch(root):
    first, again = _dataset(root, seed=7), _dataset(root, seed=7)
    a, b = first.sample(3), again.sample(3)
    for key in ("frames", "reference", "flow", "valid"):
        np.testing.assert_array_equal(a[key], b[key])
    other = _dataset(root, seed=8).sample(3)
    assert not np.array_equal(a["frames"], other["frames"])
    first.set_epoch(1)
    assert not np.array_equal(first.sample(3)["frames"], a["frames"])


def test_reference_kinds(root):
    far = _dataset(root, p_reference=(0.0, 0.0, 1.0), speeds=((1.0, 2.0),)).sample(0)
    assert far["reference_kind"] == REFERENCE_FAR
    assert np.abs(far["reference"] - far["frames"][-1]).mean() > 0.5

    similar = _dataset(root, p_reference=(0.0, 1.0, 0.0))
    item = similar.sample(0)
    assert item["reference_kind"] == REFERENCE_SIMILAR
    neighbours = similar.store.neighbours[item["picture"]]
    assert neighbours and item["picture"] not in neighbours

    own = _dataset(root, p_reference=(1.0, 0.0, 0.0), recolour_hue=0.05).sample(1)
    assert own["reference_kind"] == REFERENCE_SELF
    hue, saturation = own["reference_recolour"]
    assert abs(hue) <= 0.05 and 0.9 <= saturation <= 1.1


def test_splits_hold_different_pictures(root):
    train, val = _dataset(root, "train"), _dataset(root, "val")
    assert train.locators() and val.locators()
    assert not set(train.locators()) & set(val.locators())
    record = train.record()
    assert record["split"] == "train" and record["config"]["frames"] == 3


def test_bad_arguments_are_clear_errors(root, tmp_path):
    with pytest.raises(ValueError, match="split"):
        _dataset(root, split="test")
    with pytest.raises(ValueError, match="size"):
        PseudoVideoDataset(root, "train", (8, 8), 0, BASE)
    with pytest.raises(InputError, match="not a directory"):
        PseudoVideoDataset(tmp_path / "missing", "train", SIZE, 0, BASE)
    with pytest.raises(ValueError, match="frames"):
        PseudoVideoConfig(frames=1)


def test_elastic_flow_inverts_the_warp_exactly():
    """s_{t-1}(p + flow) == s_t(p): both frames show the same source point, to 1e-3 px."""
    rng = np.random.default_rng(0)
    size = (60, 90)
    camera = known_motion.CameraPath(centre=(200.0, 150.0), velocity=(3.0, -2.0), scale=1.3, log_zoom=0.02,
                               angle=0.05, spin=0.01, persp=(1e-3, -5e-4))
    elastic = known_motion.ElasticField.random(rng, size, amplitude=5.0, cells=6)
    flow = known_motion.background_flow(camera, elastic, 2.0, size)
    sx, sy = known_motion.source_coords(camera, elastic, 2.0, size)
    xs, ys = known_motion.pixel_grid(size)
    qx, qy = xs + flow[0], ys + flow[1]
    inside = (qx >= 0) & (qx <= size[1] - 1) & (qy >= 0) & (qy <= size[0] - 1)
    assert inside.mean() > 0.8
    d = elastic.at(1.0)
    dx = cv2.remap(d[0], qx, qy, cv2.INTER_LINEAR)
    dy = cv2.remap(d[1], qx, qy, cv2.INTER_LINEAR)
    px, py = known_motion.apply_homography(camera.matrix(1.0, size), qx + dx, qy + dy)
    # The fixed point holds for the field as sampled (bilinearly between pixels; OpenCV's
    # remap quantises bilinear weights to 1/32, hence hundredths of a pixel, not float precision).
    assert np.abs(px - sx)[inside].max() < 0.02 and np.abs(py - sy)[inside].max() < 0.02
    assert np.abs(flow).mean() > 1.0


def test_fast_lab_matches_the_exact_conversion():
    rng = np.random.default_rng(1)
    photo = skimage.data.astronaut().astype(np.float32)
    rgb = np.concatenate([photo[:128, :128], rng.uniform(0, 255, (128, 128, 3)).astype(np.float32)])
    exact = srgb_to_lab(rgb / 255.0).transpose(2, 0, 1)
    exact[0] -= 50.0
    assert np.abs(rgb255_to_lab_centred(rgb) - exact).max() < 0.02
