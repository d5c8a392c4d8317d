"""The `.excolor/` folder beside a batch OUTPUT: fingerprint, run states, waiting results, markers.

    OUTDIR/.excolor/<output name>/
        fingerprint.json               what the output depends on (model, references, settings)
        states/<run name>.<frame>.npz  a run's state after rendering <frame>
        waiting/<run name>.<frame>.npz one run's result for a frame two runs blend, until the
                                       second run passes it
        done/<frame>                   marker: frame (and its --matte file) written under the
                                       fingerprint it holds, with each file's size
        confidence/<frame>.json        the frame's confidence in two numbers (mean, unsure
                                       share), kept so that a resumed render reports every frame
        tmp/                           temp files of atomic writes (same filesystem as OUTDIR)
        frames/                        a video OUTPUT's frames before they are encoded
        complete.json                  [first, last]: a video OUTPUT encoded for those frames

Every file is written to tmp/ and renamed into place, so a kill at any moment leaves either
the old file or the new one. Nothing is written outside this folder and OUTPUT itself.
"""
import dataclasses
import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np

from ..engine.key_suggestions import ConfidenceSummary
from ..engine.state import RunFrame
from ..errors import OutputError, StateError
from ..files import stale_temp, write_atomically

_STATE = re.compile(r"^(?P<run>.+)\.(?P<frame>-?\d+)\.npz$")


