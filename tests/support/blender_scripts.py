"""Scripts the Blender tests run inside real Blender (the `bpy` module, in its own venv).

Run as `python blender_scripts.py NAME ARGS.json`: calls the function NAME with the parsed
arguments, prints `RESULT <json>` and ends the process with os._exit (a process that imported
bpy hangs at interpreter exit). Any exception prints its traceback and exits with code 1.
"""
import importlib.util
import json
import os
import sys
import traceback


def _register():
    import excolor.hosts.blender as addon

    addon.register()
    return addon


def _build_scene(args):
    """A scene colorizing args['clip'] with the add-on: markers and keyframes from args."""
    import bpy

    scene = bpy.context.scene
    props = scene.excolor
    if args.get("path"):
        # A file path instead of a Movie Clip: args['path'] (video or name.####.ext) shows its
        # first frame at scene frame 1.
        props.source_kind = "PATH"
        props.path, props.path_start = args["path"], 1
    else:
        clip = bpy.data.movieclips.load(args["clip"])
        clip.frame_start = args.get("clip_start", 1)
        props.source_kind = "CLIP"
        props.clip = clip
    props.model = args["model"]
    props.device = "CPU"
    scene.frame_start, scene.frame_end = args["frames"]
    for name, frame in args["markers"]:
        scene.timeline_markers.new(name, frame=frame)
    for marker, image, frame in args["keyframes"]:
        entry = props.keyframes.add()
        entry.marker, entry.image = marker, image
        entry.use_frame = frame is not None
        entry.frame = frame or 0
    result = bpy.ops.excolor.setup_compositor()
    assert result == {"FINISHED"}, result
    # Exact pixels: no view transform look, no dither noise.
    scene.view_settings.view_transform = "Standard"
    scene.render.dither_intensity = 0
    settings = scene.render.image_settings
    if args.get("exr"):
        # Scene-linear float output: no view transform applies, values as the compositor has them.
        settings.file_format, settings.color_mode, settings.color_depth = "OPEN_EXR", "RGB", "32"
        scene.render.filepath = os.path.join(args["output"], "blender_####")
    else:
        settings.file_format, settings.color_mode, settings.color_depth = "PNG", "RGB", "8"
    return scene


def registration(args):
    """Register: properties, operators, panel and handlers exist; unregister removes them."""
    import bpy

    addon = _register()
    from excolor.hosts.blender import addon as module

    settings = bpy.types.Scene.bl_rna.properties["excolor"].fixed_type
    report = {
        "version": bpy.app.version_string,
        "properties": sorted(p.identifier for p in settings.properties if p.identifier != "rna_type"),
        "keyframe_properties": sorted(
            p.identifier for p in settings.properties["keyframes"].fixed_type.properties
            if p.identifier != "rna_type"),
        "device_items": [i.identifier for i in settings.properties["device"].enum_items],
        "source_items": [i.identifier for i in settings.properties["source_kind"].enum_items],
        "operators": sorted(name for name in dir(bpy.ops.excolor)),
        "panel": [bpy.types.EXCOLOR_PT_panel.bl_space_type, bpy.types.EXCOLOR_PT_panel.bl_category],
        "render_pre": module._on_render_pre in bpy.app.handlers.render_pre,
        "frame_change": module._on_frame_change in bpy.app.handlers.frame_change_post,
    }
    addon.unregister()
    report["after_unregister"] = {
        "scene_property": hasattr(bpy.types.Scene, "excolor"),
        "panel": hasattr(bpy.types, "EXCOLOR_PT_panel"),
        "render_pre": any(getattr(h, "__module__", "").startswith("excolor") for h in bpy.app.handlers.render_pre),
    }
    return report


