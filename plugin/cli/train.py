"""`excolor train DATA_ROOT OUT_DIR`: train the lite model from scratch on pseudo-videos."""
import argparse
import sys

from tqdm import tqdm

from ..errors import UsageError
from .training_dirs import writable_training_dir

DESCRIPTION = """\
Train the lite colorization model from scratch on pseudo-videos made from the pictures in
DATA_ROOT (images/ and objects/: model/data/fetch_training_data.sh DATA_ROOT downloads them;
see docs/lite-model.md, "Training data"), writing OUT_DIR/last.pt
(a checkpoint every --checkpoint-every steps, written atomically) and OUT_DIR/losses.csv (every
loss term, one row per step).

Resumable: run the same command again and it continues from OUT_DIR/last.pt, producing exactly
the losses an uninterrupted run would (same seed, same settings). Raising --steps extends a
finished run. Deterministic with --seed on one machine and thread count.

The objective is the paper's (L1 on ab, perceptual, contextual, smoothness, adversarial with a
video discriminator, temporal warping along the data's exact flow) with its weights as the
default, plus an L1 on the warped reference colour (warped_l1; set it to 0 for the paper's
objective). CPU by default; --device cuda with --precision bf16/fp16 uses autocast.
Needs PyTorch (pip install excolor[train]). Export the result with 'excolor export'.
"""
EPILOG = """\
examples:
  excolor train data runs/lite --steps 3000
  excolor train data runs/lite --steps 6000          # extend / resume the same training
  excolor train data runs/gpu --device cuda --precision bf16 --batch-size 32 --size 256x448
  excolor train data runs/ablation --feature-net discriminator --weights adversarial=0
  excolor train data runs/cross --init model/lite/default.pt --weights foreign_l1=1 \\
      --reference-kinds self=0.3,similar=0.5,far=0.2     # continue, matching across pictures
  excolor export runs/lite/last.pt my-model
"""


def _size(text):
    try:
        height, width = (int(part) for part in text.lower().split("x"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"size must be HxW, e.g. 128x192; got {text!r}") from error
    return height, width


REFERENCE_KIND_NAMES = ("self", "similar", "far")


def _reference_shares(text):
    """'self=0.3,similar=0.5,far=0.2' -> (0.3, 0.5, 0.2); kinds left out get 0."""
    shares = dict.fromkeys(REFERENCE_KIND_NAMES, 0.0)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        try:
            if name not in shares:
                raise ValueError
            shares[name] = float(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(
                f"bad reference share {item!r}: use KIND=P with KIND in {', '.join(REFERENCE_KIND_NAMES)}"
            ) from error
    return tuple(shares[name] for name in REFERENCE_KIND_NAMES)


def add_parser(sub):
    parser = sub.add_parser(
        "train", help="train the lite model from scratch (resumable, logs every loss)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("data_root", metavar="DATA_ROOT", help="training data root (images/, objects/)")
    parser.add_argument("out_dir", metavar="OUT_DIR", help="training directory: last.pt, losses.csv (resumed if present)")
    parser.add_argument("--steps", type=int, default=2000, help="total optimisation steps (default 2000)")
    parser.add_argument("--batch-size", type=int, default=4, help="clips per step (default 4)")
    parser.add_argument("--size", type=_size, default=(128, 192), metavar="HxW",
                        help="training crop, multiples of 64 (default 128x192)")
    parser.add_argument("--frames", type=int, default=2, help="frames per clip, >= 2 (default 2)")
    parser.add_argument("--lr", type=float, default=2e-4, help="learning rate, generator and discriminator (default 2e-4, paper)")
    parser.add_argument("--seed", type=int, default=0, help="seed for weights, data order and choices (default 0)")
    parser.add_argument("--checkpoint-every", type=int, default=100, metavar="N", help="write last.pt every N steps (default 100)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    parser.add_argument("--precision", choices=("fp32", "bf16", "fp16"), default="fp32",
                        help="autocast precision on cuda (default fp32)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--feature-net", choices=("random", "discriminator", "none"), default="random",
                        help="features for the perceptual and contextual losses (default random; see docs)")
    parser.add_argument("--weights", default="", metavar="NAME=V,...",
                        help="override loss weights, e.g. 'adversarial=0,warped_l1=0' (names: l1, perceptual, "
                             "contextual, smoothness, adversarial, temporal, warped_l1, foreign_l1)")
    parser.add_argument("--reference-kinds", type=_reference_shares, default=(0.6, 0.2, 0.2),
                        metavar="KIND=P,...",
                        help="shares of the clips' reference kinds: self (another view of the frame's "
                             "picture), similar (another picture that looks alike), far (a distant "
                             "frame of the clip); default self=0.6,similar=0.2,far=0.2")
    parser.add_argument("--adversarial-start", type=int, default=0, metavar="STEP",
                        help="the generator ignores the adversarial term before this step (default 0)")
    parser.add_argument("--init", default=None, metavar="CHECKPOINT",
                        help="start a new run from this lite checkpoint's weights (fresh optimisers), "
                             "e.g. to continue with other settings")
    parser.add_argument("--long-side", type=int, default=None,
                        help="the model's default network long side recorded for the node (default 256)")
    parser.add_argument("--temperature", type=float, default=None,
                        help="softmax temperature of the matching (default 0.01, the paper's; a softer "
                             "one lets gradients reach a from-scratch encoder)")
    parser.set_defaults(run=run)
    return parser


def run(args):
    # torch and the torch-side model code are imported only here: `import excolor` (and so every
    # other command) must never import torch, an optional dependency.
    from excolor.model.torch_required import require_torch

    torch = require_torch("excolor train")
    from excolor.model.data import PseudoVideoConfig, PseudoVideoDataset, data_record
    from excolor.model.data.recipe import require_root
    from excolor.model.lite import LiteConfig
    from excolor.model.training import LossWeights, TrainConfig, Trainer

    require_root(args.data_root)
    if args.frames < 2:
        raise UsageError(f"--frames must be >= 2 (the temporal loss needs pairs), got {args.frames}")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    try:
        weights = LossWeights.parse(args.weights)
        config = TrainConfig(
            steps=args.steps, batch_size=args.batch_size, size=args.size, learning_rate=args.lr,
            seed=args.seed, checkpoint_every=args.checkpoint_every, device=args.device,
            precision=args.precision, feature_net=args.feature_net, weights=weights,
            adversarial_start=args.adversarial_start, reference_shares=args.reference_kinds,
        )
        changes = {"default_long_side": args.long_side, "temperature": args.temperature}
        model_config = LiteConfig(**{k: v for k, v in changes.items() if v is not None})
    except ValueError as error:
        raise UsageError(str(error)) from error
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("--device cuda asked for, but this PyTorch sees no CUDA device")
    out_dir = writable_training_dir(args.out_dir)
    dataset = PseudoVideoDataset(args.data_root, "train", size=args.size, seed=args.seed,
                                 config=PseudoVideoConfig(frames=args.frames,
                                                           p_reference=config.reference_shares))
    trainer = Trainer(config, dataset, out_dir, model_config=model_config,
                      data_record=data_record(args.data_root), init_from=args.init)
    with tqdm(total=config.steps, initial=trainer.step, unit="step", disable=not sys.stderr.isatty(),
              desc="excolor train") as progress:
        last = trainer.run(progress)
    print(f"trained {trainer.step} steps ({trainer.wall_s:.0f} s of training); checkpoint {last}; "
          f"losses in {out_dir / 'losses.csv'}")
    return 0
