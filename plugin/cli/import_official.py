"""`excolor import-official CKPT MODEL_DIR`: the authors' released checkpoints -> a model directory."""
import argparse
from pathlib import Path

from .model_dir_writing import add_model_dir_arguments, check_destination, write_model_dir

DESCRIPTION = """\
Import the paper authors' released model (three PyTorch checkpoint files) and write a model
directory: reference.onnx, correspondence.onnx, colorization.onnx and manifest.json, with the
measured difference between ONNX Runtime and PyTorch on real photographs.

CKPT is the unzipped release tree (colorization_checkpoint.zip) or any folder holding the
three files, found by name anywhere below it:
  vgg19_conv*.pth      feature extractor      (release: data/vgg19_conv.pth)
  nonlocal_net*.pth    correspondence subnet  (release: .../nonlocal_net_iter_76000.pth)
  colornet*.pth        colorization subnet    (release: .../colornet_iter_76000.pth)
Every key and shape is checked; a file that does not fit is named with its first bad keys.

Needs PyTorch (pip install excolor[train]); the model directory it writes does not.
"""
EPILOG = """\
examples:
  excolor import-official ~/Downloads/colorization_checkpoint models/official
  excolor import-official ckpts/ "$EXCOLOR_MODELS/official" --force
  excolor import-official ckpts/ "$EXCOLOR_MODELS/official-fp16" --precision fp16
  excolor colorize shot.mp4 out.mp4 --reference key.png --model models/official
"""


def temperature_arg(text):
    """'argmax' / 'none' -> None (hard argmax); otherwise a positive float."""
    if text.lower() in ("argmax", "none"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number or 'argmax'") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"temperature must be > 0, got {text}")
    return value


def add_parser(sub):
    parser = sub.add_parser(
        "import-official", help="import the authors' released checkpoints as a model directory",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("ckpt", metavar="CKPT", help="unzipped release tree or folder with the three .pth files")
    add_model_dir_arguments(parser)
    parser.add_argument(
        "--temperature", type=temperature_arg, default=None, metavar="T",
        help="softmax temperature of the matching; default 'argmax', the authors' inference "
             "(their 1e-10: each frame position takes its best match's colour). Training used 0.01",
    )
    parser.add_argument(
        "--float64-norm", action="store_true",
        help="instance-norm statistics in float64: closer to PyTorch on extreme activations, "
             "about 4x slower on CPU",
    )
    parser.set_defaults(run=run)
    return parser


def run(args):
    model_dir = check_destination(args)
    # torch and the torch-side model code are imported only here: `import excolor` (and so every
    # other command) must never import torch, an optional dependency.
    from excolor.model.torch_required import require_torch

    torch = require_torch("excolor import-official")
    from excolor.model.official.checkpoint import load_official

    model, record = load_official(args.ckpt, temperature=args.temperature,
                                  float64_stats=args.float64_norm)
    provenance = {
        "source": "the paper authors' released checkpoints (Zhang et al., CVPR 2019, release v1.0)",
        # Names and hashes only: a path is one machine's.
        "imported_from": Path(args.ckpt).resolve().name,
        "files": {stem: {"path": Path(entry["path"]).relative_to(args.ckpt).as_posix(), "sha256": entry["sha256"]}
                  for stem, entry in record["files"].items()},
        "checkpoint_sha256": record["checkpoint_sha256"],
        "float64_norm_statistics": bool(args.float64_norm),
        "torch_version": torch.__version__,
        "tool": "excolor import-official",
    }
    worst = write_model_dir(args, model, provenance)
    print(f"wrote {model_dir} (official, temperature "
          f"{'argmax' if args.temperature is None else args.temperature}, {args.precision}; "
          f"largest ONNX-PyTorch difference {worst:.3g}); see 'excolor info {model_dir}'")
    return 0
