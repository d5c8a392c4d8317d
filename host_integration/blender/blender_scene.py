"""Blender's side of the translation: scene properties in, Image datablocks and nodes out.

Reads the panel's properties (`scene.excolor`, see excolor.hosts.blender.addon) into the plain
settings the session takes, writes a HostFrame into the two Image datablocks or points them at a
bake's EXR sequences (which the Image nodes then read themselves), and sets up the compositor tree (Blender 4.x: `scene.node_tree` with a Composite node; 5.0+:
`scene.compositing_node_group`, a CompositorNodeTree whose Group Output is the result).
"""
import os
import re
import tempfile
from pathlib import Path

import bpy
import numpy as np
import PyOpenColorIO as ocio

from excolor.errors import InputError

from .pixels import blender_matte, blender_rgba
from .session import NodeSettings
from .markers import Marker, MarkerKeyframe, shots_from_markers
from .source import SourceSpec

RESULT_NAME = "excolor result"
MATTE_NAME = "excolor confidence"
MATTE_SPACE = "Non-Color"
DEFAULT_BAKE_FOLDER = "//excolor_bake/"
# What the images hold until the add-on writes a frame into them, and after a frame failed:
# Blender's own colour for a missing image, so that a render node without the add-on (or a
# failed frame in the interface) shows a frame no one takes for a dark plate.
MISSING_COLOUR = (1.0, 0.0, 1.0, 1.0)
# An Image node shows file number (scene frame - start + 1 + offset), clamped to 0..duration:
# start 1, offset 0 and the longest duration make it the scene frame itself.
_SEQUENCE_FRAMES = {"frame_start": 1, "frame_offset": 0, "frame_duration": 1048574}


def node_settings(props):
    """NodeSettings from the panel (empty model -> packaged default, size 0 -> model default)."""
    model = props.model.strip()
    if model and (model.startswith("//") or os.sep in model or "/" in model):
        model = bpy.path.abspath(model)
    return NodeSettings(
        model=model or None,
        device=props.device.lower(),
        network_long_side=props.network_size or None,
        saturation=props.saturation if props.use_saturation else None,
    )


def source_of(props):
    """(SourceSpec, Blender colourspace name of the source's pixels) from the panel."""
    if props.source_kind == "CLIP":
        clip = props.clip
        if clip is None:
            raise InputError("no source: pick a Movie Clip in the excolor panel")
        path = bpy.path.abspath(clip.filepath, library=clip.library)
        spec = SourceSpec.from_movie_clip(path, clip.source, clip.frame_start, clip.frame_offset)
        return spec, clip.colorspace_settings.name
    if not props.path:
        raise InputError("no source: give a video or image sequence path in the excolor panel")
    path = bpy.path.abspath(props.path)
    return SourceSpec(path, props.path_start), ""


def shots_of(scene, props, last_frame):
    """The node's shots from the scene's timeline markers and the panel's keyframe entries; the
    last one ends on scene frame `last_frame` (the source's last), whatever the render range."""
    markers = [Marker(m.name, m.frame) for m in scene.timeline_markers]
    keyframes = [
        MarkerKeyframe(k.marker, bpy.path.abspath(k.image) if k.image else "",
                       k.frame if k.use_frame else None)
        for k in props.keyframes
    ]
    return shots_from_markers(markers, keyframes, last_frame)


def bake_folder(scene, props):
    """The folder of the scene's baked frames: the panel's Bake Folder (relative to the .blend;
    in the system's temp folder while the file is unsaved), one subfolder per scene."""
    folder = props.bake_folder or DEFAULT_BAKE_FOLDER
    if folder.startswith("//") and not bpy.data.filepath:
        base = Path(tempfile.gettempdir()) / folder[2:]
    else:
        base = Path(bpy.path.abspath(folder))
    return base / re.sub(r"[^\w.-]", "_", scene.name_full)


class SceneLinearEncoder:
    """Converts a source's pixels to Blender's scene-linear space, as Blender does for the
    source itself (a float Image datablock holds scene-linear values whatever its colourspace
    setting says), with the OCIO config Blender uses ($OCIO, else its bundled one)."""

    def __init__(self):
        self._processors = {}
        self._config = None

    def _load(self):
        folder = bpy.utils.system_resource("DATAFILES", path="colormanagement")
        path = os.environ.get("OCIO") or (folder and os.path.join(folder, "config.ocio"))
        if not path or not Path(path).is_file():
            raise InputError(f"Blender's OCIO config was not found (looked for {path!r})")
        self._config = ocio.Config.CreateFromFile(str(path))

    def space_for(self, colourspace, input_kind):
        """The source's colourspace name: the clip's own, or for a path by its kind."""
        if colourspace:
            return colourspace
        return "sRGB" if input_kind == "video" else "scene_linear"

    def __call__(self, image, colourspace):
        """HxWxC float32 in `colourspace` -> a copy whose RGB is scene linear."""
        if self._config is None:
            self._load()
        processor = self._processors.get(colourspace)
        if processor is None:
            if self._config.getColorSpace(colourspace) is None:
                raise InputError(f"colourspace '{colourspace}' is not in Blender's OCIO config")
            processor = self._config.getProcessor(colourspace, ocio.ROLE_SCENE_LINEAR).getDefaultCPUProcessor()
            self._processors[colourspace] = processor
        out = np.array(image, dtype=np.float32, copy=True)
        rgb = np.ascontiguousarray(out[..., :3])
        processor.applyRGB(rgb)
        out[..., :3] = rgb
        return out


