"""Study: the global floor in the fusion's training, against a reference from another shot.

    python -m benchmarks.fusion_global_floor --clips-dir RUN/clips --work W --out D
    python -m benchmarks.fusion_global_floor ... --weights 1 4       # which floor weights
    python -m benchmarks.fusion_global_floor ... --quick             # tiny training and frames (tests)

With an unpinned reference from another shot (the quality benchmark's cross protocol) the
exemplar match is wrong and the global colour by lightness is the safer candidate; the shipped
fusion still leans on the exemplar. FusionTrainConfig.global_floor_weight charges each fused
frame of an unkeyed clip its mean ab error beyond the global candidate's. This study trains the
shipped fusion's setting with each floor weight on the same recorded clips (WORK/floor_<w>,
resumed; exported on --model's graphs as WORK/floor_<w>_model), then scores, side by side:

  on real footage   each fusion through the node on the quality benchmark's clips and
                    protocols (default bikes, cross), beside the reference's mean colour
                    (`global`): PSNR, colourfulness, the matte's ROC AUC, candidate weights;
  by reference kind the mean ab error of each fusion on the unkeyed recorded clips, per kind of
                    unpinned reference (excolor.model.fusion.unkeyed_references), beside the
                    exemplar and global candidates alone: what a floor costs where the
                    exemplar is right (a view of the same scene) and buys where it is wrong.

Writes OUT/fusion_global_floor.json and OUT/fusion_global_floor.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from excolor.engine.fusion import CANDIDATES
from excolor.engine.models import find_model
from excolor.files import write_atomically

from . import quality
from . import quality_methods as qm
from .exemplar_in_pinned_runs import QUICK_TRAINING, score, shipped_train_config, train_and_export
from .quality_targets import fmt
from .repository import without_machine_paths

log = logging.getLogger("fusion_global_floor")

JSON_NAME = "fusion_global_floor.json"


def floor_name(weight):
    return f"floor_{weight:g}"


def load_net(checkpoint_path):
    import torch

    from excolor.model.fusion.network import FusionNet, FusionNetConfig

    checkpoint = torch.load(checkpoint_path, weights_only=False)
    net = FusionNet(FusionNetConfig(**checkpoint["config"]["net"]))
    net.load_state_dict(checkpoint["model"])
    return net.eval()


def errors_by_kind(clip_paths, nets, clip_settings):
    """{kind: {"clips": n, source: mean ab error}} over the unkeyed clips, sources being the
    exemplar and global candidates alone and each of `nets` ({name: FusionNet}) fusing them."""
    import torch

    from excolor.model.fusion.clips import unkeyed_draw
    from excolor.model.fusion.training import load_clip, run_clips

    def error(ab, truth):
        return float(torch.sqrt(((ab - truth) ** 2).sum(-3)).mean())

    sums = {}
    for path in clip_paths:
        clip = load_clip(path)
        if bool(clip["keyed"]):
            continue
        index = int(Path(path).stem.split("_")[1])
        _, kind = unkeyed_draw(clip_settings, index)  # as record_clips drew it
        truth = clip["truth_ab"]
        row = {"exemplar": error(clip["exemplar_ab"], truth), "global": error(clip["global_ab"], truth)}
        with torch.no_grad():
            for name, net in nets.items():
                row[name] = float(np.mean([error(ab[0], truth[t]) for t, ab, _, _ in run_clips(net, [clip])]))
        total = sums.setdefault(kind, {"clips": 0})
        total["clips"] += 1
        for source, value in row.items():
            total[source] = total.get(source, 0.0) + value
    return {kind: {source: (value if source == "clips" else value / total["clips"])
                   for source, value in total.items()} for kind, total in sums.items()}


def markdown(data):
    """The tables of fusion_global_floor.md."""
    scored = set().union(*data["by_kind"].values()) if data["by_kind"] else set()
    fusions = [f for f in ["shipped"] + [floor_name(w) for w in data["weights"]] if f in scored]
    lines = ["Through the node on real footage (long side "
             f"{data['long_side']}); `global` is the reference's mean colour painted everywhere.", "",
             "| clip | protocol | method | PSNR dB | colourfulness (truth) | matte AUC | "
             + " | ".join(CANDIDATES) + " |", "|---|---|---|---:|---:|---:|" + "---:|" * len(CANDIDATES)]
    for row in data["rows"]:
        usage = row.get("usage", {})
        weights = " | ".join(fmt(usage[c]) if c in usage else "" for c in CANDIDATES)
        auc = fmt(row["confidence_auc"]) if "confidence_auc" in row else ""
        lines.append(f"| {row['clip'].split('.')[0]} | {row['protocol']} | {row['method']} | {fmt(row['psnr'])} | "
                     f"{fmt(row['colorfulness'], 1)} ({fmt(row['truth_colorfulness'], 1)}) | {auc} | {weights} |")
    lines += ["", "Mean ab error (CIELAB units, lower is better) on the unkeyed recorded clips, by the kind "
              "of unpinned reference (excolor.model.fusion.unkeyed_references).", "",
              "| reference kind | clips | exemplar alone | global alone | " + " | ".join(fusions) + " |",
              "|---|---:|---:|---:|" + "---:|" * len(fusions)]
    for kind, row in sorted(data["by_kind"].items()):
        lines.append(f"| {kind} | {row['clips']} | {fmt(row['exemplar'])} | {fmt(row['global'])} | "
                     + " | ".join(fmt(row[f]) for f in fusions) + " |")
    lines += ["", "Fusions trained here (the shipped setting, with the floor):", ""]
    for name, record in sorted(data["training"].items()):
        lines.append(f"- {name}: {record['steps']} steps on {record['clips']} clips, "
                     f"{record['training_wall_time_s']:.0f} s; held-out ab error {record['held_out']['ab_error']:.2f}")
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips-dir", type=Path, required=True, help="recorded fusion clips (excolor train-fusion's clips/)")
    parser.add_argument("--work", type=Path, default=Path("fusion-global-floor"),
                        help="training folders and exported model dirs (resumed)")
    parser.add_argument("--out", type=Path, required=True, help="folder of the JSON and the tables")
    parser.add_argument("--model", default=None, help="the shipped model (name or dir; default: packaged)")
    parser.add_argument("--weights", nargs="+", type=float, default=[1.0, 4.0], help="floor weights to train")
    parser.add_argument("--quick", action="store_true", help="a tiny training and a few tiny frames (tests)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    parser.add_argument("--long-side", type=int, default=448)
    parser.add_argument("--clips", nargs="+", default=["bikes.mp4"], choices=list(quality.CLIPS))
    parser.add_argument("--protocols", nargs="+", default=["cross"], choices=list(quality.PROTOCOLS))
    args = parser.parse_args(argv)
    if any(w <= 0 for w in args.weights):
        parser.error("--weights must be above 0 (0 is the shipped fusion, always scored)")
    return args


def main(argv=None):
    from excolor.model.fusion import DEFAULT_CHECKPOINT
    from excolor.model.fusion.clips import ClipSettings

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    started = time.perf_counter()
    base = find_model(args.model)
    clip_paths = sorted(args.clips_dir.glob("clip_*.npz"))
    if not clip_paths:
        raise SystemExit(f"{args.clips_dir}: no recorded clips (clip_*.npz)")
    config = shipped_train_config()
    if args.quick:
        config = dataclasses.replace(config, **QUICK_TRAINING)
    methods = {"global": qm.global_method, "shipped": qm.NodeMethod(base.path, args.device)}
    # The packaged model's fusion checkpoint is known; another model's is not (its clips only).
    checkpoints = {"shipped": DEFAULT_CHECKPOINT if args.model is None else None}
    records = {}
    for weight in args.weights:
        name = floor_name(weight)
        model_dir, records[name] = train_and_export(name, clip_paths, args.work, base,
                                                    dataclasses.replace(config, global_floor_weight=weight),
                                                    about={"global_floor_weight": weight})
        checkpoints[name] = args.work / name / "last.pt"
        methods[name] = qm.NodeMethod(model_dir, args.device)
    rows = score(methods, argparse.Namespace(quick=args.quick, long_side=args.long_side, clips=args.clips,
                                             protocols=args.protocols))
    nets = {name: load_net(path) for name, path in checkpoints.items() if path is not None}
    by_kind = errors_by_kind(clip_paths, nets, ClipSettings())
    data = {"weights": args.weights, "long_side": quality.QUICK_LONG_SIDE if args.quick else args.long_side,
            "rows": without_machine_paths([{k: v for k, v in r.items() if k != "per_frame"} for r in rows]),
            "by_kind": by_kind, "training": without_machine_paths(records)}
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomically(args.out / JSON_NAME, json.dumps(data, indent=1, default=float))
    write_atomically(args.out / "fusion_global_floor.md", markdown(data))
    log.info("wrote %s (%.0f s)", args.out / "fusion_global_floor.md", time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
