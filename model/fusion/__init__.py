"""The learned fusion of a frame's colour candidates (excolor.engine.fusion_graph runs it).

network: FusionNet, the small per-pixel network; clips: candidate clips recorded from the
runtime node on pseudo-videos; training: back-propagation through whole clips.
DEFAULT_CHECKPOINT: the training checkpoint (optimizer state included, a few hundred KB) of
the shipped default model's fusion graph, to continue or re-export it.
"""
from pathlib import Path

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "default.pt"
