"""Baked frames: a scene's colorized frames kept on disk, so that scrubbing and renders show them
without running the network again.

Plain Python (no bpy). Colorizing frame N of a shot needs every frame from the shot's keyframe to
N (each frame's colours carry to the next), so jumping deep into a shot replays them all. A bake
renders the covered frames once, in order (one network step each), and stores each finished
frame (image and confidence matte, float32, exactly what the node returned) as a `.npz` file
under `folder/<fingerprint>/`, where the fingerprint (`HostSession.fingerprint`) changes with
anything the frames depend on: a bake of other settings is never shown, and baking again drops
the stale ones. `Bake` runs in steps of one frame, so the add-on's modal operator can run it
between UI events (progress, cancel).
"""
import io
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np

from excolor.files import write_atomically

from .session import HostFrame

_FINGERPRINT_DIGITS = 16
_FINGERPRINT_FOLDER = re.compile(r"^[0-9a-f]{%d}$" % _FINGERPRINT_DIGITS)


class BakeStore:
    """The baked frames of one fingerprint under `folder` (one folder per scene)."""

    def __init__(self, folder, fingerprint):
        self.root = Path(folder)
        self.folder = self.root / fingerprint[:_FINGERPRINT_DIGITS]

    def path(self, frame):
        return self.folder / f"frame_{int(frame):06d}.npz"

    def has(self, frame):
        return self.path(frame).is_file()

    def load(self, frame):
        """The baked HostFrame of scene frame `frame`, or None when it is not baked (or its file
        cannot be read: it is then baked again)."""
        path = self.path(frame)
        if not path.is_file():
            return None
        try:
            with np.load(path) as arrays:
                return HostFrame(int(frame), arrays["image"], arrays["confidence"], True)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            return None

    def save(self, host_frame):
        """Keep a covered HostFrame (written whole or not at all)."""
        buffer = io.BytesIO()
        np.savez(buffer, image=np.asarray(host_frame.image, np.float32),
                 confidence=np.asarray(host_frame.confidence, np.float32))
        write_atomically(self.path(host_frame.frame), buffer.getvalue())

    def frames(self):
        """The baked scene frames, in order."""
        return sorted(int(path.stem.split("_")[1]) for path in self.folder.glob("frame_*.npz"))

    def drop_stale(self):
        """Remove the bakes of other fingerprints in this scene's folder."""
        clear_bakes(self.root, keep=self.folder)


def clear_bakes(root, keep=None):
    """Remove the baked frames under a scene's bake folder `root` (but the folder `keep`); other
    files there are left alone. Returns how many bakes were removed."""
    root = Path(root)
    removed = 0
    if root.is_dir():
        for folder in root.iterdir():
            if folder != keep and folder.is_dir() and _FINGERPRINT_FOLDER.match(folder.name):
                shutil.rmtree(folder)
                removed += 1
    return removed


class Bake:
    """Bake `frames` (scene frames, in order) of a HostSession into a BakeStore, one per `step`.

    Frames already baked are skipped. `done` counts the frames baked or found baked, of `total`.
    """

    def __init__(self, session, store, frames):
        self._session = session
        self._store = store
        self.total = len(frames)
        self._pending = [frame for frame in frames if not store.has(frame)]
        self.done = self.total - len(self._pending)
        store.drop_stale()

    @property
    def finished(self):
        return not self._pending

    def step(self):
        """Render and keep the next frame; returns its scene frame number."""
        frame = self._pending.pop(0)
        self._store.save(self._session.frame(frame))
        self.done += 1
        return frame
