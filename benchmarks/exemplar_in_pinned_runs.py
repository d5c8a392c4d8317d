"""Study: where the exemplar candidate (the network's colours from the reference) helps a run
from a pinned key.

    python -m benchmarks.exemplar_in_pinned_runs --clips-dir RUN/clips --work W --out D
    python -m benchmarks.exemplar_in_pinned_runs ... --methods shipped shipped_exemplar   # a part
    python -m benchmarks.exemplar_in_pinned_runs ... --quick   # tiny training and frames (tests)

A run from a pinned key fuses only the key's own colours carried by motion
(excolor.engine.fusion.FusionSettings.from_pinned, history and keyframe); content the key does
not show can only come from the exemplar or the global colour. The shipped learned fusion was
trained with keyed clips seeing only those two, so enabling the others at inference alone is
out of its training distribution. Methods (all through the node, quality_methods.NodeMethod):

  shipped           --model (default: packaged) as the node runs it
  shipped_exemplar  the same fusion weighing every candidate in pinned runs (inference only)
  variant           a fusion trained on the clips with every candidate in keyed clips too
                    (FusionSettings.from_pinned = CANDIDATES), run the same way
  retrained         only when --steps is below the shipped training's: the shipped setting
                    trained again with those steps (and its learning rate decaying over
                    them, as the variant's), the fair reference for the variant

Training uses the shipped fusion's own config (the packaged model's manifest, provenance of
its fusion), resumes from WORK/<method>/last.pt and exports WORK/<method>_model (base: --model,
as `excolor train-fusion --export`). Scoring: the quality benchmark's clips, protocols, scoring
and distance bins (benchmarks/quality.py). Rows accumulate in OUT/exemplar_in_pinned_runs.json
(a call replaces the rows of the methods it scored); OUT/exemplar_in_pinned_runs.md is written
from all of them.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path

from excolor.engine.fusion import CANDIDATES, FusionSettings
from excolor.engine.models import find_model
from excolor.files import file_sha256, write_atomically

from . import quality
from . import quality_methods as qm
from . import quality_report as report
from .quality_targets import DISTANCE_BINS, bin_label
from .repository import without_machine_paths

log = logging.getLogger("exemplar_in_pinned_runs")

PINNED_PROTOCOLS = ("first", "mid", "two_keys")
METHODS = ("shipped", "shipped_exemplar", "variant", "retrained")
# method -> (fusion it runs: "shipped" or the method trained here, the candidates a pinned run weighs)
RUNS = {"shipped": ("shipped", None), "shipped_exemplar": ("shipped", CANDIDATES),
        "variant": ("variant", CANDIDATES), "retrained": ("retrained", None)}
# method trained here -> FusionSettings it trains with
TRAINED = {"variant": FusionSettings(from_pinned=CANDIDATES), "retrained": FusionSettings()}
# --quick: a training that only runs the code path (a handful of tiny crops).
QUICK_TRAINING = {"steps": 2, "decay_steps": 2, "batch": 1, "val_clips": 1, "crop": 48, "margin": 4,
                  "checkpoint_every": 1}
JSON_NAME = "exemplar_in_pinned_runs.json"


def shipped_train_config():
    """The packaged model's fusion training config (FusionTrainConfig), from its manifest."""
    from excolor.model.fusion.network import FusionNetConfig
    from excolor.model.fusion.training import FusionTrainConfig

    manifest = json.loads((find_model(None).path / "manifest.json").read_text())
    record = manifest["provenance"]["fusion"]["train_config"]
    return FusionTrainConfig(**{**record, "net": FusionNetConfig(**record["net"])})


def train_and_export(name, clip_paths, work, base, config, settings=FusionSettings(), about=None):
    """Train a fusion with `config` and `settings` (the candidates a run weighs) into WORK/name
    (resumed) and export it on `base`'s graphs as WORK/name_model -> (model dir, training record:
    `about` ({setting: value} saying what the study varies), then steps, time, clips, config,
    held-out terms and the checkpoint's hash)."""
    from excolor.export.fusion import add_fusion
    from excolor.model.fusion.training import train

    log.info("training %s (%s), %d steps", name, about, config.steps)
    checkpoint = train(clip_paths, work / name, config, log=log.info, settings=settings)
    state = checkpoint["state"]
    record = {**(about or {}), "steps": state["step"], "training_wall_time_s": round(state["wall_time_s"], 1),
              "clips": len(clip_paths), "train_config": checkpoint["config"], "held_out": state["val"],
              "checkpoint_sha256": file_sha256(work / name / "last.pt")}
    model = add_fusion(base.path, checkpoint, work / f"{name}_model", parity_clip=clip_paths[-1],
                       training_record=record, force=True)
    return model.path, record


def build_methods(names, args, base):
    """{method: NodeMethod} for `names`, training what they need -> (methods, training records)."""
    config = shipped_train_config()
    shipped_steps = config.steps
    if args.quick:
        config = dataclasses.replace(config, **QUICK_TRAINING)
    elif args.steps:
        # A shorter budget keeps the schedule's shape: the learning rate decays over it.
        config = dataclasses.replace(config, steps=args.steps, decay_steps=args.steps)
    if "retrained" in names and config.steps >= shipped_steps:
        raise SystemExit("retrained is the shipped setting at fewer steps than the shipped training's: "
                         f"pass --steps below {shipped_steps} (or --quick)")
    clip_paths = sorted(Path(args.clips_dir).glob("clip_*.npz")) if args.clips_dir else []
    models, records = {"shipped": base.path}, {}
    for fusion in sorted({RUNS[name][0] for name in names} - {"shipped"}):
        if not clip_paths:
            raise SystemExit(f"{fusion} trains a fusion: pass --clips-dir with recorded clips (clip_*.npz)")
        settings = TRAINED[fusion]
        models[fusion], records[fusion] = train_and_export(fusion, clip_paths, Path(args.work), base, config, settings,
                                                           {"from_pinned": list(settings.from_pinned)})
    methods = {}
    for name in names:
        fusion, candidates = RUNS[name]
        methods[name] = qm.NodeMethod(models[fusion], args.device, candidates=candidates)
    return methods, records


