"""The Blender add-on: panel properties, operators, and the handlers that drive the core node.

`scene.excolor` (ExcolorSettings) holds everything a .blend needs to render the same frames
again: source, model, network size, device, saturation, keyframe entries bound to timeline
markers, and the two Image datablocks the compositor shows. The panel lives in the compositor's
sidebar (Node Editor > N panel > excolor).

Runtime objects (one HostSession per scene) live in `excolor.hosts.blender.scene_runtime`;
the bake operators (render a scene's shots to disk, so scrubbing and renders need no replay) in
`excolor.hosts.blender.bake_operator`.
"""
import bpy
from bpy.app.handlers import persistent

from excolor.errors import ExcolorError

from . import blender_scene, scene_runtime
from .bake_operator import EXCOLOR_OT_bake, EXCOLOR_OT_bake_clear


@persistent
def _on_render_pre(scene, *_args):
    # render_pre fires once per frame of an animation render (frame_change_* do not, there).
    scene_runtime.update_frame(scene, rendering=True)


@persistent
def _on_frame_change(scene, *_args):
    # Scrubbing and playback in the UI (and scene.frame_set in scripts): a baked frame is read
    # back, else the node replays from its nearest kept state (with progress). Errors are shown
    # (stderr, panel), not raised: a frame change in a scene still being set up must not fill
    # the console with tracebacks.
    try:
        scene_runtime.update_frame(scene, progress=True)
    except ExcolorError:
        pass


@persistent
def _on_load(*_args):
    # A new file: its scenes' sessions must be rebuilt from its own settings.
    if scene_runtime.runtime is not None:
        scene_runtime.runtime.drop()


# -- properties -------------------------------------------------------------------------------
class ExcolorKeyframe(bpy.types.PropertyGroup):
    marker: bpy.props.StringProperty(
        name="Marker", description="Timeline marker whose shot this reference colours")
    image: bpy.props.StringProperty(
        name="Reference", subtype="FILE_PATH", description="Coloured reference image")
    use_frame: bpy.props.BoolProperty(
        name="Pin to Frame",
        description="The reference is the coloured version of one frame (runs go both ways from it); "
                    "off: that frame is found in the shot, and the reference pinned there when beyond doubt")
    frame: bpy.props.IntProperty(name="Frame", description="Frame the reference colours")


class ExcolorSettings(bpy.types.PropertyGroup):
    enabled: bpy.props.BoolProperty(name="Enabled", default=True,
                                    description="Colorize on frame change and render")
    source_kind: bpy.props.EnumProperty(
        name="Source", default="CLIP",
        items=[("CLIP", "Movie Clip", "A Movie Clip datablock (movie file or image sequence)"),
               ("PATH", "File", "A video file or image sequence path (name.####.ext)")])
    clip: bpy.props.PointerProperty(type=bpy.types.MovieClip, name="Clip")
    path: bpy.props.StringProperty(name="Path", subtype="FILE_PATH",
                                   description="Video file, or image sequence as name.####.ext")
    path_start: bpy.props.IntProperty(name="Start Frame", default=1,
                                      description="Scene frame that shows the file's first frame")
    model: bpy.props.StringProperty(
        name="Model", description="Model name or directory (empty: the packaged default)")
    network_size: bpy.props.IntProperty(
        name="Network Size", default=0, min=0, subtype="PIXEL",
        description="Long side of the network's working size (0: the model's default)")
    device: bpy.props.EnumProperty(
        name="Device", default="AUTO",
        items=[("AUTO", "Auto", "CUDA when available, else CPU"), ("CPU", "CPU", ""),
               ("CUDA", "CUDA", "")])
    use_saturation: bpy.props.BoolProperty(name="Saturation Override")
    saturation: bpy.props.FloatProperty(name="Saturation", default=1.0, min=0.0, soft_max=2.0)
    keyframes: bpy.props.CollectionProperty(type=ExcolorKeyframe)
    active_keyframe: bpy.props.IntProperty()
    result_image: bpy.props.PointerProperty(type=bpy.types.Image, name="Result")
    matte_image: bpy.props.PointerProperty(type=bpy.types.Image, name="Confidence")
    bake_folder: bpy.props.StringProperty(
        name="Bake Folder", subtype="DIR_PATH", default=blender_scene.DEFAULT_BAKE_FOLDER,
        description="Where Bake keeps the colorized frames (relative to the .blend; the temp "
                    "folder while the file is unsaved)")


# -- operators --------------------------------------------------------------------------------
class EXCOLOR_OT_setup_compositor(bpy.types.Operator):
    """Create the result and confidence images and their Image nodes in the compositor"""

    bl_idname = "excolor.setup_compositor"
    bl_label = "Set Up Compositor"
    bl_options = {"REGISTER", "UNDO"}

    match_resolution: bpy.props.BoolProperty(
        name="Match Resolution", default=True, description="Set the render size to the source's")
    remove_render_layers: bpy.props.BoolProperty(
        name="Remove Render Layers", default=True,
        description="The plate replaces the 3D render (which is then not rendered at all)")

    def execute(self, context):
        scene = context.scene
        props = scene.excolor
        try:
            spec, _colourspace = blender_scene.source_of(props)
            session = scene_runtime.runtime.session(scene)
            session.set_source(spec)
        except ExcolorError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        height, width = session.plate_size()
        blender_scene.setup_compositor(scene, props, width, height, self.remove_render_layers)
        if self.match_resolution:
            scene.render.resolution_x, scene.render.resolution_y = width, height
            scene.render.resolution_percentage = 100
        return {"FINISHED"}


