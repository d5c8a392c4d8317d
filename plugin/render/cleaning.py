"""`excolor clean OUTPUT`: remove what excolor keeps in OUTPUT's `.excolor/` folder, never more.

What a render keeps there (excolor.render.workspace) is of two kinds:

- caches, the bulk: run states (~15 MB each at 1080p), results waiting for a blend, a video's
  frames waiting for their encode, temp files of killed processes. A finished render needs
  none of them; a rerun with a changed key or plate renders what it needs again;
- records, a few kilobytes a frame: the fingerprint, each frame's done marker, its confidence
  summary, the encode and the files the render wrote. With them the same command knows the
  output is complete and its own (no --overwrite), `--report` reports every frame, and a
  changed key re-renders only its runs.

`clean_workspace` removes the caches, or with `records` everything, and only files of the
names a render writes there: anything else found in the folder is left, and named. With
`shots`, only the run states and waiting results of those shots go (a run's files are named
after it, `shot002.k1.bwd.1005.npz`): what a farm job that renders some of the shots of an
OUTPUT that other jobs share may remove.
"""
import dataclasses
import re
import socket
from pathlib import Path

from ..files import stale_temp
from .output_paths import WRITTEN_RECORD
from .workspace import COMPLETE

# (sub-folder, file name pattern) of the caches and of the records.
_STATE_FILE = re.compile(r"^.+\.-?\d+\.npz$")
_SHOT = re.compile(r"^shot(\d+)\.")  # excolor.engine.runs.Run.name
CACHES = (("states", _STATE_FILE), ("waiting", _STATE_FILE), ("frames", re.compile(r"^frame\.-?\d+\.png$")))
RECORDS = (("done", re.compile(r"^-?\d+$")), ("confidence", re.compile(r"^-?\d+\.json$")))
RECORD_FILES = ("fingerprint.json", COMPLETE, WRITTEN_RECORD)
FOLDERS = ("states", "waiting", "frames", "tmp", "done", "confidence")


@dataclasses.dataclass
class Cleaned:
    """What clean_workspace removed (or would remove): files and their bytes; kept: files found
    in the workspace that a render does not write there (left alone); busy: temp files of
    processes still running on this host (a render of OUTPUT is under way)."""

    removed: list = dataclasses.field(default_factory=list)
    bytes: int = 0
    kept: list = dataclasses.field(default_factory=list)
    busy: list = dataclasses.field(default_factory=list)


def clean_workspace(root, records=False, dry_run=False, shots=None):
    """Remove the caches of the workspace folder `root` (`.excolor/<name>/`), and its records
    too with `records` (then the folder itself, and `.excolor/` once empty) -> Cleaned.
    dry_run: remove nothing, say what would go. shots: (first, last) shot numbers (1-based, as
    runs are named): only their runs' states and waiting results (not with `records`)."""
    if shots is not None and records:
        raise ValueError("a workspace's records are the whole render's: clean them for every shot")
    root = Path(root)
    cleaned = Cleaned()
    if not root.is_dir():
        return cleaned
    kinds = CACHES + (RECORDS if records else ())
    for sub, name in kinds:
        for path in _files(root / sub):
            if not name.match(path.name):
                cleaned.kept.append(path)
            elif shots is None or _of_shots(path.name, shots):
                _remove(path, cleaned, dry_run)
    if shots is not None:
        return cleaned  # temp files name no run: they are the whole render's
    for path in _files(root / "tmp"):
        if path.name.endswith(".partial") and not stale_temp(path) and _this_host(path):
            cleaned.busy.append(path)  # a render writing right now
        else:
            _remove(path, cleaned, dry_run)
    if records:
        for name in RECORD_FILES:
            if (root / name).is_file():
                _remove(root / name, cleaned, dry_run)
        unknown = [p for p in root.iterdir() if p.name not in FOLDERS]
        cleaned.kept += [p for p in unknown if p.is_file()]
        if not dry_run:
            for sub in FOLDERS:
                _remove_empty(root / sub)
            _remove_empty(root)
            _remove_empty(root.parent)  # `.excolor/`, when no other output has a folder there
    return cleaned


def _of_shots(name, shots):
    """Whether a run's file (`shot002.k1.bwd.1005.npz`) belongs to a shot in shots (first, last)."""
    match = _SHOT.match(name)
    return match is not None and shots[0] <= int(match.group(1)) <= shots[1]


def _files(folder):
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def _this_host(path):
    return f".{socket.gethostname()}." in path.name


def _remove(path, cleaned, dry_run):
    try:
        size = path.stat().st_size
        if not dry_run:
            path.unlink()
    except FileNotFoundError:
        return  # removed by another process meanwhile
    cleaned.removed.append(path)
    cleaned.bytes += size


def _remove_empty(folder):
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (files excolor did not write), or gone already
