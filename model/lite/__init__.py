"""The `lite` architecture: small enough to train and run on a CPU, trained here from scratch."""
from .checkpoint import DEFAULT_CHECKPOINT, load_checkpoint, save_checkpoint
from .config import LiteConfig
from .network import LiteColorizer

__all__ = ["DEFAULT_CHECKPOINT", "LiteColorizer", "LiteConfig", "load_checkpoint", "save_checkpoint"]
