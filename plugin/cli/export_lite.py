"""`excolor export CHECKPOINT MODEL_DIR`: a trained lite checkpoint -> a model directory."""
import argparse
from pathlib import Path

from ..errors import OutputError

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
  excolor info lite-v2
"""


def add_parser(sub):
    parser = sub.add_parser(
        "export", help="export a lite checkpoint as a model directory (ONNX graphs + manifest)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="lite checkpoint (.pt) from 'excolor train'")
    parser.add_argument("model_dir", metavar="MODEL_DIR", help="model directory to write (must not exist)")
    parser.add_argument("--force", action="store_true", help="replace MODEL_DIR if it exists")
    parser.add_argument(
        "--parity-long-side", type=int, default=None, metavar="N",
        help="long side of the photographs used to measure ONNX vs PyTorch "
             "(default: the model's default network size)",
    )
    parser.set_defaults(run=run)
    return parser


def run(args):
    model_dir = Path(args.model_dir)
    if model_dir.exists() and not args.force:
        raise OutputError(f"{model_dir}: already exists; pass --force to replace it")
    from excolor.model.torch_required import require_torch

    torch = require_torch("excolor export")
    from excolor.export import export_model_dir
    from excolor.export.photos import sample_photos
    from excolor.model.lite import load_checkpoint
    from excolor.modeldir import sha256_of

    model = load_checkpoint(args.checkpoint)
    provenance = {
        "source": "excolor lite checkpoint",
        "checkpoint": str(Path(args.checkpoint).resolve()),
        "checkpoint_sha256": sha256_of(args.checkpoint),
        "torch_version": torch.__version__,
        "tool": "excolor export",
    }
    provenance["training"] = dict(getattr(model, "train_info", None) or {})
    result = export_model_dir(model, model_dir, parity_images=sample_photos(), provenance=provenance,
                              force=args.force, parity_long_side=args.parity_long_side)
    worst = max(v for outputs in result.manifest.parity.values() for v in outputs.values())
    print(f"wrote {model_dir} ({result.manifest.architecture}; largest ONNX-PyTorch difference "
          f"{worst:.3g}); see 'excolor info {model_dir}'")
    return 0
