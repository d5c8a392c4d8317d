"""A shot list's entries as the node's shots and back: the one conversion between
`excolor.shotlists` (which never imports the engine) and `excolor.engine`'s `Shot` and `Keyframe`.

A shot list's keyframe frame is a frame number (pinned), None (absent or null: find it, "auto")
or "none" (never pinned), the words `Keyframe(image, frame)` takes as they are.
"""
import dataclasses

from ..engine.runs import NOT_PINNED, Keyframe, Shot


def node_shot(entry):
    """The node's Shot for a ShotEntry, its keyframes in the entry's order. Raises what `Shot`
    raises (ValueError) for a shot the node refuses."""
    return Shot(entry.first, entry.last, [Keyframe(image, frame) for image, frame in entry.keyframes])


def entry_frame(keyframe):
    """A node Keyframe's frame in a shot list's words: its frame number, None (auto: still to
    be found) or "none" (never pinned)."""
    if keyframe.frame is not None:
        return keyframe.frame
    return None if keyframe.find_frame else NOT_PINNED


def resolved_entry(entry, shot):
    """`entry` (a ShotEntry) with its keyframes' frames as the node's `shot` (the Shot made of
    it by node_shot, its auto keyframes since resolved) holds them."""
    pairs = zip(entry.keyframes, shot.keyframes)
    return dataclasses.replace(entry, keyframes=tuple((image, entry_frame(key)) for (image, _), key in pairs))
