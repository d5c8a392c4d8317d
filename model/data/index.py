"""The data index: every usable picture once, deduplicated, split by picture, with hashes.

`build_index(root, sources)` decodes each candidate once, stores a downscaled copy under
DATA_ROOT/cache/ (PNG, short side <= CACHE_SHORT_SIDE) and writes DATA_ROOT/index.json:

  pictures  one entry per candidate: locator, source, sha256 (of the file, or of the decoded
            pixels for a video frame), size, perceptual hashes, and either `duplicate_of` (the
            same picture at another size: dropped) or `group` + `split` (kept)
  objects   the RGBA cut-outs with sha256 and split
  record    what a trained model's manifest records (see `data_record`)

Deduplication: 64-bit DCT hashes of the gray picture and of its centre square; two pictures
are one when either pair is within `HAMMING_THRESHOLD` bits (catches resized and re-cropped
copies). Split groups additionally join variants by name (dark/light, portrait, sizes, stereo
left/right, all frames of one video) so no near-copy crosses from train to val.
The split is a pure function of the group's content hash: adding pictures never moves others.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

import cv2
import numpy as np

from excolor.errors import InputError
from excolor.files import file_sha256, write_atomically

from . import sources as src
from .recipe import missing_root

log = logging.getLogger(__name__)

INDEX_NAME = "index.json"
CACHE_DIR = "cache"
INDEX_VERSION = 2  # 2: the record names the data root by its folder's name, not its path
CACHE_SHORT_SIDE = 720
HAMMING_THRESHOLD = 8
VAL_FRACTION = 0.1
# Mean chroma (CIELAB ab magnitude) below this: a gray or nearly gray picture, useless here.
MIN_CHROMA = 4.0
_NAME_NOISE = re.compile(r"(\d+x\d+|dark|light|portrait|left|right|[-_][dl](?=$)|\d+$)")


def dct_hash(gray: np.ndarray) -> int:
    """64-bit perceptual hash of a 2-D uint8/float picture: signs of the low 8x8 DCT
    coefficients of a 32x32 thumbnail against their median (DC excluded from the median)."""
    thumb = cv2.resize(gray.astype(np.float32), (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(thumb)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    bits[0] = False
    return int("".join("1" if b else "0" for b in bits), 2)


def centre_square(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    side = min(h, w)
    y, x = (h - side) // 2, (w - side) // 2
    return image[y : y + side, x : x + side]


def hamming(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def mean_chroma(rgb: np.ndarray) -> float:
    lab = cv2.cvtColor(cv2.resize(rgb, (64, 64), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2LAB)
    ab = lab[..., 1:].astype(np.float32) - 128.0
    return float(np.mean(np.hypot(ab[..., 0], ab[..., 1])))


def name_stem(locator: str) -> str:
    """Locator reduced to what variants of one picture share (for split groups only)."""
    name = locator.split("#")[0].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    name = name.rsplit(".", 1)[0].lower()
    name = _NAME_NOISE.sub("", name)
    return re.sub(r"[-_ ]+", "_", name).strip("_")


def _unit_interval(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16) / float(16**15)


class _UnionFind:
    def __init__(self, n):
        self.parent = list(range(n))

    def find(self, i):
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i, j):
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _describe(candidate: src.Candidate, cache: Path, known: dict) -> dict:
    """Decode (or reuse) one candidate: its entry without dedup/split fields."""
    stat = candidate.path.stat()
    key = f"{candidate.locator}|{stat.st_size}|{stat.st_mtime_ns}"
    old = known.get(candidate.locator)
    if old and old.get("stat_key") == key and (old.get("cache") is None or (cache / old["cache"]).is_file()):
        return old
    rgb = src.load_rgb(candidate)
    entry = {"locator": candidate.locator, "source": candidate.source, "stat_key": key}
    if rgb is None:
        entry.update(usable=False, reason="unreadable, gray, or smaller than %d px" % src.MIN_SHORT_SIDE)
        entry["sha256"] = file_sha256(candidate.path)
        return entry
    if candidate.frame is None:
        entry["sha256"] = file_sha256(candidate.path)
    else:
        entry["sha256"] = hashlib.sha256(rgb.tobytes()).hexdigest()
    chroma = mean_chroma(rgb)
    entry.update(height=int(rgb.shape[0]), width=int(rgb.shape[1]), chroma=round(chroma, 3))
    if chroma < MIN_CHROMA:
        entry.update(usable=False, reason=f"nearly gray (mean chroma {chroma:.1f})")
        return entry
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    entry["hash_full"] = f"{dct_hash(gray):016x}"
    entry["hash_square"] = f"{dct_hash(centre_square(gray)):016x}"
    scale = CACHE_SHORT_SIDE / min(rgb.shape[:2])
    if scale < 1.0:
        size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    name = f"{entry['sha256'][:24]}.png"
    cv2.imwrite(str(cache / name), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    entry.update(usable=True, cache=name)
    return entry


def _dedup_and_split(entries: list, val_fraction: float) -> None:
    usable = [e for e in entries if e["usable"]]
    hashes = [(int(e["hash_full"], 16), int(e["hash_square"], 16)) for e in usable]
    dup = _UnionFind(len(usable))
    for i in range(len(usable)):
        for j in range(i + 1, len(usable)):
            if (
                hamming(hashes[i][0], hashes[j][0]) <= HAMMING_THRESHOLD
                or hamming(hashes[i][1], hashes[j][1]) <= HAMMING_THRESHOLD
            ):
                dup.union(i, j)
    clusters: dict = {}
    for i in range(len(usable)):
        clusters.setdefault(dup.find(i), []).append(i)
    group = _UnionFind(len(usable))
    for members in clusters.values():
        for m in members[1:]:
            group.union(members[0], m)
    by_stem: dict = {}
    for i, e in enumerate(usable):
        # All frames of one video are one scene: one split group.
        stem = e["source"] + ":" + (e["locator"].split("#")[0] if "#" in e["locator"] else name_stem(e["locator"]))
        by_stem.setdefault(stem, []).append(i)
    for members in by_stem.values():
        for m in members[1:]:
            group.union(members[0], m)
    for members in clusters.values():
        # Keep the largest copy; ties by locator so the choice is deterministic.
        keep = max(members, key=lambda k: (usable[k]["height"] * usable[k]["width"], usable[k]["locator"]))
        for m in members:
            usable[m].pop("duplicate_of", None)
            if m != keep:
                usable[m]["duplicate_of"] = usable[keep]["locator"]
    groups: dict = {}
    for i in range(len(usable)):
        groups.setdefault(group.find(i), []).append(i)
    draws = {}
    for root_i, members in groups.items():
        key = min(usable[m]["sha256"] for m in members)
        draws[root_i] = (_unit_interval(key), key)
    val_roots = {r for r, (u, _) in draws.items() if u < val_fraction}
    if not val_roots and len(draws) >= 2 and val_fraction > 0:
        val_roots = {min(draws, key=lambda r: draws[r])}
    if len(val_roots) == len(draws) and len(draws) >= 2:
        val_roots.discard(max(draws, key=lambda r: draws[r]))
    for root_i, members in groups.items():
        for m in members:
            usable[m]["group"] = draws[root_i][1][:16]
            usable[m]["split"] = "val" if root_i in val_roots else "train"


def _object_entries(root: Path, known: dict, val_fraction: float) -> list:
    entries = []
    for path in src.object_files(root):
        locator = f"objects/{path.name}"
        stat = path.stat()
        key = f"{locator}|{stat.st_size}|{stat.st_mtime_ns}"
        old = known.get(locator)
        sha = old["sha256"] if old and old.get("stat_key") == key else file_sha256(path)
        split = "val" if _unit_interval("object:" + name_stem(path.name)) < val_fraction else "train"
        entries.append({"locator": locator, "sha256": sha, "stat_key": key, "split": split})
    return entries


def _aggregate(items) -> str:
    digest = hashlib.sha256()
    for item in items:
        digest.update(item.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _record(root: Path, sources: tuple, missing: dict, entries: list, objects: list) -> dict:
    kept = [e for e in entries if e["usable"] and "duplicate_of" not in e]
    per_source = {}
    for name in sources:
        mine = [e for e in kept if e["source"] == name]
        per_source[name] = {
            "candidates": sum(1 for e in entries if e["source"] == name),
            "pictures": len(mine),
            "sha256": _aggregate(sorted(e["sha256"] for e in mine)),
        }
        if name in missing:
            per_source[name]["note"] = missing[name]
    listing = sorted(f"{e['locator']} {e['sha256']} {e['split']}" for e in kept)
    listing += sorted(f"{o['locator']} {o['sha256']} {o['split']}" for o in objects)
    return {
        "root": root.resolve().name,  # a name: the record goes into manifests, a path is one machine's
        "index": INDEX_NAME,
        "index_version": INDEX_VERSION,
        "sources": per_source,
        "candidates": len(entries),
        "unusable": sum(1 for e in entries if not e["usable"]),
        "duplicates_dropped": sum(1 for e in entries if "duplicate_of" in e),
        "pictures": len(kept),
        "train_pictures": sum(1 for e in kept if e["split"] == "train"),
        "val_pictures": sum(1 for e in kept if e["split"] == "val"),
        "groups": len({e["group"] for e in kept}),
        "objects": len(objects),
        "train_objects": sum(1 for o in objects if o["split"] == "train"),
        "excluded_by_rule": list(src.FORBIDDEN_NAMES),
        "content_sha256": _aggregate(listing),
    }


def build_index(root, sources=src.ALL_SOURCES, val_fraction=VAL_FRACTION) -> dict:
    """Build (or refresh) DATA_ROOT/index.json for `sources` and return it. Decoding is done
    only for candidates new or changed since the last index; pictures are cached as PNG."""
    root = Path(root)
    if not root.is_dir():
        raise missing_root(root)
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    sources = tuple(sources)
    old = read_index(root, required=False) or {}
    known = {e["locator"]: e for e in old.get("pictures", []) + old.get("objects", [])}
    if old.get("sources") == list(sources) and old.get("val_fraction") == val_fraction:
        if _still_valid(root, old, sources):
            return old
    cache = root / CACHE_DIR
    cache.mkdir(exist_ok=True)
    candidates, missing = src.discover(root, sources)
    entries = [_describe(c, cache, known) for c in candidates]
    _dedup_and_split(entries, val_fraction)
    objects = _object_entries(root, known, val_fraction)
    index = {
        "version": INDEX_VERSION,
        "sources": list(sources),
        "val_fraction": val_fraction,
        "hamming_threshold": HAMMING_THRESHOLD,
        "pictures": entries,
        "objects": objects,
    }
    index["record"] = _record(root, sources, missing, entries, objects)
    # Atomic: concurrent readers see the old index or the new one, never half of one.
    write_atomically(root / INDEX_NAME, json.dumps(index, indent=1))
    return index


def _still_valid(root: Path, index: dict, sources: tuple) -> bool:
    candidates, _ = src.discover(root, sources)
    stored = {e["locator"]: e["stat_key"] for e in index["pictures"]}
    if len(candidates) != len(stored):
        return False
    for c in candidates:
        stat = c.path.stat()
        if stored.get(c.locator) != f"{c.locator}|{stat.st_size}|{stat.st_mtime_ns}":
            return False
    if len(src.object_files(root)) != len(index["objects"]):
        return False
    return all((root / CACHE_DIR / e["cache"]).is_file() for e in index["pictures"] if e.get("cache"))


def read_index(root, required=True) -> dict | None:
    path = Path(root) / INDEX_NAME
    if not path.is_file():
        if required:
            raise InputError(f"{path} does not exist: build it with excolor.model.data.build_index")
        return None
    try:
        index = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: unreadable data index ({exc}); delete it to rebuild") from exc
    if index.get("version") != INDEX_VERSION:
        if required:
            raise InputError(f"{path}: index version {index.get('version')} != {INDEX_VERSION}; rebuild it")
        return None
    return index


def data_record(root) -> dict:
    """What a trained model's manifest records about its data: sources with counts and
    aggregate sha256s, dedup/split counts, objects, and one content hash of the whole listing."""
    return dict(read_index(root)["record"])
