"""A shot list's entries as the node's shots: the one conversion from `excolor.shotlists` (which
never imports the engine) to `excolor.engine`'s `Shot` and `Keyframe`."""
from ..engine.runs import Keyframe, Shot


def node_shot(entry):
    """The node's Shot for a ShotEntry, its keyframes in the entry's order. Raises what `Shot`
    raises (ValueError) for a shot the node refuses."""
    return Shot(entry.first, entry.last, [Keyframe(image, frame) for image, frame in entry.keyframes])
