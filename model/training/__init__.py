"""Training the lite model: configuration, objective, and the resumable trainer."""
from .config import LossWeights, TrainConfig
from .trainer import Trainer

__all__ = ["LossWeights", "TrainConfig", "Trainer"]