def markers_to_shots(args):
    """The shots the add-on hands the node for the scene's markers and keyframe entries."""
    import bpy
    from excolor.errors import InputError
    from excolor.hosts.blender import blender_scene

    _register()
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = args["frames"]
    for name, frame in args["markers"]:
        scene.timeline_markers.new(name, frame=frame)
    props = scene.excolor
    for marker, image, frame in args["keyframes"]:
        entry = props.keyframes.add()
        entry.marker, entry.image, entry.use_frame, entry.frame = marker, image, frame is not None, frame or 0
    shots = blender_scene.shots_of(scene, props, scene.frame_end)
    report = {"shots": [[s.first, s.last, [[str(k.image), k.frame] for k in s.keyframes]] for s in shots]}
    # Markers no keyframe names are not excolor's: a camera bind (as Ctrl+B in the timeline
    # makes) and a plain note change nothing, even on a keyframed marker's frame.
    camera = bpy.data.objects.new("excolor_test_camera", bpy.data.cameras.new("excolor_test_camera"))
    scene.collection.objects.link(camera)
    for name, frame in args["foreign_markers"]:
        marker = scene.timeline_markers.new(name, frame=frame)
        if name.startswith("F_"):
            marker.camera = camera
    ignored = blender_scene.shots_of(scene, props, scene.frame_end)
    report["shots_with_foreign_markers"] = [[s.first, s.last, [[str(k.image), k.frame] for k in s.keyframes]]
                                            for s in ignored]
    # A keyframe bound to a marker that does not exist is still an error that names it.
    entry = props.keyframes.add()
    entry.marker, entry.image = "gone", args["keyframes"][0][1]
    try:
        blender_scene.shots_of(scene, props, scene.frame_end)
        report["unbound_error"] = None
    except InputError as error:
        report["unbound_error"] = str(error)
    props.keyframes.remove(len(props.keyframes) - 1)
    # The panel's + button: a keyframe entry bound to the marker on the current frame (a new
    # marker where there is none), pinned to that frame once the user ticks "Pin to Frame".
    added = []
    for frame in args["add_at"]:
        scene.frame_current = frame
        assert bpy.ops.excolor.keyframe_add() == {"FINISHED"}
        entry = props.keyframes[props.active_keyframe]
        added.append([entry.marker, entry.frame, entry.use_frame])
    report["added"] = added
    report["markers_after_add"] = sorted([m.name, m.frame] for m in scene.timeline_markers)
    for _ in args["add_at"]:
        assert bpy.ops.excolor.keyframe_remove() == {"FINISHED"}
    report["entries_after_remove"] = len(props.keyframes)
    return report


def _pixels(image):
    import numpy as np
    from excolor.hosts.blender.pixels import from_blender_rgba

    width, height = image.size
    flat = np.empty(width * height * 4, np.float32)
    image.pixels.foreach_get(flat)
    return from_blender_rgba(flat, height, width)


def render(args):
    """Render args['frames'] as an animation into args['output'] (blender_####.png); then scrub
    (frame_set in args['scrub_order']) and compare the result image with a sequential pass;
    optionally save the scene as args['blend'] first."""
    import bpy
    import numpy as np
    from excolor.hosts.blender import scene_runtime

    if not args.get("registered"):
        _register()
    scene = _build_scene(args)
    if args.get("blend"):
        # The source relative to the .blend, as an artist would save it.
        bpy.ops.wm.save_as_mainfile(filepath=args["blend"])
        bpy.ops.file.make_paths_relative()
        bpy.ops.wm.save_mainfile()
    scene.render.filepath = os.path.join(args["output"], "blender_####")
    bpy.ops.render.render(animation=True)
    props = scene.excolor
    first, last = args["frames"]
    report = {"version": bpy.app.version_string}
    # The matte image holds the current frame's confidence (a frame change updates the images),
    # rows bottom-up. The first frame holds the first shot's key, found there and pinned (its
    # confidence is 1 everywhere): the next frame's matte says more.
    scene.frame_set(first + 1)
    session = scene_runtime.runtime.session(scene)
    matte = _pixels(props.matte_image)
    report["frame_after_render"] = scene.frame_current
    expected = session.node.confidence(scene.frame_current)
    report["matte_max_difference"] = float(np.abs(matte[..., 0] - expected).max())
    report["matte_range"] = [float(expected.min()), float(expected.max())]
    # Scrub out of order in a fresh session (the node replays from its nearest kept state),
    # then step through in order in another fresh session: the frames must be identical.
    scene_runtime.runtime.drop()
    scrubbed = {}
    for frame in args["scrub_order"]:
        scene.frame_set(frame)
        scrubbed.setdefault(frame, []).append(_pixels(props.result_image))
    report["scrub_steps"] = scene_runtime.runtime.session(scene).node.stats.steps if scrubbed else 0
    scene_runtime.runtime.drop()
    scrub = {}
    for frame in range(first, last + 1):
        scene.frame_set(frame)
        sequential = _pixels(props.result_image)
        for pixels in scrubbed.get(frame, []):
            scrub[frame] = max(scrub.get(frame, 0.0), float(np.abs(pixels - sequential).max()))
    report["scrub_max_difference"] = scrub
    report["sequential_steps"] = scene_runtime.runtime.session(scene).node.stats.steps
    return report


