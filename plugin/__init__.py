"""excolor: exemplar-based video colorization (Zhang et al., CVPR 2019) as a compositing node.

`import excolor` is the runtime: numpy, ONNX Runtime, OpenColorIO and PyAV, never torch.
Training, checkpoint import and export live in `excolor.model` and `excolor.export`.

The node's public API (docs/node-api.md) is importable from here: `from excolor import
ColorizeNode, Shot, Keyframe`. Those names are imported on first use, not with the package, so
that a host that imports excolor at start-up (Blender) does not load the engine until it makes
a node.
"""
import importlib

from .errors import (
    CheckpointError,
    ExcolorError,
    InputError,
    ModelError,
    ModelNotFoundError,
    OutputError,
    ProviderUnavailableError,
    StateError,
    UsageError,
)
from .errors import release_loading_guard as _release_loading_guard  # excolor.errors guards Ctrl-C while it loads

__version__ = "0.1.0"

# Public name -> the module that defines it.
_NODE_API = {
    "ColorizeNode": "excolor.engine.node",
    "FrameResult": "excolor.engine.node",
    "Shot": "excolor.engine.runs",
    "Keyframe": "excolor.engine.runs",
    "NodeTuning": "excolor.engine.tuning",
    "FusionSettings": "excolor.engine.fusion",
    "RenderCancelled": "excolor.engine.render_hooks",
}

__all__ = [
    *_NODE_API,
    "CheckpointError",
    "ExcolorError",
    "InputError",
    "ModelError",
    "ModelNotFoundError",
    "OutputError",
    "ProviderUnavailableError",
    "StateError",
    "UsageError",
    "__version__",
]


def __getattr__(name):
    """The node API's names, imported when first asked for (PEP 562)."""
    if name in _NODE_API:
        return getattr(importlib.import_module(_NODE_API[name]), name)
    raise AttributeError(f"module 'excolor' has no attribute {name!r}")


_release_loading_guard()  # loaded: a host that imports excolor keeps its own SIGINT handler
