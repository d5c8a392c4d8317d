"""excolor: exemplar-based video colorization (Zhang et al., CVPR 2019) as a compositing node.

`import excolor` is the runtime: numpy, ONNX Runtime, OpenColorIO and PyAV, never torch.
Training, checkpoint import and export live in `excolor.model` and `excolor.export`.
"""
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

__version__ = "0.1.0"

__all__ = [
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
