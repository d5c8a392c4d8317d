"""The `.excolor/` folder beside a batch OUTPUT: fingerprint, run states, waiting results, markers.

    OUTDIR/.excolor/<output name>/
        fingerprint.json               what the output depends on: the job's part (model,
                                       settings, plate size), each run's (its keyframe, frames
                                       and plates) and each shot's finish (its pinned keys)
        states/<run name>.<frame>.npz  a run's state after rendering <frame>, stamped with the
                                       run's digest; pruned once every frame of the run is done
        waiting/<run name>.<frame>.npz one run's result for a frame two runs blend, until the
                                       second run passes it
        done/<frame>                   marker: frame (and its --matte file) written under the
                                       digest of the runs it was made from, with each file's size
        confidence/<frame>.json        the frame's confidence in two numbers (mean, unsure
                                       share), kept so that a resumed render reports every frame
        tmp/                           temp files of atomic writes (same filesystem as OUTDIR)
        frames/                        a video OUTPUT's frames until the video holds the whole INPUT
        complete.json                  a video OUTPUT's encode: its frames and encoder settings
        written.json                   files besides frames this job wrote (excolor.render.output_paths)

A change to the job's part (model, settings) refuses the render unless --overwrite. A change to
a run's part re-renders that run and the frames it is part of, nothing else: each frame's
marker holds the digest of its runs and its shot's finish, so a frame made from unchanged runs
stays done. Every file is written to tmp/ and renamed into place, so a kill at any moment leaves
either the old file or the new one. Nothing is written outside this folder and OUTPUT itself;
`excolor clean` (excolor.render.cleaning) removes what a finished job no longer needs.
"""
import dataclasses
import functools
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from ..engine.key_suggestions import ConfidenceSummary
from ..engine.state import RunFrame
from ..errors import OutputError, StateError
from ..files import stale_temp, write_atomically

_STATE = re.compile(r"^(?P<run>.+)\.(?P<frame>-?\d+)\.npz$")
# The fingerprint's per-run and per-shot parts; the rest is the job's.
RUNS, FINISH = "runs", "finish"
SUBFOLDERS = ("states", "waiting", "done", "confidence", "tmp")
COMPLETE = "complete.json"


