"""`excolor train-fusion DATA_ROOT TRAINING_DIR`: train a model's fusion of colour candidates."""
import argparse
import os
import platform
import sys
import time
from pathlib import Path

from tqdm import tqdm

from ..errors import UsageError
from ..files import file_sha256
from .train import _size
from .training_dirs import writable_training_dir

DESCRIPTION = """\
Train the learned fusion (the per-pixel weighing of a frame's colour candidates: the carried
history, the carried keyframe, the exemplar match and the global colour) for a model, on
pseudo-videos made from the pictures in DATA_ROOT (model/data/fetch_training_data.sh).

Three stages, each resumable (run the same command again and it continues):
  1. record TRAINING_DIR/clips/clip_NNNNN.npz: each pseudo-video run through the real node with
     --base-model, half of them keyed (the true first frame pinned), half with an unpinned
     reference that is not a frame of the clip (a view of the same scene, a look-alike, another
     scene, a detail, another grade), as the references a render leaves unpinned;
  2. train TRAINING_DIR/last.pt through whole clips (the history is the network's own output
     carried along the node's own motion estimate), with exact resume;
  3. with --export MODEL_DIR: write the base model plus the fusion graph there, its training
     budget (steps, wall time, hardware), data and checkpoint hash in the manifest.
The shipped default's fusion checkpoint is model/fusion/default.pt: copy it to TRAINING_DIR/last.pt
to continue its training (same clips, same settings) exactly where it stopped.
Needs PyTorch (pip install excolor[train]).
"""
EPILOG = """\
examples:
  excolor train-fusion data runs/fusion
  excolor train-fusion data runs/fusion --export my-model     # resumes, then exports
  excolor colorize shot.mp4 out/ --reference key.png --model my-model
"""


def add_parser(sub):
    parser = sub.add_parser(
        "train-fusion", help="train a model's fusion of colour candidates (resumable)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("data_root", metavar="DATA_ROOT", help="training data root (images/, objects/)")
    parser.add_argument("training_dir", metavar="TRAINING_DIR", help="training directory: clips/, last.pt (resumed if present)")
    parser.add_argument("--base-model", default=None, metavar="NAME|DIR",
                        help="the model whose exemplar match the fusion learns to weigh (default: packaged)")
    parser.add_argument("--clips", type=int, default=320, help="pseudo-videos to record (default 320)")
    parser.add_argument("--frames", type=int, default=10, help="frames per clip, >= 8 (default 10)")
    parser.add_argument("--size", type=_size, default=(192, 320), metavar="HxW",
                        help="frame size of the clips (default 192x320)")
    parser.add_argument("--steps", type=int, default=3000, help="total optimisation steps (default 3000)")
    parser.add_argument("--decay-steps", type=int, default=3000, metavar="N",
                        help="the learning rate falls (cosine) to 5%% over N steps, then stays: "
                             "a training extended past N keeps its schedule (default 3000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of clips, weights and batches (default 0)")
    parser.add_argument("--global-floor-weight", type=float, default=0.0, metavar="W",
                        help="charge each fused frame of an unpinned clip W times its mean ab error beyond "
                             "the global colour's: a reference of another shot falls back to the colour by "
                             "lightness, at the cost of the exemplar where it is right and of colourfulness "
                             "(benchmarks/results/fusion_global_floor.md; default 0, as shipped)")
    parser.add_argument("--export", default=None, metavar="MODEL_DIR",
                        help="after training, write the base model with this fusion to MODEL_DIR")
    parser.add_argument("--force", action="store_true", help="replace MODEL_DIR if it exists")
    parser.set_defaults(run=run)
    return parser


def _hardware():
    return f"{platform.machine()} {platform.processor() or 'CPU'}, {os.cpu_count()} cores, torch on 1 thread"


def run(args):
    # torch and the torch-side code are imported only here: `import excolor` must not need torch.
    from excolor.model.torch_required import require_torch

    require_torch("excolor train-fusion")
    from excolor.engine.models import find_model
    from excolor.export.fusion import add_fusion
    from excolor.model.data import data_record
    from excolor.model.data.dataset import MIN_SIDE
    from excolor.model.data.recipe import require_root
    from excolor.model.fusion.clips import ClipSettings, record_clips
    from excolor.model.fusion.training import FusionTrainConfig, train

    require_root(args.data_root)
    if args.frames < 8:
        raise UsageError(f"--frames must be >= 8 (drift shows over longer clips), got {args.frames}")
    if args.export and Path(args.export).exists() and not args.force:
        raise UsageError(f"{args.export}: already exists; pass --force to replace it")
    if args.clips < 10:
        raise UsageError(f"--clips must be >= 10 (a tenth is held out; each step takes two keyed "
                         f"or two unkeyed clips), got {args.clips}")
    if args.steps < 1:
        raise UsageError(f"--steps must be >= 1, got {args.steps}")
    if args.global_floor_weight < 0:
        raise UsageError(f"--global-floor-weight must be >= 0, got {args.global_floor_weight}")
    config = FusionTrainConfig(steps=args.steps, decay_steps=max(1, args.decay_steps), seed=args.seed,
                               val_clips=max(1, args.clips // 10), global_floor_weight=args.global_floor_weight)
    base = find_model(args.base_model)
    if min(args.size) < MIN_SIDE:
        raise UsageError(f"--size must be at least {MIN_SIDE}x{MIN_SIDE}, got {args.size[0]}x{args.size[1]}")
    settings = ClipSettings(clips=args.clips, frames=args.frames, size=args.size, seed=args.seed)
    training_dir = writable_training_dir(args.training_dir)
    quiet = not sys.stderr.isatty()
    started = time.perf_counter()
    with tqdm(total=settings.clips, unit="clip", disable=quiet, desc="recording clips") as progress:
        paths = record_clips(args.data_root, training_dir / "clips", base, settings,
                             progress=lambda done, _total: progress.update(done - progress.n))
    recording_s = time.perf_counter() - started
    with tqdm(total=config.steps, unit="step", disable=quiet, desc="training") as progress:
        checkpoint = train(paths, training_dir, config, log=progress.write if not quiet else lambda _line: None,
                           progress=lambda step: progress.update(step - progress.n))
    state = checkpoint["state"]
    print(f"trained {state['step']} steps ({state['wall_time_s']:.0f} s of training); "
          f"held-out ab error {state['val']['ab_error']:.2f}; checkpoint {training_dir / 'last.pt'}")
    if args.export:
        record = {
            "steps": state["step"], "training_wall_time_s": round(state["wall_time_s"], 1),
            "recording_wall_time_s_this_call": round(recording_s, 1), "hardware": _hardware(),
            "clips": {"count": settings.clips, "frames": settings.frames, "size": list(settings.size),
                      "keyed_fraction": settings.keyed_fraction,
                      "unkeyed_references": dict(settings.unkeyed_references), "seed": settings.seed},
            "train_config": checkpoint["config"], "held_out": state["val"],
            "base_model_manifest_sha256": base.sha256(), "data": data_record(args.data_root),
            "checkpoint_sha256": file_sha256(training_dir / "last.pt"),
        }
        model = add_fusion(base.path, checkpoint, args.export, parity_clip=paths[-1],
                           training_record=record, force=args.force)
        print(f"wrote {model.path} (fusion parity {max(model.manifest.parity['fusion'].values()):.2e})")
    return 0