def ensure_image(name, current, width, height, colourspace=None):
    """A generated float RGBA Image datablock of the given size (MISSING_COLOUR until written):
    `current` if it fits, else turned back from a bake's sequence, resized, or new."""
    image = current
    if image is None:
        image = bpy.data.images.get(name) or bpy.data.images.new(
            name, width, height, alpha=True, float_buffer=True)
    if image.source != "GENERATED":
        image.source = "GENERATED"
    if tuple(image.generated_color) != MISSING_COLOUR:
        image.generated_color = MISSING_COLOUR
    if tuple(image.size) != (width, height):
        # Setting the generated size reallocates the buffer (and keeps a reloaded .blend right).
        image.generated_width, image.generated_height = width, height
        if tuple(image.size) != (width, height):
            image.scale(width, height)
    if colourspace and image.colorspace_settings.name != colourspace:
        image.colorspace_settings.name = colourspace
    return image


def write_frame(props, frame, linear_image):
    """Write a HostFrame's image (already scene linear) and matte into the panel's images."""
    height, width = linear_image.shape[:2]
    result = ensure_image(RESULT_NAME, props.result_image, width, height)
    matte = ensure_image(MATTE_NAME, props.matte_image, width, height, MATTE_SPACE)
    result.pixels.foreach_set(blender_rgba(linear_image))
    matte.pixels.foreach_set(blender_matte(frame.confidence))
    result.update()
    matte.update()
    return result, matte


def show_failure(props):
    """Fill the result and matte images with MISSING_COLOUR (a frame that failed)."""
    for image in (props.result_image, props.matte_image):
        if image is not None:
            image.pixels.foreach_set(np.tile(np.float32(MISSING_COLOUR), len(image.pixels) // 4))
            image.update()


def blend_path(path):
    """`path` as the .blend should store it: relative to the .blend once the file is saved
    (a bake that travels with its .blend stays found)."""
    return bpy.path.relpath(str(path)) if bpy.data.filepath else str(path)


def show_sequences(props, result_path, matte_path):
    """Point the result and matte images at a bake's EXR sequences (paths of any one frame's
    files): the Image nodes read each frame's files themselves, with or without the add-on."""
    for image, path in ((props.result_image, result_path), (props.matte_image, matte_path)):
        path = blend_path(path)
        if image.source != "SEQUENCE":
            image.source = "SEQUENCE"
        if image.filepath != path:
            image.filepath = path
        # Files rewritten by another bake of the same frames must be read again.
        image.reload()


def compositor_tree(scene):
    """The scene's compositor node tree, created if missing, and its output node
    (4.x: Composite node; 5.0+: Group Output of `scene.compositing_node_group`)."""
    if hasattr(scene, "compositing_node_group"):
        tree = scene.compositing_node_group
        if tree is None:
            tree = bpy.data.node_groups.new(f"{scene.name} compositor", "CompositorNodeTree")
            scene.compositing_node_group = tree
        if not any(i.item_type == "SOCKET" and i.in_out == "OUTPUT" for i in tree.interface.items_tree):
            tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
        output = next((n for n in tree.nodes if n.bl_idname == "NodeGroupOutput"), None)
        if output is None:
            output = tree.nodes.new("NodeGroupOutput")
            output.location = (400, 0)
    else:
        scene.use_nodes = True
        tree = scene.node_tree
        output = next((n for n in tree.nodes if n.bl_idname == "CompositorNodeComposite"), None)
        if output is None:
            output = tree.nodes.new("CompositorNodeComposite")
            output.location = (400, 0)
    scene.render.use_compositing = True
    return tree, output


def setup_compositor(scene, props, width, height, remove_render_layers=True):
    """Create the two images and their Image nodes; the result feeds the compositor's output.

    remove_render_layers: drop Render Layers nodes, so that a render does not also render the
    3D scene (the plate replaces it). Returns (result image, matte image).
    """
    props.result_image = ensure_image(RESULT_NAME, props.result_image, width, height)
    props.matte_image = ensure_image(MATTE_NAME, props.matte_image, width, height, MATTE_SPACE)
    tree, output = compositor_tree(scene)
    if remove_render_layers:
        for node in [n for n in tree.nodes if n.bl_idname == "CompositorNodeRLayers"]:
            tree.nodes.remove(node)
    nodes = {}
    for name, image, y in ((RESULT_NAME, props.result_image, 0), (MATTE_NAME, props.matte_image, -300)):
        node = tree.nodes.get(name) or tree.nodes.new("CompositorNodeImage")
        node.name = node.label = name
        node.image = image
        node.location = (0, y)
        for setting, value in _SEQUENCE_FRAMES.items():
            setattr(node, setting, value)
        node.use_auto_refresh = True  # the viewer follows the frame when the image is a bake
        nodes[name] = node
    tree.links.new(nodes[RESULT_NAME].outputs["Image"], output.inputs[0])
    # An interactive render (F12) runs its handlers on the render thread: with the interface
    # locked, the UI does not touch the images while render_pre writes them.
    scene.render.use_lock_interface = True
    return props.result_image, props.matte_image