def score(methods, args):
    """Rows (quality_report.summarise) of every method on the clips and pinned protocols."""
    long_side = quality.QUICK_LONG_SIDE if args.quick else args.long_side
    rows = []
    for name in args.clips:
        clip = quality.Clip(name, long_side, args.quick)
        for protocol in args.protocols:
            buckets = quality.run_protocol(clip, quality.PROTOCOLS[protocol], methods)
            rows += [report.summarise(name, protocol, method, bucket)
                     for method, bucket in buckets.items() if bucket["rows"]]
    return rows


def bin_frames(row):
    """{bin label: frames in it} of one result row."""
    return {bin_label(lo, hi): sum(lo <= f["distance"] <= hi for f in row["per_frame"]) for lo, hi in DISTANCE_BINS}


def markdown(data):
    """The tables of exemplar_in_pinned_runs.md from the accumulated JSON."""
    rows = {(r["clip"], r["protocol"], r["method"]): r for r in data["rows"]}
    methods = [m for m in METHODS if any(key[2] == m for key in rows)]
    reference = "retrained" if "retrained" in methods else "shipped"
    others = [m for m in methods if m != reference]
    # Clip by clip, the pinned protocols in their order, any other after them.
    order = {protocol: index for index, protocol in enumerate(PINNED_PROTOCOLS)}
    cases = sorted({key[:2] for key in rows}, key=lambda c: (c[0], order.get(c[1], len(order)), c[1]))
    lines = [(f"PSNR (dB) of `{reference}` by distance from the nearest key (frames), and each other "
              "method's difference from it (dB, + is better)."), "",
             f"| clip | protocol | frames from key | frames | {reference} dB | "
             + " | ".join(f"{m} - {reference}" for m in others) + " |",
             "|---|---|---|---:|---:|" + "---:|" * len(others)]
    for clip, protocol in cases:
        base = rows.get((clip, protocol, reference))
        if base is None:
            continue
        counts = bin_frames(base)
        for label in [*base["psnr_by_distance"], "all"]:
            value = base["psnr"] if label == "all" else base["psnr_by_distance"][label]
            diffs = []
            for method in others:
                other = rows.get((clip, protocol, method))
                theirs = None if other is None else (other["psnr"] if label == "all"
                                                    else other["psnr_by_distance"].get(label))
                diffs.append("" if theirs is None else f"{theirs - value:+.2f}")
            frames = base["frames"] if label == "all" else counts[label]
            lines.append(f"| {clip.split('.')[0]} | {protocol} | {label} | {frames} | {value:.2f} | "
                         + " | ".join(diffs) + " |")
    lines += ["", "Mean candidate weights over the fused frames, and seconds per frame (node, CPU).", "",
              "| clip | protocol | method | PSNR dB | " + " | ".join(CANDIDATES) + " | s/frame |",
              "|---|---|---|---:|" + "---:|" * len(CANDIDATES) + "---:|"]
    for clip, protocol in cases:
        for method in methods:
            row = rows.get((clip, protocol, method))
            if row is not None:
                weights = " | ".join(f"{row.get('usage', {}).get(c, 0.0):.3f}" for c in CANDIDATES)
                lines.append(f"| {clip.split('.')[0]} | {protocol} | {method} | {row['psnr']:.2f} | {weights} | "
                             f"{row['seconds_per_frame']:.3f} |")
    if data["training"]:
        lines += ["", "Fusions trained here:", ""]
        for method, record in sorted(data["training"].items()):
            lines.append(f"- {method}: from_pinned {record['from_pinned']}, {record['steps']} steps on "
                         f"{record['clips']} clips, {record['training_wall_time_s']:.0f} s; held-out ab error "
                         f"{record['held_out']['ab_error']:.2f}")
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips-dir", default=None, help="recorded fusion clips (excolor train-fusion's clips/)")
    parser.add_argument("--work", type=Path, default=Path("exemplar-in-pinned-runs"),
                        help="training folders and exported model dirs (resumed)")
    parser.add_argument("--out", type=Path, required=True, help="folder of the JSON rows and the tables")
    parser.add_argument("--model", default=None, help="the shipped model (name or dir; default: packaged)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS[:3]), choices=METHODS)
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps, the learning rate decaying over them (default: the shipped training's)")
    parser.add_argument("--quick", action="store_true", help="a tiny training and a few tiny frames (tests)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    parser.add_argument("--long-side", type=int, default=448)
    parser.add_argument("--clips", nargs="+", default=list(quality.CLIPS), choices=list(quality.CLIPS))
    parser.add_argument("--protocols", nargs="+", default=list(PINNED_PROTOCOLS), choices=list(quality.PROTOCOLS))
    return parser.parse_args(argv)


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    started = time.perf_counter()
    methods, records = build_methods(args.methods, args, find_model(args.model))
    rows = score(methods, args)
    path = args.out / JSON_NAME
    data = json.loads(path.read_text()) if path.is_file() else {"rows": [], "training": {}}
    data["rows"] = [r for r in data["rows"] if r["method"] not in methods] + without_machine_paths(rows)
    data["training"].update(without_machine_paths(records))
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(data, indent=1, default=float))
    write_atomically(args.out / "exemplar_in_pinned_runs.md", markdown(data))
    log.info("wrote %s (%.0f s)", args.out / "exemplar_in_pinned_runs.md", time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
