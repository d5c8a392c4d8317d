"""The Bake operators: render the scene's shots to disk with progress and cancel, or drop them.

Baked frames are EXR sequences the compositor's Image nodes read (a baked .blend renders without
the add-on). From the panel's button, Bake is a modal operator: a window timer renders one frame per tick,
so the UI keeps drawing, Blender's progress display counts the frames and the status bar says
how far it is; Esc cancels (frames baked so far are kept, and the next Bake resumes after them).
From a script or in background mode (`bpy.ops.excolor.bake()`), it bakes in one call. See
`excolor.hosts.blender.bake` for what is kept and when it is used.
"""
import bpy

from excolor.errors import ExcolorError

from . import blender_scene, scene_runtime
from .bake import Bake, clear_bakes

TIMER_SECONDS = 0.01  # one frame per tick: the tick only hands control back to the UI


def _show(scene):
    """Redraw the current frame (now baked); errors are in the panel already."""
    try:
        scene_runtime.update_frame(scene)
    except ExcolorError:
        pass


class EXCOLOR_OT_bake(bpy.types.Operator):
    """Colorize the scene's shots once, in order, and keep the frames on disk: scrubbing and renders then read them back (Esc cancels)"""

    bl_idname = "excolor.bake"
    bl_label = "Bake"

    def _start(self, context):
        """A Bake of every frame in the scene's frame range (the frames no shot covers too, so
        that the Image nodes find a file for each frame of a render), or None (reported)."""
        scene = context.scene
        try:
            session, colourspace = scene_runtime.configure(scene)
            store = scene_runtime.bake_store(scene, session)
            covered = session.covered_frames(scene.frame_start, scene.frame_end)
        except ExcolorError as error:
            self.report({"ERROR"}, str(error))
            return None
        if not covered:
            self.report({"ERROR"}, "nothing to bake: no shot covers a frame of the scene's range "
                                   "that the source has (add a keyframe to a marker)")
            return None
        frames = list(range(scene.frame_start, scene.frame_end + 1))
        return Bake(session, store, frames, scene_runtime.encoder_for(colourspace))

    def _failed(self, scene, error):
        message = f"bake stopped: {error}"
        scene_runtime.runtime.messages[scene.name_full] = message
        self.report({"ERROR"}, message)
        return {"CANCELLED"}

    def execute(self, context):
        # Scripts and background mode: no UI events to wait for.
        bake = self._start(context)
        if bake is None:
            return {"CANCELLED"}
        window_manager = context.window_manager
        window_manager.progress_begin(0, bake.total)
        try:
            while not bake.finished:
                bake.step()
                window_manager.progress_update(bake.done)
        except ExcolorError as error:
            return self._failed(context.scene, error)
        finally:
            window_manager.progress_end()
        self.report({"INFO"}, f"excolor: {bake.total} frames baked")
        _show(context.scene)
        return {"FINISHED"}

    def invoke(self, context, _event):
        self._bake = self._start(context)
        if self._bake is None:
            return {"CANCELLED"}
        window_manager = context.window_manager
        window_manager.progress_begin(0, self._bake.total)
        self._timer = window_manager.event_timer_add(TIMER_SECONDS, window=context.window)
        window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def _end(self, context):
        window_manager = context.window_manager
        window_manager.event_timer_remove(self._timer)
        window_manager.progress_end()
        context.workspace.status_text_set(None)

    def modal(self, context, event):
        bake = self._bake
        if event.type == "ESC" and event.value == "PRESS":
            self._end(context)
            self.report({"WARNING"}, f"excolor: bake cancelled, {bake.done} of {bake.total} frames "
                                     "baked (kept: Bake again goes on from there)")
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}  # scrubbing, navigation and the rest of the UI keep working
        try:
            bake.step()
        except ExcolorError as error:
            self._end(context)
            return self._failed(context.scene, error)
        context.window_manager.progress_update(bake.done)
        context.workspace.status_text_set(f"excolor: baked {bake.done} of {bake.total} frames (Esc cancels)")
        if not bake.finished:
            return {"RUNNING_MODAL"}
        self._end(context)
        self.report({"INFO"}, f"excolor: {bake.total} frames baked")
        _show(context.scene)
        return {"FINISHED"}


class EXCOLOR_OT_bake_clear(bpy.types.Operator):
    """Delete the scene's baked frames (the node colorizes on demand again)"""

    bl_idname = "excolor.bake_clear"
    bl_label = "Clear Bake"

    def execute(self, context):
        scene = context.scene
        removed = clear_bakes(blender_scene.bake_folder(scene, scene.excolor))
        self.report({"INFO"}, f"excolor: {removed} bake(s) removed")
        return {"FINISHED"}