class _ProgressRecorder:
    """Stands in for Blender's window manager in one check: bpy run as a module has no window
    to show the cursor's progress counter in, so the calls are recorded instead."""

    def __init__(self):
        self.calls = []

    def progress_begin(self, low, high):
        self.calls.append(["begin", low, high])

    def progress_update(self, value):
        self.calls.append(["update", value])

    def progress_end(self):
        self.calls.append(["end"])


def bake_then_render(args):
    """Render the animation live into args['output']/live; then, in fresh sessions, Bake into
    the .blend's folder (args['blend'], saved first: the bake folder is relative to it), scrub
    and render into args['output']/baked from the bake alone, check that other settings see no
    bake, record the progress a deep jump shows while the node replays, save the .blend, copy
    its folder (bake included) to args['moved'], and clear the bake."""
    import shutil

    import bpy
    from excolor.hosts.blender import scene_runtime

    _register()
    scene = _build_scene(args)
    props = scene.excolor
    bpy.ops.wm.save_as_mainfile(filepath=args["blend"])
    props.bake_folder = "//bake/"
    first, last = args["frames"]
    scene.render.filepath = os.path.join(args["output"], "live", "blender_####")
    bpy.ops.render.render(animation=True)
    report = {"sequential_steps": scene_runtime.runtime.session(scene).node.stats.steps}
    scene_runtime.runtime.drop()
    report["bake"] = sorted(bpy.ops.excolor.bake())
    session = scene_runtime.runtime.session(scene)
    report["bake_steps"] = session.node.stats.steps
    store = scene_runtime.bake_store(scene, session)
    report["baked"] = store.frames()
    report["bake_files"] = sorted({path.suffix for path in store.folder.iterdir()})
    scene_runtime.runtime.drop()
    for frame in args["scrub_order"]:
        scene.frame_set(frame)
    report["images"] = [[image.source, image.filepath] for image in (props.result_image, props.matte_image)]
    scene.render.filepath = os.path.join(args["output"], "baked", "blender_####")
    bpy.ops.render.render(animation=True)
    report["steps_after_bake"] = scene_runtime.runtime.session(scene).node.stats.steps
    # Another saturation is another fingerprint: the bake is not shown for it.
    props.use_saturation, props.saturation = True, 0.5
    report["other_settings_baked"] = scene_runtime.bake_store(scene, scene_runtime.configure(scene)[0]).frames()
    props.use_saturation = False
    # A jump deep into a shot in a fresh session replays it: progress counts the reads.
    scene_runtime.runtime.drop()
    session, _colourspace = scene_runtime.configure(scene)
    recorder = _ProgressRecorder()
    progress = scene_runtime.ReplayProgress(recorder, last - first + 1)
    session.frame(args["jump_to"], on_pull=progress)
    progress.close()
    report["progress_calls"] = recorder.calls
    scene.frame_set(first)
    bpy.ops.wm.save_mainfile()
    shutil.copytree(os.path.dirname(args["blend"]), args["moved"])
    report["clear"] = sorted(bpy.ops.excolor.bake_clear())
    report["after_clear"] = store.frames()
    return report


def render_then_break(args):
    """Render the animation into args['output']/good; then point the first keyframe at
    args['missing'] and render again into args['output']/broken (the process is to end there)."""
    import bpy

    _register()
    scene = _build_scene(args)
    scene.render.filepath = os.path.join(args["output"], "good", "blender_####")
    bpy.ops.render.render(animation=True)
    scene.excolor.keyframes[0].image = args["missing"]
    scene.render.filepath = os.path.join(args["output"], "broken", "blender_####")
    bpy.ops.render.render(animation=True)
    return {"rendered": sorted(os.listdir(os.path.join(args["output"], "broken")))}


