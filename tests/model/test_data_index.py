"""The training-data index: deduplication, split by picture, provenance record, refusals."""
import json

import cv2
import pytest
import skimage.data
from excolor.errors import InputError
from excolor.model.data import build_index, data_record, read_index
from excolor.model.data import index as idx

from tests.support.data_root import PHOTOS, make_root, write_rgb


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_root(tmp_path_factory.mktemp("data"))


def _kept(index):
    return [e for e in index["pictures"] if e["usable"] and "duplicate_of" not in e]


def test_dedup_catches_a_resized_copy(root):
    index = build_index(root, sources=("images",))
    by_locator = {e["locator"]: e for e in index["pictures"]}
    assert by_locator["images/coffee_copy_small.jpg"]["duplicate_of"] == "images/coffee.png"
    assert not by_locator["images/camera_gray.png"]["usable"]
    kept = {e["locator"] for e in _kept(index)}
    assert kept == {f"images/{n}.png" for n in PHOTOS}
    # Distinct photos stay distinct: their hashes are far apart.
    hashes = [int(e["hash_full"], 16) for e in _kept(index)]
    for i in range(len(hashes)):
        for j in range(i + 1, len(hashes)):
            assert idx.hamming(hashes[i], hashes[j]) > idx.HAMMING_THRESHOLD


def test_dct_hash_survives_resize_and_recompression():
    photo = skimage.data.astronaut()
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(gray, (200, 200), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 60])
    again = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    assert idx.hamming(idx.dct_hash(gray), idx.dct_hash(again)) <= idx.HAMMING_THRESHOLD
    other = cv2.cvtColor(skimage.data.rocket(), cv2.COLOR_RGB2GRAY)
    assert idx.hamming(idx.dct_hash(gray), idx.dct_hash(other)) > idx.HAMMING_THRESHOLD


def test_split_is_disjoint_deterministic_and_covers_everything(root, tmp_path):
    index = build_index(root, sources=("images",), val_fraction=0.3)
    kept = _kept(index)
    train = {e["locator"] for e in kept if e["split"] == "train"}
    val = {e["locator"] for e in kept if e["split"] == "val"}
    assert train and val and not train & val
    assert train | val == {e["locator"] for e in kept}
    # Split groups never straddle: every member of a group is in one split.
    for group in {e["group"] for e in kept}:
        assert len({e["split"] for e in kept if e["group"] == group}) == 1
    # A second root with the same pictures gets the same split (content hashes, not order).
    again = build_index(make_root(tmp_path / "again"), sources=("images",), val_fraction=0.3)
    assert {e["locator"]: e["split"] for e in _kept(again)} == {e["locator"]: e["split"] for e in kept}


def test_variants_by_name_share_a_split_group():
    assert idx.name_stem("images/usr_share_wallpapers_Kay_contents_images_dark_1080x1920.png") == \
        idx.name_stem("images/usr_share_wallpapers_Kay_contents_images_5120x2880.png")
    assert idx.name_stem("images/gnome_adwaita-d.webp") == idx.name_stem("images/gnome_adwaita-l.webp")
    assert idx.name_stem("skimage:motorcycle_left.png") == idx.name_stem("skimage:motorcycle_right.png")
    assert idx.name_stem("images/coffee.png") != idx.name_stem("images/chelsea.png")


def test_record_lists_sources_counts_and_hashes(root):
    build_index(root, sources=("images",))
    record = data_record(root)
    assert record["sources"]["images"]["candidates"] == len(PHOTOS) + 2
    assert record["sources"]["images"]["pictures"] == len(PHOTOS)
    assert record["duplicates_dropped"] == 1 and record["unusable"] == 1
    assert record["train_pictures"] + record["val_pictures"] == len(PHOTOS)
    assert record["objects"] == 1
    assert len(record["content_sha256"]) == 64
    on_disk = json.loads((root / "index.json").read_text())
    assert on_disk["record"] == record
    entry = next(e for e in on_disk["pictures"] if e["locator"] == "images/coffee.png")
    assert entry["sha256"] == idx.file_sha256(root / "images" / "coffee.png")


def test_benchmark_clips_are_refused(tmp_path):
    (tmp_path / "images").mkdir()
    write_rgb(tmp_path / "images" / "bikes_frame0.png", skimage.data.coffee())
    with pytest.raises(InputError, match="bikes"):
        build_index(tmp_path, sources=("images",))


def test_missing_root_and_index_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="not a directory"):
        build_index(tmp_path / "nope", sources=("images",))
    with pytest.raises(InputError, match="index.json"):
        read_index(tmp_path)
    with pytest.raises(ValueError, match="unknown data sources"):
        build_index(tmp_path, sources=("imagenet",))
