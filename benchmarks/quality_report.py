"""Writing the quality benchmark's results: tables (quality.md: the summary of
quality_summary.py at the top; the cross reference and the node's scan; ending in the keyed
frames, the node's candidates and matte, and the targets from quality_targets.py), raw numbers
(quality.json), per-frame PSNR plots along each shot (the paper's Fig. 7) and contact sheets."""
from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from pathlib import Path

import cv2
import numpy as np
import onnxruntime

from excolor.files import file_sha256, replacing, write_atomically

from .quality_scoring import node_summary
from .quality_summary import cross_section, scan_section, summary_lines
from .quality_targets import DISTANCE_BINS, bin_label, fmt, sections
from .repository import shown_path

SHEET_COLUMNS = 6
SHEET_CELL_WIDTH = 192


def _mean(values):
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def summarise(clip, protocol, method, bucket):
    rows = bucket["rows"]
    by_distance = {}
    for lo, hi in DISTANCE_BINS:
        inside = [r["psnr"] for r in rows if lo <= r["distance"] <= hi]
        if inside:
            by_distance[bin_label(lo, hi)] = _mean(inside)
    warp, truth_warp = _mean(bucket["warp"]), _mean(bucket["truth_warp"])
    colour, truth_colour = _mean([r["colorfulness"] for r in rows]), _mean([r["truth_colorfulness"] for r in rows])
    keyed = bucket["keyed"]
    return {
        "clip": clip, "protocol": protocol, "method": method, "frames": len(rows),
        "psnr": _mean([r["psnr"] for r in rows]),
        "ab_mae": _mean([r["ab_mae"] for r in rows]),
        "warp_error": warp, "truth_warp_error": truth_warp,
        "warp_ratio": warp / truth_warp if truth_warp > 0 else float("nan"),
        "colorfulness": colour, "truth_colorfulness": truth_colour,
        "colorfulness_ratio": colour / truth_colour if truth_colour > 0 else float("nan"),
        "seconds_per_frame": bucket["seconds"] / max(1, bucket["frames_done"]),
        "psnr_by_distance": by_distance,
        "keyed": keyed,
        "keyed_psnr_min": min((k["psnr"] for k in keyed), default=float("nan")),
        "after_key_psnr": _mean([r["psnr"] for r in rows if r["after_key"]]),
        "between_keys_psnr": _mean([r["psnr"] for r in rows if r["between_keys"]]),
        **node_summary(bucket),
        "per_frame": [{k: r[k] for k in ("frame", "shot", "distance", "psnr", "ab_mae")} for r in rows],
    }


def _git(*args):
    try:
        return subprocess.run(["git", *args], cwd=Path(__file__).parent, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def model_record(model_dir):
    manifest = Path(model_dir) / "manifest.json"
    digest = file_sha256(manifest)
    data = json.loads(manifest.read_text())
    training = data.get("provenance", {}).get("training", {})
    training = training if isinstance(training, dict) else {"note": str(training)}
    # A model trained in several runs (--init) records the whole schedule in training_summary;
    # `training` is only the last run's record.
    summary = data.get("provenance", {}).get("training_summary", {})
    steps = summary.get("total_steps", training.get("steps"))
    wall = summary.get("total_wall_time_s", training.get("wall_time_s"))
    fusion = data.get("provenance", {}).get("fusion", {})
    return {"dir": shown_path(model_dir), "manifest_sha256": digest,
            "architecture": data.get("architecture", "?"), "name": data.get("name", Path(model_dir).name),
            "training_steps": steps, "training_wall_s": wall, "fusion_steps": fusion.get("steps")}


def header(args, models, wall):
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "tree": "dirty" if _git("status", "--porcelain", "--", str(Path(__file__).parent)) else "clean",
        "machine": f"{platform.machine()} {os.cpu_count()} CPU threads, {platform.system()}, "
                   f"onnxruntime {onnxruntime.__version__}",
        "device": args.device,
        "motion": args.motion,
        "quick": bool(args.quick),
        "models": {k: model_record(v) for k, v in models.items()},
        "wall_seconds": round(wall, 1),
    }


