"""PyTorch -> ONNX: a model directory (three graphs + manifest) for any ExemplarColorizer."""
from .graphs import OPSET, PRECISIONS, export_mode, export_stage
from .model_dir import export_model_dir, input_contract

__all__ = ["OPSET", "PRECISIONS", "export_mode", "export_model_dir", "export_stage", "input_contract"]
