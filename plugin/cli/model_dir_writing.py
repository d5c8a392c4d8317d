"""What `excolor export` and `excolor import-official` share: the model-directory options and
the export itself (torch imported only inside the functions that need it)."""
from pathlib import Path

from ..errors import OutputError

PRECISION_HELP = (
    "fp32 (default) or fp16: weights and activations in float16 for GPUs (about half the "
    "memory, tensor cores); inputs and outputs stay float32, so it drops in anywhere. One "
    "precision per model directory; the fp16 error against PyTorch fp32 goes in its manifest"
)


def add_model_dir_arguments(parser):
    """MODEL_DIR, --force, --precision and --parity-long-side, in that order."""
    parser.add_argument("model_dir", metavar="MODEL_DIR", help="model directory to write (must not exist)")
    parser.add_argument("--force", action="store_true", help="replace MODEL_DIR if it exists")
    parser.add_argument("--precision", choices=("fp32", "fp16"), default="fp32", help=PRECISION_HELP)
    parser.add_argument(
        "--parity-long-side", type=int, default=None, metavar="N",
        help="long side of the photographs used to measure ONNX vs PyTorch "
             "(default: the model's default network size)",
    )


def check_destination(args):
    """Refuse an existing MODEL_DIR before any slow import or load."""
    model_dir = Path(args.model_dir)
    if model_dir.exists() and not args.force:
        raise OutputError(f"{model_dir}: already exists; pass --force to replace it")
    return model_dir


def write_model_dir(args, model, provenance):
    """Export `model` to MODEL_DIR with the parsed options; returns the worst parity figure."""
    # excolor.export imports torch, an optional dependency that `import excolor` must not pull in.
    from excolor.export.model_dir import export_model_dir
    from excolor.export.photos import sample_photos

    result = export_model_dir(model, Path(args.model_dir), parity_images=sample_photos(),
                              provenance=provenance, force=args.force,
                              parity_long_side=args.parity_long_side, precision=args.precision)
    return max(v for outputs in result.manifest.parity.values() for v in outputs.values())
