"""Training data: deduplicated pictures and pseudo-videos with exactly known motion.

  PseudoVideoDataset(root, split, size, seed, config)  the torch Dataset training iterates
  PseudoVideoConfig                                    how videos are drawn (frozen dataclass)
  build_index(root, sources) / data_record(root)       the data index and its manifest record
  recipe.fetch_command(root)                           the command that fetches the pictures
"""
from .config import REFERENCE_FAR, REFERENCE_KINDS, REFERENCE_SELF, REFERENCE_SIMILAR, PseudoVideoConfig
from .dataset import PseudoVideoDataset
from .index import build_index, data_record, read_index

__all__ = [
    "PseudoVideoDataset",
    "PseudoVideoConfig",
    "build_index",
    "data_record",
    "read_index",
    "REFERENCE_SELF",
    "REFERENCE_SIMILAR",
    "REFERENCE_FAR",
    "REFERENCE_KINDS",
]
