"""`excolor import-official` refuses bad input with an exit code and a message naming the file.

Each case runs the real command in a subprocess on a folder built from the fixture's stand-in
.pth files (links to the good ones, one file spoiled)."""
import os

import pytest
import torch

from tests.support.official import run_cli, stand_in_weights

pytestmark = pytest.mark.slow
STEMS = ("vgg19_conv", "nonlocal_net", "colornet")
MODEL_ERROR = 4
OUTPUT_ERROR = 5


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return stand_in_weights(tmp_path_factory)


def release_tree(weights, root, skip=()):
    """The release's layout (data/, checkpoints/video_moredata_l1/, _iter_76000 names) as links."""
    places = {
        "vgg19_conv": root / "data" / "vgg19_conv.pth",
        "nonlocal_net": root / "checkpoints" / "video_moredata_l1" / "nonlocal_net_iter_76000.pth",
        "colornet": root / "checkpoints" / "video_moredata_l1" / "colornet_iter_76000.pth",
    }
    for stem, path in places.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if stem not in skip:
            os.symlink(weights / f"{stem}.pth", path)
    return places


def check_fails(result, code, *fragments):
    assert result.returncode == code, (result.returncode, result.stderr)
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file(weights, tmp_path):
    release_tree(weights, tmp_path / "release", skip=("colornet",))
    result = run_cli("import-official", tmp_path / "release", tmp_path / "model")
    check_fails(result, MODEL_ERROR, str(tmp_path / "release"), "colornet*.pth")
    assert not (tmp_path / "model").exists()


def test_truncated_file(weights, tmp_path):
    places = release_tree(weights, tmp_path / "release", skip=("nonlocal_net",))
    data = (weights / "nonlocal_net.pth").read_bytes()
    places["nonlocal_net"].write_bytes(data[: len(data) // 3])
    result = run_cli("import-official", tmp_path / "release", tmp_path / "model")
    check_fails(result, MODEL_ERROR, str(places["nonlocal_net"]), "not a readable PyTorch checkpoint")
    assert not (tmp_path / "model").exists()


def test_not_a_checkpoint(weights, tmp_path):
    places = release_tree(weights, tmp_path / "release", skip=("colornet",))
    places["colornet"].write_text("<html>404 Not Found</html>\n")
    result = run_cli("import-official", tmp_path / "release", tmp_path / "model")
    check_fails(result, MODEL_ERROR, str(places["colornet"]), "not a readable PyTorch checkpoint")


def spoiled(weights, places, stem, change):
    state = torch.load(weights / f"{stem}.pth", weights_only=True)
    change(state)
    torch.save(state, places[stem])


def test_wrong_shape(weights, tmp_path):
    places = release_tree(weights, tmp_path / "release", skip=("nonlocal_net",))
    spoiled(weights, places, "nonlocal_net",
            lambda s: s.update({"theta.weight": torch.zeros(128, 256, 1, 1)}))
    result = run_cli("import-official", tmp_path / "release", tmp_path / "model")
    check_fails(result, MODEL_ERROR, str(places["nonlocal_net"]),
                "mis-shaped keys: theta.weight (128, 256, 1, 1) (expected (256, 256, 1, 1))")


def test_unexpected_and_missing_keys(weights, tmp_path):
    places = release_tree(weights, tmp_path / "release", skip=("colornet",))

    def change(state):
        state["conv11_1.weight"] = torch.zeros(3)
        del state["conv10_ab.bias"]

    spoiled(weights, places, "colornet", change)
    result = run_cli("import-official", tmp_path / "release", tmp_path / "model")
    check_fails(result, MODEL_ERROR, str(places["colornet"]), "unexpected keys: conv11_1.weight",
                "missing keys: conv10_ab.bias")


def test_existing_model_dir_needs_force(weights, tmp_path):
    release_tree(weights, tmp_path / "release")
    existing = tmp_path / "model"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    result = run_cli("import-official", tmp_path / "release", existing)
    check_fails(result, OUTPUT_ERROR, str(existing), "--force")
    assert (existing / "keep.txt").read_text() == "mine"


def test_bad_temperature_is_a_usage_error(weights, tmp_path):
    result = run_cli("import-official", weights, tmp_path / "model", "--temperature", "-1")
    assert result.returncode == 2 and "temperature must be > 0" in result.stderr
