"""Timeline markers and keyframe entries -> the core node's shots (plain Python, no bpy).

The convention the add-on documents to users:
- a keyframe entry binds a reference image to a timeline marker by the marker's name, optionally
  pinned to the frame the image is the coloured version of; without a frame, the core node finds
  that frame in the shot and pins the image there when beyond doubt, else keeps it unpinned (an
  auto Keyframe); several entries on one marker give that shot several keyframes (the core node
  runs outward from each and blends between them);
- every marker that a keyframe entry names starts a shot; the shot ends on the frame before the
  next such marker, and the last one on the source's last frame (frames before the first are in
  no shot and pass through unchanged). The render range plays no part: a render of frames
  1013-1016 colours them exactly as a render of the whole clip does;
- other markers (camera binds, notes, markers of other tools) are not excolor's: they are
  ignored, and neither start nor end a shot.
"""
import dataclasses
from pathlib import Path

from excolor.errors import InputError
from excolor import Keyframe, Shot


@dataclasses.dataclass(frozen=True)
class Marker:
    """A timeline marker: its name and the scene frame it sits on."""

    name: str
    frame: int


@dataclasses.dataclass(frozen=True)
class MarkerKeyframe:
    """A keyframe entry of the panel: reference `image` (absolute path) for the shot starting at
    marker `marker`, pinned to scene frame `frame`, or None: the node finds the frame (auto)."""

    marker: str
    image: str
    frame: int | None = None


def shots_from_markers(markers, keyframes, last_frame):
    """The node's shots, in frame order, from markers and keyframe entries.

    markers: iterable of Marker (any order); only those a keyframe entry names count.
    keyframes: iterable of MarkerKeyframe. last_frame: the scene frame showing the source's last
    frame (the last shot ends there). Returns a list of excolor.Shot. Raises InputError naming the marker or
    entry at fault: two markers with a keyframe's name, two keyframed markers on one frame, a
    keyframed marker past `last_frame`, an entry bound to no marker, a missing image, or a
    keyframe the node refuses (e.g. a pinned frame outside its shot).
    """
    markers = list(markers)
    keyframes = list(keyframes)
    bound = {entry.marker for entry in keyframes}
    ordered = sorted((m for m in markers if m.name in bound), key=lambda m: m.frame)
    names = {}
    for before, after in zip(ordered, ordered[1:]):
        if before.frame == after.frame:
            raise InputError(
                f"markers '{before.name}' and '{after.name}' are both on frame {after.frame}: "
                "each keyframed marker starts a shot, so only one may sit on a frame"
            )
    for marker in ordered:
        if marker.name in names:
            raise InputError(
                f"two markers are named '{marker.name}' (frames {names[marker.name]} and "
                f"{marker.frame}): keyframes bind to markers by name, rename one"
            )
        names[marker.name] = marker.frame
        if marker.frame > last_frame:
            raise InputError(
                f"marker '{marker.name}' (frame {marker.frame}) is after the source's last frame "
                f"{last_frame}: its shot would be empty"
            )
    by_marker = {marker.name: [] for marker in ordered}
    for entry in keyframes:
        if entry.marker not in by_marker:
            known = ", ".join(f"'{m.name}'" for m in sorted(markers, key=lambda m: m.frame)) or "none"
            raise InputError(
                f"a keyframe ({entry.image}) is bound to marker '{entry.marker}', which does not "
                f"exist (markers: {known})"
            )
        if not entry.image:
            raise InputError(f"a keyframe of marker '{entry.marker}' has no reference image")
        if not Path(entry.image).is_file():
            raise InputError(f"marker '{entry.marker}': reference image {entry.image} does not exist")
        by_marker[entry.marker].append(Keyframe(entry.image, entry.frame))
    shots = []
    for index, marker in enumerate(ordered):
        last = ordered[index + 1].frame - 1 if index + 1 < len(ordered) else last_frame
        try:
            shots.append(Shot(marker.frame, last, by_marker[marker.name]))
        except ValueError as error:
            raise InputError(f"shot of marker '{marker.name}' ({marker.frame}-{last}): {error}") from error
    return shots
