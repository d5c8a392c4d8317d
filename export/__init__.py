"""PyTorch -> ONNX: model directories (`model_dir`: graphs, manifest, parity checks), the network
graphs (`network_graphs`), the learned fusion's graph (`fusion`) and the node's helper graphs
(`helper_graphs`, which needs onnx but not torch).

Nothing is imported here, so that `python -m excolor.export.helper_graphs` runs without torch.
"""
