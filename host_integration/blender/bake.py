"""Baked frames: a scene's colorized frames kept on disk as EXR sequences that the compositor's
Image nodes read themselves, so that scrubbing and renders show them without running the network
again, and a baked .blend renders on a machine without the add-on.

Plain Python (no bpy). Colorizing frame N of a shot needs every frame from the shot's keyframe to
N (each frame's colours carry to the next), so jumping deep into a shot replays them all. A bake
renders the scene's frames once, in order (one network step each), and keeps each finished frame
as two float32 EXR files under `folder/<fingerprint>/`: `result.NNNNNN.exr` (RGBA, scene linear:
the pixels the result Image datablock shows) and `confidence.NNNNNN.exr` (the matte, gray RGB),
numbered by scene frame (0 and up: Blender's image sequences count no lower). The fingerprint
(`HostSession.fingerprint`) changes with anything the frames depend on: a bake of other settings
is never shown, and baking again drops the stale ones. `Bake` runs in steps of one frame, so the
add-on's modal operator can run it between UI events (progress, cancel).
"""
import re
import shutil
from pathlib import Path

import numpy as np

from excolor.errors import InputError
from excolor.io import PixelFormat, write_image

_FINGERPRINT_DIGITS = 16
_FINGERPRINT_FOLDER = re.compile(r"^[0-9a-f]{%d}$" % _FINGERPRINT_DIGITS)
_DIGITS = 6
RESULT, CONFIDENCE = "result", "confidence"
_FORMATS = {RESULT: PixelFormat("float", ("R", "G", "B", "A"), "openexr"),
            CONFIDENCE: PixelFormat("float", ("R", "G", "B"), "openexr")}


class BakeStore:
    """The baked frames of one fingerprint under `folder` (one folder per scene)."""

    def __init__(self, folder, fingerprint):
        self.root = Path(folder)
        self.folder = self.root / fingerprint[:_FINGERPRINT_DIGITS]

    def path(self, kind, frame):
        """The file of `kind` (RESULT | CONFIDENCE) for scene frame `frame`."""
        return self.folder / f"{kind}.{int(frame):0{_DIGITS}d}.exr"

    def has(self, frame):
        return self.path(RESULT, frame).is_file() and self.path(CONFIDENCE, frame).is_file()

    def save(self, frame, linear_rgba, confidence):
        """Keep scene frame `frame` (>= 0): linear_rgba float32 HxWx4 scene linear, as the result
        Image datablock holds it; confidence float32 HxW in 0..1. Each file is written whole or
        not at all, the matte last: `has` is true only once both are complete."""
        if frame < 0:
            raise InputError(f"frame {frame} cannot be baked: Blender's image sequences start at frame 0")
        matte = np.repeat(np.asarray(confidence, np.float32)[..., None], 3, axis=2)
        for kind, pixels in ((RESULT, linear_rgba), (CONFIDENCE, matte)):
            write_image(self.path(kind, frame), np.asarray(pixels, np.float32), _FORMATS[kind], self.folder)

    def frames(self):
        """The baked scene frames, in order."""
        return sorted(int(path.name.split(".")[1]) for path in self.folder.glob(f"{CONFIDENCE}.*.exr"))

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

    encode: callable(HostFrame) -> float32 HxWx4 scene-linear RGBA (what the result Image
    datablock would show). Frames already baked are skipped. `done` counts the frames baked or
    found baked, of `total`.
    """

    def __init__(self, session, store, frames, encode):
        self._session = session
        self._store = store
        self._encode = encode
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
        host_frame = self._session.frame(frame)
        self._store.save(frame, self._encode(host_frame), host_frame.confidence)
        self.done += 1
        return frame
