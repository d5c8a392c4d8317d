"""What the add-on keeps while Blender runs, and the one way a frame gets into the scene's images.

Runtime objects (one HostSession per scene: the node and its kept run states) cannot be stored
in a .blend; they live in the one `SceneRuntime` that `start` creates (the add-on's `register`)
and `stop` drops, and are rebuilt on demand after a file is loaded. `update_frame` shows a frame:
its baked file when there is one (`excolor.hosts.blender.bake`), else the node renders it, with
Blender's progress display while the node replays frames to reach it.
"""
import os
import sys

import bpy

from excolor.errors import ExcolorError

from . import blender_scene
from .bake import CONFIDENCE, RESULT, BakeStore
from .pixels import as_rgba
from .session import HostSession


class SceneRuntime:
    """Per-scene sessions, the scene-linear encoder and the last message per scene."""

    def __init__(self):
        self.sessions = {}
        self.encoder = blender_scene.SceneLinearEncoder()
        self.messages = {}

    def session(self, scene):
        key = scene.name_full
        if key not in self.sessions:
            self.sessions[key] = HostSession()
        return self.sessions[key]

    def drop(self):
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()
        self.messages.clear()


runtime = None


def start():
    global runtime
    runtime = SceneRuntime()


def stop():
    global runtime
    if runtime is not None:
        runtime.drop()
    runtime = None


def configure(scene):
    """The scene's session, configured from its panel, and the Blender colourspace the result
    is encoded for (raises ExcolorError when unusable)."""
    props = scene.excolor
    spec, colourspace = blender_scene.source_of(props)
    session = runtime.session(scene)
    session.set_source(spec)
    _first, last = session.source_frames()
    shots = blender_scene.shots_of(scene, props, last)
    session.configure(blender_scene.node_settings(props), spec, shots)
    return session, runtime.encoder.space_for(colourspace, session.input_kind)


def bake_store(scene, session):
    """The BakeStore of the scene's current settings (a configured session)."""
    return BakeStore(blender_scene.bake_folder(scene, scene.excolor), session.fingerprint())


def encoder_for(colourspace):
    """callable(HostFrame) -> float32 HxWx4 scene-linear RGBA, as the result image holds it."""
    return lambda host_frame: as_rgba(runtime.encoder(host_frame.image, colourspace))


class ReplayProgress:
    """Blender's progress display (the cursor's counter) while the node replays frames: shown
    from the second frame the node reads for one requested frame, up to `most` frames."""

    def __init__(self, window_manager, most):
        self._window_manager = window_manager
        self._most = max(1, most)
        self._reads = 0

    def __call__(self, _scene_frame):
        self._reads += 1
        if self._reads == 2:
            self._window_manager.progress_begin(0, self._most)
        if self._reads >= 2:
            self._window_manager.progress_update(min(self._reads, self._most))

    def close(self):
        if self._reads >= 2:
            self._window_manager.progress_end()


def update_frame(scene, frame=None, rendering=False, progress=False):
    """Show `frame` (default: the current frame) in the scene's Image datablocks: a baked frame
    by pointing them at the bake's files, any other by rendering it into them.

    Does nothing when the add-on is off or not set up for this scene. Errors are reported on
    stderr and in the panel, and re-raised (Blender prints handler errors).
    rendering: the frame is being rendered. A failed frame then fills both images with
    MISSING_COLOUR, never the previous frame's colours (which would pass for a right frame);
    in a background render (`blender -b`, bpy as a module) the process ends with the error's
    exit code before the frame is written, as Blender writes a frame whatever its handlers
    raise and would end the render with exit code 0.
    progress: show Blender's progress display while the node replays (UI frame changes).
    """
    props = scene.excolor
    if runtime is None or not props.enabled or props.result_image is None:
        return
    frame = scene.frame_current if frame is None else frame
    try:
        session, colourspace = configure(scene)
        store = bake_store(scene, session)
        if store.has(frame):
            blender_scene.show_sequences(props, store.path(RESULT, frame), store.path(CONFIDENCE, frame))
        else:
            window_manager = bpy.context.window_manager if progress else None
            watch = ReplayProgress(window_manager, scene.frame_end - scene.frame_start + 1) if window_manager else None
            try:
                result = session.frame(frame, on_pull=watch)
            finally:
                if watch is not None:
                    watch.close()
            blender_scene.write_frame(props, result, encoder_for(colourspace)(result))
    except Exception as error:
        # Not only ExcolorError: any failure in a render must stop it, not pass a frame.
        runtime.messages[scene.name_full] = f"frame {frame}: {error}"
        print(f"excolor: frame {frame}: {error}", file=sys.stderr)
        if rendering:
            blender_scene.show_failure(props)
            if bpy.app.background:
                code = getattr(error, "exit_code", ExcolorError.exit_code)
                print(f"excolor: render stopped at frame {frame} (exit code {code})", file=sys.stderr)
                sys.stdout.flush()
                sys.stderr.flush()
                # A handler's exception only prints; SystemExit would hang bpy run as a module.
                os._exit(code)
        raise
    runtime.messages[scene.name_full] = ""