class EXCOLOR_OT_keyframe_add(bpy.types.Operator):
    """Add a reference for the shot that starts at the current frame's marker (made if none)"""

    bl_idname = "excolor.keyframe_add"
    bl_label = "Add Keyframe"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        scene = context.scene
        frame = scene.frame_current
        # Only a marker that is excolor's already (a keyframe names it) is reused: another one
        # on this frame (a camera bind, a note) stays someone else's.
        keyframed = {entry.marker for entry in scene.excolor.keyframes}
        marker = next((m for m in scene.timeline_markers if m.frame == frame and m.name in keyframed), None)
        if marker is None:
            taken = {m.name for m in scene.timeline_markers}
            name = next(n for n in (f"shot_{frame}" + (f"_{i}" if i else "") for i in range(len(taken) + 1))
                        if n not in taken)
            marker = scene.timeline_markers.new(name, frame=frame)
        entry = scene.excolor.keyframes.add()
        entry.marker = marker.name
        entry.frame = frame
        scene.excolor.active_keyframe = len(scene.excolor.keyframes) - 1
        return {"FINISHED"}


class EXCOLOR_OT_keyframe_remove(bpy.types.Operator):
    """Remove the selected keyframe entry"""

    bl_idname = "excolor.keyframe_remove"
    bl_label = "Remove Keyframe"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        props = context.scene.excolor
        if not 0 <= props.active_keyframe < len(props.keyframes):
            return {"CANCELLED"}
        props.keyframes.remove(props.active_keyframe)
        props.active_keyframe = max(0, props.active_keyframe - 1)
        return {"FINISHED"}


class EXCOLOR_OT_refresh(bpy.types.Operator):
    """Rebuild the node (forgetting kept states) and colorize the current frame"""

    bl_idname = "excolor.refresh"
    bl_label = "Refresh"

    def execute(self, context):
        scene = context.scene
        scene_runtime.runtime.sessions.pop(scene.name_full, None)
        try:
            scene_runtime.update_frame(scene)
        except ExcolorError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        return {"FINISHED"}


# -- UI ---------------------------------------------------------------------------------------
class EXCOLOR_UL_keyframes(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0):
        row = layout.row(align=True)
        row.label(text=item.marker or "(no marker)", icon="MARKER")
        row.label(text=bpy.path.basename(item.image) or "(no image)", icon="IMAGE_DATA")
        row.label(text=str(item.frame) if item.use_frame else "auto")


class EXCOLOR_PT_panel(bpy.types.Panel):
    bl_label = "excolor"
    bl_space_type = "NODE_EDITOR"
    bl_region_type = "UI"
    bl_category = "excolor"

    @classmethod
    def poll(cls, context):
        space = context.space_data
        return space is not None and getattr(space, "tree_type", "") == "CompositorNodeTree"

    def draw(self, context):
        scene = context.scene
        props = scene.excolor
        layout = self.layout
        layout.use_property_split = True
        layout.prop(props, "enabled")
        layout.prop(props, "source_kind")
        if props.source_kind == "CLIP":
            layout.prop(props, "clip")
        else:
            layout.prop(props, "path")
            layout.prop(props, "path_start")
        layout.prop(props, "model")
        layout.prop(props, "network_size")
        layout.prop(props, "device")
        row = layout.row(heading="Saturation")
        row.prop(props, "use_saturation", text="")
        row.prop(props, "saturation", text="")
        layout.operator(EXCOLOR_OT_setup_compositor.bl_idname)
        layout.label(text="Keyframes (a marker starts each shot)")
        row = layout.row()
        row.template_list("EXCOLOR_UL_keyframes", "", props, "keyframes", props, "active_keyframe", rows=3)
        column = row.column(align=True)
        column.operator(EXCOLOR_OT_keyframe_add.bl_idname, icon="ADD", text="")
        column.operator(EXCOLOR_OT_keyframe_remove.bl_idname, icon="REMOVE", text="")
        if 0 <= props.active_keyframe < len(props.keyframes):
            entry = props.keyframes[props.active_keyframe]
            box = layout.box()
            box.prop_search(entry, "marker", scene, "timeline_markers")
            box.prop(entry, "image")
            row = box.row(heading="Pin to Frame")
            row.prop(entry, "use_frame", text="")
            row.prop(entry, "frame", text="")
        layout.prop(props, "result_image")
        layout.prop(props, "matte_image")
        layout.operator(EXCOLOR_OT_refresh.bl_idname, icon="FILE_REFRESH")
        layout.prop(props, "bake_folder")
        row = layout.row(align=True)
        row.operator(EXCOLOR_OT_bake.bl_idname, icon="RENDER_ANIMATION")
        row.operator(EXCOLOR_OT_bake_clear.bl_idname, icon="TRASH", text="")
        runtime = scene_runtime.runtime
        message = runtime.messages.get(scene.name_full) if runtime is not None else ""
        if message:
            layout.label(text=message, icon="ERROR")


CLASSES = (
    ExcolorKeyframe,
    ExcolorSettings,
    EXCOLOR_OT_setup_compositor,
    EXCOLOR_OT_keyframe_add,
    EXCOLOR_OT_keyframe_remove,
    EXCOLOR_OT_refresh,
    EXCOLOR_OT_bake,
    EXCOLOR_OT_bake_clear,
    EXCOLOR_UL_keyframes,
    EXCOLOR_PT_panel,
)
HANDLERS = (
    (bpy.app.handlers.render_pre, _on_render_pre),
    (bpy.app.handlers.frame_change_post, _on_frame_change),
    (bpy.app.handlers.load_post, _on_load),
)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.excolor = bpy.props.PointerProperty(type=ExcolorSettings)
    for handlers, function in HANDLERS:
        if function not in handlers:
            handlers.append(function)
    scene_runtime.start()


def unregister():
    for handlers, function in HANDLERS:
        while function in handlers:
            handlers.remove(function)
    scene_runtime.stop()
    del bpy.types.Scene.excolor
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