def fingerprint_digest(fingerprint):
    text = json.dumps(fingerprint, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def describe_changes(old, new, prefix=""):
    """Human-readable differences between two fingerprints (nested dicts / lists)."""
    changes = []
    if isinstance(old, dict) and isinstance(new, dict):
        for name in sorted(set(old) | set(new)):
            where = f"{prefix}{name}"
            if name not in old:
                changes.append(f"{where} added ({_short(new[name])})")
            elif name not in new:
                changes.append(f"{where} removed (was {_short(old[name])})")
            elif old[name] != new[name]:
                changes += describe_changes(old[name], new[name], where + " ")
        return changes
    return [f"{prefix.strip()}: {_short(old)} -> {_short(new)}"]


def _short(value):
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


class Workspace:
    """One output's `.excolor/<name>/` folder (see module docstring)."""

    def __init__(self, output_dir, output_name):
        self.root = Path(output_dir) / ".excolor" / output_name
        self.tmp = self.root / "tmp"
        self.fingerprint = None
        self.digest = None
        self.frame_files = ()  # given to open()

    # -- setup and fingerprint ---------------------------------------------------------------
    def open(self, fingerprint, overwrite, frame_files):
        """Create the folders and check the fingerprint against the one on disk.

        A different fingerprint raises StateError naming what changed, unless `overwrite`:
        then every state, waiting result and marker of the old one is removed.
        frame_files: (frame -> Path, ...) of each file a frame writes (OUTPUT's, a matte's): a
        done marker records their sizes, so a file cut short afterwards is rendered again.
        """
        try:
            for sub in ("states", "waiting", "done", "confidence", "tmp"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{self.root}: cannot create the state folder ({error})") from error
        for temp in self.tmp.iterdir():
            # Temp files of killed processes (their finished files were all renamed); other
            # chunks writing into the same output right now keep theirs.
            if temp.is_file() and stale_temp(temp):
                temp.unlink()
        self.fingerprint = fingerprint
        self.digest = fingerprint_digest(fingerprint)
        self.frame_files = tuple(frame_files)
        path = self.root / "fingerprint.json"
        if path.is_file():
            try:
                old = json.loads(path.read_text())
            except (ValueError, UnicodeDecodeError):
                old = {}
            if fingerprint_digest(old) != self.digest:
                if not overwrite:
                    changes = describe_changes(old, fingerprint) or ["fingerprint file unreadable"]
                    raise StateError(
                        f"{self.root}: the output was started with other inputs; changed: "
                        f"{'; '.join(changes)}. Pass --overwrite to render it again"
                    )
                self.clear()
        self.write_bytes(path, (json.dumps(fingerprint, indent=2, sort_keys=True) + "\n").encode())

    def clear(self):
        """Forget every state, waiting result, marker, confidence summary and cached frame (for
        --overwrite)."""
        for sub in ("states", "waiting", "done", "confidence", "frames"):
            folder = self.root / sub
            if folder.is_dir():
                for item in folder.iterdir():
                    if item.is_file():
                        item.unlink()

    def write_bytes(self, path, data):
        """Write `data` to `path` atomically, through tmp/ (OutputError naming `path` if it fails)."""
        try:
            write_atomically(path, data, self.tmp)
        except OSError as error:
            raise OutputError(f"{path}: cannot write ({error})") from error

    def _save_arrays(self, path, arrays):
        buffer = io.BytesIO()
        # Compressed (zlib, lossless): a run state holds the history at the plate's size.
        np.savez_compressed(buffer, fingerprint=np.array(self.digest), **arrays)
        self.write_bytes(path, buffer.getvalue())

    def _load_arrays(self, path):
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError) as error:
            raise StateError(f"{path}: unreadable state file ({error})") from error
        if str(arrays.pop("fingerprint", "")) != self.digest:
            raise StateError(f"{path}: made with other inputs (fingerprint differs)")
        return arrays

    # -- run states ----------------------------------------------------------------------------
    def state_path(self, run_name, frame):
        return self.root / "states" / f"{run_name}.{frame}.npz"

    def save_state(self, state):
        self._save_arrays(self.state_path(state.run_name, state.frame), state.to_arrays())

    def state_frames(self, run_name):
        """Frames at which `run_name` has a saved state."""
        frames = []
        for path in (self.root / "states").glob(f"{run_name}.*.npz"):
            match = _STATE.match(path.name)
            if match and match.group("run") == run_name:
                frames.append(int(match.group("frame")))
        return frames

    def load_state(self, run_name, frame):
        """The arrays of `run_name`'s state saved at `frame` (RunState.to_arrays()'s), checked to
        be this fingerprint's (StateError otherwise)."""
        return self._load_arrays(self.state_path(run_name, frame))

    # -- results waiting for the second run of a blend ---------------------------------------
    def waiting_path(self, run_name, frame):
        return self.root / "waiting" / f"{run_name}.{frame}.npz"

    def save_waiting(self, result):
        self._save_arrays(self.waiting_path(result.run_name, result.frame), result.to_arrays())

    def load_waiting(self, run_name, frame):
        """The RunFrame another run left for `frame`, or None when it has not passed yet."""
        path = self.waiting_path(run_name, frame)
        if not path.is_file():
            return None
        return RunFrame.from_arrays(self._load_arrays(path), where=str(path))

    def drop_waiting(self, run_name, frame):
        # Two processes that both found both results both drop them: gone is gone.
        self.waiting_path(run_name, frame).unlink(missing_ok=True)

    # -- frames done ---------------------------------------------------------------------------
    def marker_path(self, frame):
        return self.root / "done" / str(frame)

    def is_done(self, frame):
        """True when `frame` was written under this fingerprint and its files are still whole
        (each the size it had when written)."""
        try:
            digest, _, sizes = self.marker_path(frame).read_text().partition("\n")
            recorded = json.loads(sizes or "{}")
            return digest == self.digest and all(
                recorded.get(str(path)) == path.stat().st_size for path in self._files(frame))
        except (OSError, ValueError, AttributeError):
            return False

    def mark_done(self, frame):
        # Keyed by the whole path: OUTPUT and a --matte sequence elsewhere may share file names.
        sizes = {str(path): path.stat().st_size for path in self._files(frame)}
        self.write_bytes(self.marker_path(frame), f"{self.digest}\n{json.dumps(sizes)}".encode())

    def _files(self, frame):
        return [path_of(frame) for path_of in self.frame_files]

    # -- frames' confidence summaries -----------------------------------------------------------
    def summary_path(self, frame):
        return self.root / "confidence" / f"{frame}.json"

    def save_summary(self, summary):
        """Keep a frame's ConfidenceSummary (excolor.engine.key_suggestions), under this fingerprint."""
        record = {"fingerprint": self.digest, **dataclasses.asdict(summary)}
        self.write_bytes(self.summary_path(summary.frame), json.dumps(record).encode())

    def load_summary(self, frame):
        """The ConfidenceSummary kept for `frame` under this fingerprint, or None (none kept, or
        kept for other inputs)."""
        try:
            record = json.loads(self.summary_path(frame).read_text())
            if record.pop("fingerprint") != self.digest:
                return None
            return ConfidenceSummary(**record)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    # -- a video OUTPUT encoded ----------------------------------------------------------------
    def mark_complete(self, frames):
        """Record that the video OUTPUT holds frames first..last (a FrameRange), encoded."""
        self.write_bytes(self.root / "complete.json", json.dumps([frames.first, frames.last]).encode())

    def completed(self):
        """[first, last] of the video OUTPUT's last complete encode, or None."""
        try:
            return json.loads((self.root / "complete.json").read_text())
        except (OSError, ValueError):
            return None