def clip_mapping(args):
    """For a Movie Clip with frame_start/frame_offset set, which file frame does Blender's own
    Movie Clip node show at scene frame N, and which does the add-on read? Renders the clip node
    (no add-on images) and measures its mean difference to the file's frames around the mapped
    one, as excolor.io reads them."""
    import bpy
    import numpy as np
    import OpenImageIO as oiio
    from excolor import io
    from excolor.hosts.blender import blender_scene
    from excolor.hosts.blender.source import SourceSpec

    scene = bpy.context.scene
    clip = bpy.data.movieclips.load(args["clip"])
    clip.frame_start, clip.frame_offset = args["frame_start"], args["frame_offset"]
    tree, output = blender_scene.compositor_tree(scene)
    for node in [n for n in tree.nodes if n.bl_idname == "CompositorNodeRLayers"]:
        tree.nodes.remove(node)
    node = tree.nodes.new("CompositorNodeMovieClip")
    node.clip = clip
    tree.links.new(node.outputs["Image"], output.inputs[0])
    scene.render.resolution_x, scene.render.resolution_y = clip.size
    scene.render.resolution_percentage = 100
    scene.view_settings.view_transform = "Standard"
    scene.render.dither_intensity = 0
    scene.render.image_settings.file_format = "PNG"
    spec = SourceSpec.from_movie_clip(bpy.path.abspath(clip.filepath), clip.source,
                                      clip.frame_start, clip.frame_offset)
    reader = io.open_input(spec.path)
    spec = spec.resolved(reader.first)
    report = {}
    for frame in args["scene_frames"]:
        scene.frame_set(frame)
        scene.render.filepath = os.path.join(args["output"], f"clip_{frame}.png")
        bpy.ops.render.render(write_still=True)
        shown = oiio.ImageBuf(scene.render.filepath).get_pixels(oiio.FLOAT)[..., :3]
        mapped = spec.file_frame(frame)
        around = range(max(reader.first, mapped - 2), min(reader.last, mapped + 2) + 1)
        report[str(frame)] = {"mapped": mapped, "difference": {
            str(n): float(np.abs(shown - reader.read(n)).mean() * 255) for n in around}}
    return report


def install_extension(args):
    """Install the extension zip into Blender's user repository (as Install from Disk does),
    check that excolor and its runtime come from the extension's bundled wheels, and render."""
    import bpy

    result = bpy.ops.extensions.package_install_files(
        filepath=args["zip"], repo="user_default", enable_on_install=True)
    import av
    import cv2
    import excolor
    import onnxruntime
    import OpenImageIO
    import PyOpenColorIO

    report = {
        "install": sorted(result),
        "enabled": [name for name in bpy.context.preferences.addons.keys() if "excolor" in name],
        "modules": {m.__name__: m.__file__ for m in (excolor, onnxruntime, OpenImageIO, PyOpenColorIO, av, cv2)},
        "onnx_importable": importlib.util.find_spec("onnx") is not None,
        "extensions_dir": bpy.utils.user_resource("EXTENSIONS"),
    }
    report.update(render(dict(args, registered=True)))
    return report


def render_blend(args):
    """Open a saved .blend (the add-on enabled first, as Blender does for enabled add-ons, unless
    args['addon'] is false: a render node without it) and render its animation into
    args['output'], like `blender -b file.blend -a`; args['range'] (optional): the frames to
    render, as `-s FIRST -e LAST` set them."""
    import bpy

    if args.get("addon", True):
        _register()
    bpy.ops.wm.open_mainfile(filepath=args["blend"])
    scene = bpy.context.scene
    if args.get("range"):
        scene.frame_start, scene.frame_end = args["range"]
    scene.render.filepath = os.path.join(args["output"], "blender_####")
    bpy.ops.render.render(animation=True)
    report = {"frames": [scene.frame_start, scene.frame_end]}
    if args.get("addon", True):
        report["clip"] = scene.excolor.clip.filepath
    return report


def main():
    name, path = sys.argv[1], sys.argv[2]
    with open(path) as handle:
        args = json.load(handle)
    try:
        report = globals()[name](args)
        print("RESULT " + json.dumps(report), flush=True)
        code = 0
    except BaseException:  # noqa: BLE001 - report anything, then leave without Python's exit
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