def fingerprint_digest(fingerprint):
    text = json.dumps(fingerprint, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def job_part(fingerprint):
    """The fingerprint without its per-run and per-shot parts: what every frame depends on."""
    return {name: value for name, value in fingerprint.items() if name not in (RUNS, FINISH)}


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


@dataclasses.dataclass(frozen=True)
class Changes:
    """What differs from the fingerprint an earlier render of the output left.

    runs: {run name: [change, ...]} of the runs whose part changed (or that are new);
    finish: {shot: [change, ...]} of the shots whose finish changed; earlier: an earlier
    render's fingerprint was there (False for a fresh output, or one --overwrite cleared).
    """

    runs: dict
    finish: dict
    earlier: bool


class Workspace:
    """One output's `.excolor/<name>/` folder (see module docstring)."""

    def __init__(self, output_dir, output_name):
        self.root = Path(output_dir) / ".excolor" / output_name
        self.tmp = self.root / "tmp"
        self.fingerprint = None
        self.digest = None  # the job part's digest
        self.frame_files = ()  # given to open()
        self._run_digests = {}
        self._finish_digests = {}
        self._frame_parts = None

    # -- setup and fingerprint ---------------------------------------------------------------
    def open(self, fingerprint, overwrite, frame_files, frame_parts=None):
        """Create the folders and check the fingerprint against the one on disk -> Changes.

        fingerprint: JSON-able; its RUNS part {run name: what the run depends on} and FINISH
        part {shot: what its frames' finish depends on}, the rest the job's. A different job
        part raises StateError naming what changed, unless `overwrite`: then every state,
        waiting result and marker of the old one is removed. A run whose part changed loses its
        states and waiting results; the frames made from it are no longer done.
        frame_files: (frame -> Path, ...) of each file a frame writes (OUTPUT's, a matte's): a
        done marker records their sizes, so a file cut short afterwards is rendered again.
        frame_parts: frame -> (its shot, the names of the runs it is made from); None: every
        frame depends on the job part alone.
        """
        try:
            for sub in SUBFOLDERS:
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{self.root}: cannot create the state folder ({error})") from error
        for temp in self.tmp.iterdir():
            # Temp files of killed processes (their finished files were all renamed); other
            # chunks writing into the same output right now keep theirs.
            if temp.is_file() and stale_temp(temp):
                temp.unlink()
        self.fingerprint = fingerprint
        self.digest = fingerprint_digest(job_part(fingerprint))
        self._run_digests = {name: self._part_digest(part) for name, part in fingerprint.get(RUNS, {}).items()}
        self._finish_digests = {shot: self._part_digest(part) for shot, part in fingerprint.get(FINISH, {}).items()}
        self._frame_parts = frame_parts
        self.frame_files = tuple(frame_files)
        path = self.root / "fingerprint.json"
        old = self._earlier(path)
        if old is not None and fingerprint_digest(job_part(old)) != self.digest:
            if not overwrite:
                changes = describe_changes(job_part(old), job_part(fingerprint)) or ["fingerprint file unreadable"]
                raise StateError(
                    f"{self.root}: the output was started with other inputs; changed: "
                    f"{'; '.join(changes)}. Pass --overwrite to render it again"
                )
            self.clear()
            old = None
        changes = Changes(_changed_parts(old, fingerprint, RUNS), _changed_parts(old, fingerprint, FINISH),
                          earlier=old is not None)
        for run_name in changes.runs:
            self.drop_run(run_name)
        for run_name in set((old or {}).get(RUNS, {})) - set(fingerprint.get(RUNS, {})):
            self.drop_run(run_name)  # a run the shots no longer have
        self.write_bytes(path, (json.dumps(fingerprint, indent=2, sort_keys=True) + "\n").encode())
        return changes

    @staticmethod
    def _earlier(path):
        """The fingerprint an earlier render left at `path`, or None ({} when unreadable)."""
        if not path.is_file():
            return None
        try:
            old = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            return {}
        return old if isinstance(old, dict) else {}

    def _part_digest(self, part):
        return fingerprint_digest({"job": self.digest, "part": part})

    def run_digest(self, run_name):
        """The digest a run's states and waiting results are stamped with."""
        return self._run_digests.get(run_name, self.digest)

    def frame_digest(self, frame):
        """The digest a frame's marker and confidence summary hold: its runs' and its shot's
        finish's (the job's alone without frame_parts)."""
        if self._frame_parts is None:
            return self.digest
        shot, run_names = self._frame_parts(frame)
        return fingerprint_digest({"job": self.digest, "finish": self._finish_digests.get(shot),
                                   "runs": sorted(self.run_digest(name) for name in run_names)})

    def clear(self):
        """Forget every state, waiting result, marker, confidence summary, cached frame and
        encode (for --overwrite)."""
        for sub in ("states", "waiting", "done", "confidence", "frames"):
            folder = self.root / sub
            if folder.is_dir():
                for item in folder.iterdir():
                    if item.is_file():
                        item.unlink()
        (self.root / COMPLETE).unlink(missing_ok=True)

    def write_bytes(self, path, data):
        """Write `data` to `path` atomically, through tmp/ (OutputError naming `path` if it fails)."""
        try:
            write_atomically(path, data, self.tmp)
        except OSError as error:
            raise OutputError(f"{path}: cannot write ({error})") from error

    def _save_arrays(self, path, arrays, digest):
        """An .npz of `arrays` and the fingerprint `digest` (np.load reads it), written atomically.

        Compressed (deflate, lossless), since a run state holds the history at the plate's size,
        at zlib's fastest level: on float chroma it gives 1.75x the speed of np.savez_compressed's
        level 6 for 6 % more bytes (a 1080p state: 370 ms and 12.8 MB against 650 ms and 12.0 MB),
        and a render saves one every few frames.
        """
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for name, array in {"fingerprint": np.array(digest), **arrays}.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
        self.write_bytes(path, buffer.getvalue())

    @staticmethod
    def _load_arrays(path, digest):
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError) as error:
            raise StateError(f"{path}: unreadable state file ({error})") from error
        if str(arrays.pop("fingerprint", "")) != digest:
            raise StateError(f"{path}: made with other inputs (fingerprint differs)")
        return arrays

    # -- run states ----------------------------------------------------------------------------
    def state_path(self, run_name, frame):
        return self.root / "states" / f"{run_name}.{frame}.npz"

    def save_state(self, state):
        self.state_saver(state)()

    def state_saver(self, state):
        """A callable that saves `state` as it is now (its arrays taken here, on the caller's
        thread: the run may step on and a device may reuse its buffers), for a writer thread."""
        return functools.partial(self._save_arrays, self.state_path(state.run_name, state.frame), state.to_arrays(),
                                 self.run_digest(state.run_name))

    def state_frames(self, run_name):
        """Frames at which `run_name` has a saved state."""
        return [frame for frame, _path in self._run_files("states", run_name)]

    def load_state(self, run_name, frame):
        """The arrays of `run_name`'s state saved at `frame` (RunState.to_arrays()'s), checked to
        be this run's fingerprint's (StateError otherwise)."""
        return self._load_arrays(self.state_path(run_name, frame), self.run_digest(run_name))

    def drop_run(self, run_name):
        """Remove a run's states and waiting results: the run is finished (every frame it is part
        of is done), or its inputs changed."""
        for sub in ("states", "waiting"):
            for _frame, path in self._run_files(sub, run_name):
                path.unlink(missing_ok=True)  # two chunks finishing one run both prune it

    def _run_files(self, sub, run_name):
        """[(frame, path)] of `run_name`'s files in `sub` (states/ or waiting/)."""
        found = []
        for path in (self.root / sub).glob(f"{run_name}.*.npz"):
            match = _STATE.match(path.name)
            if match and match.group("run") == run_name:
                found.append((int(match.group("frame")), path))
        return found

    # -- results waiting for the second run of a blend ---------------------------------------
    def waiting_path(self, run_name, frame):
        return self.root / "waiting" / f"{run_name}.{frame}.npz"

    def save_waiting(self, result):
        self._save_arrays(self.waiting_path(result.run_name, result.frame), result.to_arrays(),
                          self.run_digest(result.run_name))

    def load_waiting(self, run_name, frame):
        """The RunFrame another run left for `frame`, or None when it has not passed yet."""
        path = self.waiting_path(run_name, frame)
        if not path.is_file():
            return None
        return RunFrame.from_arrays(self._load_arrays(path, self.run_digest(run_name)), where=str(path))

    def drop_waiting(self, run_name, frame):
        # Two processes that both found both results both drop them: gone is gone.
        self.waiting_path(run_name, frame).unlink(missing_ok=True)

    # -- frames done ---------------------------------------------------------------------------
    def marker_path(self, frame):
        return self.root / "done" / str(frame)

    def _marker(self, frame):
        """(digest, {file: size}) of `frame`'s marker (OSError, ValueError if none or unreadable)."""
        digest, _, sizes = self.marker_path(frame).read_text().partition("\n")
        return digest, json.loads(sizes or "{}")

    def is_done(self, frame):
        """True when `frame` was written from the runs it is made from now and its files are
        still whole (each the size it had when written)."""
        try:
            digest, recorded = self._marker(frame)
            return digest == self.frame_digest(frame) and all(
                recorded.get(str(path)) == path.stat().st_size for path in self._files(frame))
        except (OSError, ValueError, AttributeError):
            return False

    def made_from_runs(self, frame):
        """True when `frame` was written from the runs it is made from now (its files not
        checked: a video's frame is in the encoded video)."""
        try:
            return self._marker(frame)[0] == self.frame_digest(frame)
        except (OSError, ValueError):
            return False

    def mark_done(self, frame):
        # Keyed by the whole path: OUTPUT and a --matte sequence elsewhere may share file names.
        sizes = {str(path): path.stat().st_size for path in self._files(frame)}
        self.write_bytes(self.marker_path(frame), f"{self.frame_digest(frame)}\n{json.dumps(sizes)}".encode())

    def _files(self, frame):
        return [path_of(frame) for path_of in self.frame_files]

    # -- frames' confidence summaries -----------------------------------------------------------
    def summary_path(self, frame):
        return self.root / "confidence" / f"{frame}.json"

    def save_summary(self, summary):
        """Keep a frame's ConfidenceSummary (excolor.engine.key_suggestions), under its digest."""
        record = {"fingerprint": self.frame_digest(summary.frame), **dataclasses.asdict(summary)}
        self.write_bytes(self.summary_path(summary.frame), json.dumps(record).encode())

    def load_summary(self, frame):
        """The ConfidenceSummary kept for `frame` under its digest, or None (none kept, or kept
        for other inputs)."""
        try:
            record = json.loads(self.summary_path(frame).read_text())
            if record.pop("fingerprint") != self.frame_digest(frame):
                return None
            return ConfidenceSummary(**record)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    # -- a video OUTPUT encoded ----------------------------------------------------------------
    def mark_complete(self, frames, encode):
        """Record that the video OUTPUT holds frames first..last (a FrameRange), encoded with
        `encode` (JSON-able encoder settings)."""
        record = {"frames": [frames.first, frames.last], "encode": encode}
        self.write_bytes(self.root / COMPLETE, (json.dumps(record, sort_keys=True) + "\n").encode())

    def completed(self):
        """{"frames": [first, last], "encode": settings} of the video OUTPUT's last encode, or
        None (--overwrite forgets it)."""
        try:
            record = json.loads((self.root / COMPLETE).read_text())
            return {"frames": [int(f) for f in record["frames"]], "encode": record["encode"]}
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _changed_parts(old, new, section):
    """{name: [change, ...]} of the parts of `section` (RUNS or FINISH) that differ between the
    fingerprints `old` (None: no earlier render, every part is new) and `new`."""
    before = (old or {}).get(section, {})
    changed = {}
    for name, part in new.get(section, {}).items():
        if name not in before:
            changed[name] = ["new"] if old is not None else []
        elif before[name] != part:
            changed[name] = describe_changes(before[name], part)
    return changed