def markdown(head, results):
    lines = ["# Quality benchmark: excolor against no-learning baselines", ""]
    lines.append(f"- date: {head['date']}; commit {head['commit']} (benchmarks/ {head['tree']})")
    lines.append(f"- machine: {head['machine']}; node device {head['device']}, motion {head['motion']}; wall {head['wall_seconds']} s")
    for key, rec in head["models"].items():
        trained = f", trained {rec['training_steps']} steps" if rec.get("training_steps") is not None else ""
        fusion = rec.get("fusion_steps")
        trained += f"; learned fusion, {fusion} steps" if fusion is not None else "; hand-set fusion"
        lines.append(f"- {key}: `{rec['dir']}` ({rec['architecture']}{trained}), manifest sha256 "
                     f"{rec['manifest_sha256'][:16]}")
    if not head["models"]:
        lines.append("- models: none (baselines only)")
    if head["quick"]:
        lines.append("- QUICK MODE: a few tiny frames; the numbers mean nothing")
    lines += summary_lines(results)
    lines += ["", "## Results", "",
              "Input: OpenCV's 8-bit gray (cv2.COLOR_RGB2GRAY) of each 8-bit frame, three equal channels; "
              "keys: true colour frames. Scored on the output's ab recombined with the truth's L "
              "(ab MAE on the output's ab), so luma earns nothing. Long side 448 unless quick; "
              "frames a key is the true colour of are scored apart (keyed frames, below). Protocols "
              "`*_unnamed` give the key with no frame (the node finds it); `first_exported_pinned` and "
              "`first_exported` the key as a colorist exports it (3/4 size, +5 % contrast, warmer, JPEG 85), pinned "
              "and with no frame: benchmarks/quality_protocols.py.",
              "Warp error and colorfulness in brackets: the truth's own figure on the same frames.", "",
              "| clip | protocol | method | frames | PSNR dB | ab MAE | warp err (truth) | colorfulness (truth) | s/frame |",
              "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(
            f"| {r['clip'].split('.')[0]} | {r['protocol']} | {r['method']} | {r['frames']} | {fmt(r['psnr'])} | "
            f"{fmt(r['ab_mae'])} | {fmt(r['warp_error'])} ({fmt(r['truth_warp_error'])}) | "
            f"{fmt(r['colorfulness'], 1)} ({fmt(r['truth_colorfulness'], 1)}) | {fmt(r['seconds_per_frame'], 3)} |"
        )
    lines += ["", "## PSNR by distance from the nearest key (frames)", "",
              "| clip | protocol | method | " + " | ".join(bin_label(lo, hi) for lo, hi in DISTANCE_BINS) + " |",
              "|---|---|---|" + "---:|" * len(DISTANCE_BINS)]
    for r in results:
        cells = [fmt(r["psnr_by_distance"].get(bin_label(lo, hi))) for lo, hi in DISTANCE_BINS]
        lines.append(f"| {r['clip'].split('.')[0]} | {r['protocol']} | {r['method']} | " + " | ".join(cells) + " |")
    lines += cross_section(results) + scan_section(results) + sections(results)
    lines += ["", "Plots: `quality_psnr_<clip>_<protocol>.png`; contact sheets: `quality_sheet_<clip>_<protocol>.jpg`", ""]
    return "\n".join(lines)


def plot_psnr(path, clip_name, protocol, results, shots):
    import matplotlib  # the `dev` extra, heavy: only for the plot; Agg before pyplot loads

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mine = [r for r in results if r["clip"] == clip_name and r["protocol"] == protocol]
    count = len(shots)
    columns = min(3, count)
    rows = (count + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.2 * rows), squeeze=False)
    for index, shot in enumerate(shots):
        axis = axes[index // columns][index % columns]
        for r in mine:
            points = [(p["frame"], p["psnr"]) for p in r["per_frame"] if p["shot"] == index]
            if points:
                xs, ys = zip(*sorted(points))
                axis.plot(xs, ys, label=r["method"], linewidth=1.2)
        axis.set_title(f"shot {index}: frames {shot[0]}-{shot[1]}", fontsize=9)
        axis.set_xlabel("frame")
        axis.set_ylabel("PSNR dB")
        axis.grid(alpha=0.3)
    for index in range(count, rows * columns):
        axes[index // columns][index % columns].axis("off")
    axes[0][0].legend(fontsize=8)
    figure.suptitle(f"{clip_name} — protocol {protocol}: per-frame PSNR along each shot")
    figure.tight_layout()
    with replacing(path) as temp:
        figure.savefig(temp, dpi=90, format="png")
    plt.close(figure)


def sheet_frames(frames):
    """The frames a contact sheet shows: SHEET_COLUMNS spread over `frames` (sorted)."""
    frames = sorted(frames)
    return [frames[round(i)] for i in np.linspace(0, len(frames) - 1, min(SHEET_COLUMNS, len(frames)))]


def contact_sheet(path, clip, outputs):
    """Rows: truth, then each method (the "gray" method is the input); columns: the frames
    every method kept (outputs: {method: {frame: rgb}}, see sheet_frames)."""
    picks = sorted(set.intersection(*(set(o) for o in outputs.values()))) if outputs else []
    if not picks:
        return
    height = round(clip.truth.shape[1] * SHEET_CELL_WIDTH / clip.truth.shape[2])
    rows = [("truth", clip.truth)] + [(m, o) for m, o in outputs.items()]  # "gray" is the input
    strips = []
    for label, images in rows:
        cells = [cv2.resize(np.clip(images[n], 0, 1), (SHEET_CELL_WIDTH, height), interpolation=cv2.INTER_AREA) for n in picks]
        strip = (np.concatenate(cells, axis=1) * 255 + 0.5).astype(np.uint8)
        cv2.putText(strip, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3)
        cv2.putText(strip, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
        strips.append(strip)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(np.concatenate(strips, axis=0), cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise RuntimeError(f"{path}: OpenCV could not encode the contact sheet")
    write_atomically(path, jpeg.tobytes())


def write_all(args, results, sheets, models, wall):
    out = Path(args.out)
    head = header(args, models, wall)
    write_atomically(out / "quality.md", markdown(head, results))
    write_atomically(out / "quality.json", json.dumps({"header": head, "results": results}, indent=1))
    for (clip_name, protocol), (clip, outputs) in sheets.items():
        stem = f"{clip_name.split('.')[0]}_{protocol}"
        if any(r["clip"] == clip_name and r["protocol"] == protocol for r in results):
            plot_psnr(out / f"quality_psnr_{stem}.png", clip_name, protocol, results, clip.shots)
            contact_sheet(out / f"quality_sheet_{stem}.jpg", clip, outputs)
