"""The lite architecture on real photos: shapes, ranges, matching, size rule, checkpoints."""
import numpy as np
import pytest
import skimage.data
import torch
from excolor.errors import CheckpointError
from excolor.model.lab import srgb_to_lab
from excolor.model.lite import LiteColorizer, LiteConfig, load_checkpoint, save_checkpoint
from excolor.model.lite.checkpoint import FORMAT_TAG, read_payload
from skimage.transform import resize

MAX_WEIGHT_BYTES = 20 * 1000 * 1000


def photo_lab(name, size):
    """A real photo as centred Lab (1,3,H,W) at `size`."""
    rgb = resize(getattr(skimage.data, name)(), size, anti_aliasing=True).astype(np.float32)
    lab = srgb_to_lab(torch.from_numpy(rgb).permute(2, 0, 1)[None])
    return lab - torch.tensor([50.0, 0.0, 0.0])[None, :, None, None]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return LiteColorizer().eval()


def test_stages_on_real_photos_have_the_contract_shapes(model):
    frame = photo_lab("astronaut", (64, 96))
    reference = photo_lab("chelsea", (48, 80))  # another size: each reference at its own aspect
    with torch.no_grad():
        features, reference_ab = model.reference_encoder(reference)
        warped_ab, confidence = model.correspondence(frame[:, :1], features, reference_ab)
        ab = model.colorization(frame[:, :1], warped_ab, confidence, torch.zeros_like(frame))
    assert features.shape == (1, model.config.match_channels, 12, 20)
    assert torch.allclose(features.norm(dim=1), torch.ones(1, 12, 20), atol=1e-4)
    assert torch.allclose(features.mean(dim=(2, 3)), torch.zeros(1, model.config.match_channels), atol=1e-2)
    assert reference_ab.shape == (1, 2, 12, 20)
    assert torch.allclose(reference_ab.mean(), reference[:, 1:].mean(), atol=1e-3)
    assert warped_ab.shape == (1, 2, 64, 96) and confidence.shape == (1, 1, 64, 96)
    assert ab.shape == (1, 2, 64, 96)
    assert confidence.min() >= -1.0001 and confidence.max() <= 1.0001
    # The warped colour is a convex combination of reference colours.
    assert warped_ab.min() >= reference_ab.min() - 1e-3 and warped_ab.max() <= reference_ab.max() + 1e-3
    assert torch.isfinite(ab).all() and ab.abs().max() < 128


def test_a_frame_matched_with_itself_is_fully_confident_and_gets_its_colours(model):
    frame = photo_lab("coffee", (64, 96))
    with torch.no_grad():
        features, reference_ab = model.reference_encoder(frame)
        query = model.correspondence.projector(model.correspondence.encoder(frame[:, :1]))
        warped_ab, confidence = model.correspondence(frame[:, :1], features, reference_ab)
    assert query.shape[1] == model.config.match_channels
    assert confidence.min() > 0.999  # every position finds itself (cosine 1)
    # Sharp matching (temperature 0.01) returns mostly its own cell's colour.
    upsampled = torch.nn.functional.interpolate(reference_ab, size=(64, 96), mode="bilinear")
    assert (warped_ab - upsampled).abs().mean() < 0.5 * (upsampled - upsampled.mean()).abs().mean()


def test_previous_frame_equal_to_the_frame_is_aligned_with_full_confidence(model):
    frame = photo_lab("astronaut", (64, 96))
    with torch.no_grad():
        aligned, confidence = model.colorization.motion(frame[:, :1], frame)
    assert aligned.shape == (1, 2, 64, 96)
    assert confidence.min() > 0.999


def test_size_rule_pads_never_crops_and_default_side():
    rule = LiteConfig().size_rule()
    assert rule.fit(360, 640) == (144, 256)
    height, width = rule.fit(272, 640, long_side=448)
    assert height % 8 == 0 and width % 8 == 0 and height >= 272 * 448 / 640 and width == 448
    with pytest.raises(ValueError, match="LiteConfig.temperature|temperatures"):
        LiteConfig(temperature=0)
    with pytest.raises(ValueError, match="multiples of 8"):
        LiteConfig(default_long_side=250)


def test_weights_fit_the_wheel(model):
    assert model.parameter_count() * 4 <= MAX_WEIGHT_BYTES


def test_checkpoint_round_trip(tmp_path, model):
    path = save_checkpoint(model, tmp_path / "lite.pt", steps=7, data={"sources": ["skimage"]})
    loaded = load_checkpoint(path)
    assert loaded.config == model.config
    assert loaded.train_info == {"steps": 7, "data": {"sources": ["skimage"]}}
    frame = photo_lab("astronaut", (64, 96))
    reference = photo_lab("chelsea", (64, 96))
    with torch.no_grad():
        expected = model(frame[:, :1], reference, frame)
        actual = loaded(frame[:, :1], reference, frame)
    for a, b in zip(expected, actual):
        assert torch.equal(a, b)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lite.pt"]  # no temp file left


def test_checkpoint_with_another_config_round_trips(tmp_path):
    config = LiteConfig(motion_radius=0, default_long_side=320, match_channels=16)
    model = LiteColorizer(config)
    loaded = load_checkpoint(save_checkpoint(model, tmp_path / "small.pt"))
    assert loaded.config == config and loaded.colorization.motion is None


def test_bad_checkpoints_name_the_file_and_keys(tmp_path, model):
    good = save_checkpoint(model, tmp_path / "good.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated.pt.*not a readable checkpoint"):
        load_checkpoint(truncated)
    with pytest.raises(CheckpointError, match="missing.pt: no such checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")

    bare = tmp_path / "bare.pt"
    torch.save(model.state_dict(), bare)
    with pytest.raises(CheckpointError, match="bare.pt.*bare state dict"):
        load_checkpoint(bare)

    payload = read_payload(good)
    assert payload["format"] == FORMAT_TAG
    state = payload["state_dict"]
    dropped = sorted(state)[0]
    del state[dropped]
    state["colorization.extra.weight"] = torch.zeros(1)
    key = "colorization.down2.0.0.weight"
    state[key] = torch.zeros(3, 3, 3, 3)
    broken = tmp_path / "broken.pt"
    torch.save(payload, broken)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(broken)
    message = str(error.value)
    assert "broken.pt" in message and dropped in message
    assert "colorization.extra.weight" in message and key in message

    payload = read_payload(good)
    payload["version"] = 99
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="future.pt.*version 99"):
        load_checkpoint(tmp_path / "future.pt")
    payload = read_payload(good)
    payload["config"]["colour"] = 1
    torch.save(payload, tmp_path / "config.pt")
    with pytest.raises(CheckpointError, match="config.pt.*bad lite config.*colour"):
        load_checkpoint(tmp_path / "config.pt")


def test_wrapped_state_dicts_are_unwrapped(tmp_path, model):
    payload = read_payload(save_checkpoint(model, tmp_path / "good.pt"))
    payload["state_dict"] = {"module." + k: v for k, v in payload["state_dict"].items()}
    torch.save(payload, tmp_path / "dataparallel.pt")
    loaded = load_checkpoint(tmp_path / "dataparallel.pt")
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.state_dict().values()))


def test_l2_normalize_has_one_spelling():
    from excolor.model.lite import blocks

    x = torch.tensor([3.0, 4.0, 0.0]).view(1, 3, 1, 1)
    torch.testing.assert_close(blocks.l2_normalize(x).flatten(), torch.tensor([0.6, 0.8, 0.0]))
    with pytest.raises(ImportError, match="l2_normalise"):
        from excolor.model.lite.blocks import l2_normalise  # noqa: F401
