"""`excolor export CHECKPOINT MODEL_DIR`: a trained lite checkpoint -> a model directory."""
import argparse
from pathlib import Path

from ..files import file_sha256
from .model_dir_writing import add_model_dir_arguments, check_destination, write_model_dir

DESCRIPTION = """\
Export a checkpoint of the lite architecture (written by 'excolor train') as a model directory
the node and 'excolor colorize' can use: reference.onnx, correspondence.onnx,
colorization.onnx and manifest.json. The export is checked against PyTorch on real
photographs; the largest difference per output is recorded in the manifest.

Needs PyTorch (pip install excolor[train]); the model directory it writes does not.
For the paper authors' released model use 'excolor import-official'.
"""
EPILOG = """\
examples:
  excolor export runs/lite/last.pt lite-v2
  excolor export runs/lite/best.pt "$EXCOLOR_MODELS/lite-v2" --force
  excolor export runs/lite/best.pt lite-v2-fp16 --precision fp16   # for GPUs
  excolor info lite-v2
"""


def add_parser(sub):
    parser = sub.add_parser(
        "export", help="export a lite checkpoint as a model directory (ONNX graphs + manifest)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="lite checkpoint (.pt) from 'excolor train'")
    add_model_dir_arguments(parser)
    parser.set_defaults(run=run)
    return parser


def run(args):
    model_dir = check_destination(args)
    # torch and the torch-side model code are imported only here: `import excolor` (and so every
    # other command) must never import torch, an optional dependency.
    from excolor.model.torch_required import require_torch

    torch = require_torch("excolor export")
    from excolor.model.lite import load_checkpoint

    model = load_checkpoint(args.checkpoint)
    provenance = {
        "source": "excolor lite checkpoint",
        "checkpoint": Path(args.checkpoint).name,  # its name and hash: a path is one machine's
        "checkpoint_sha256": file_sha256(args.checkpoint),
        "torch_version": torch.__version__,
        "tool": "excolor export",
        "training": dict(getattr(model, "train_info", None) or {}),
    }
    worst = write_model_dir(args, model, provenance)
    print(f"wrote {model_dir} (lite, {args.precision}; largest ONNX-PyTorch difference "
          f"{worst:.3g}); see 'excolor info {model_dir}'")
    return 0
