"""excolor in Blender: a thin add-on that feeds Blender's frames and settings to `ColorizeNode`.

Blender has no Python compositor nodes (a custom node in a compositor tree crashes the render),
so the add-on works around the compositor rather than inside it:

- a `render_pre` handler (and `frame_change_post`, for scrubbing in the UI) reads frame N of the
  source (a Movie Clip datablock, movie or image sequence, or a file path) with excolor's own
  readers, asks the core node for frame N (or reads it back from a bake), and writes the result
  and the confidence matte into two Image datablocks (`pixels.foreach_set`, rows bottom-up);
- Image nodes in the compositor show those datablocks, so the rest of the tree, the viewer and
  renders (`blender -b file.blend -a` included) see the colorized frame.

Shots come from timeline markers: each keyframe entry binds a reference image (and optionally
the frame it colours) to a marker, and a marker that a keyframe names starts a shot, which ends
before the next such marker or at the source's last frame (never at the render range's end);
other markers are ignored. All colorization, state and scrubbing behaviour is the core node's.
A bake keeps its frames on disk as EXR sequences the Image nodes read themselves, so a baked
.blend renders where the add-on is not installed. A frame that cannot be colorized stops a
background render with a non-zero exit (Blender would write the frame anyway and exit 0).

Modules: `shots`, `source`, `session`, `bake` and `pixels` are plain Python (no bpy);
`blender_scene`, `scene_runtime`, `bake_operator` and `addon` talk to bpy; `build_extension`
(with `installed_wheel`) packs the installable extension zip.
Importing this package does not import bpy.
"""


def register():
    """Register the add-on's properties, panel, operators and handlers (needs bpy)."""
    # Deferred: `addon` imports bpy, which exists only inside Blender; importing this package
    # must work outside it (the plain-Python modules, build_extension, the tests).
    from . import addon

    addon.register()


def unregister():
    """Undo `register`."""
    from . import addon  # deferred, as in `register`

    addon.unregister()
