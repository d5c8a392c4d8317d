"""The learned fusion on large plates: its graph fed the whole history, or every other pixel.

    python -m benchmarks.fusion_graph_size --data-root DATA    # -> results/fusion_graph_size.md
    python -m benchmarks.fusion_graph_size --quick --out D     # tiny plates (the test's run)

The fusion's graph estimates its weights at half the size it is fed. Fed the whole history, its
cost grows with the plate (at 1080p it was a third of a pinned frame); the node now feeds it
every other pixel of a history longer than FusionSettings.graph_sampled_above (512 px) and
weighs the full-size candidates with its weights brought back up (excolor.engine.fusion_graph).
Histories of 512 px or less, everything the quality benchmark (448 px) and the fusion's
training see, are fused as before, so this measures what the sampling does where it applies:
the node (shipped model and fusion, DIS motion) on gray plates, the true colour of frame 0
pinned to it, each frame's output scored by chroma PSNR on the true L (as
benchmarks/quality.py scores), with the graph fed every other pixel (`sampled`, the default)
or the whole history (`whole`), and the fusion stage's time per frame. Clips: bikes at 640x272
(its own size), bigbuckbunny at 640x360, 1280x720 (its own size) and upscaled to 1920x1080, and
the hard-motion clips (benchmarks/hard_motion_clips.py: turbulent non-rigid motion over real
pictures) at 1920 on the long side.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from excolor.engine.fusion import FusionSettings
from excolor.engine.node import ColorizeNode

from . import hard_motion_clips
from . import quality
from . import quality_methods as qm

RESULTS = Path(__file__).resolve().parent / "results"
FRAMES = 24
LONG_SIDES = (640, 1280, 1920)
QUICK = {"frames": 3, "long_sides": (96,), "sampled_above": 48, "hard_clips": 1}


def variants(sampled_above):
    """{variant: FusionSettings}: the graph fed every other pixel of a history longer than
    `sampled_above`, or the whole history."""
    return {"sampled": FusionSettings(graph_sampled_above=sampled_above),
            "whole": FusionSettings(graph_sampled_above=1 << 16)}


def render(truth8, fusion):
    """(mean chroma PSNR of frames 1.., fusion seconds per fused frame, seconds per frame) of the
    node with `fusion` on `truth8`'s gray with frame 0's true colour pinned."""
    node = ColorizeNode(device="cpu", fusion=fusion)
    psnr, seconds = qm.first_key_render(node, truth8)
    fusion_time = node.timings["fusion"]
    return psnr, fusion_time.seconds / fusion_time.calls, seconds


def clips(data_root, frames, long_sides, hard_clips):
    """(name, (N,H,W,3) uint8) in turn, each made when asked for (a 1920 px hard-motion clip
    comes with gigabytes of exact flows): bikes at its own size where 640 is among `long_sides`,
    bigbuckbunny at each long side, then the hard-motion clips at the largest (clip i under
    seed i, as benchmarks/hard_motion.py makes them)."""
    if 640 in long_sides:
        yield "bikes 640", quality.load_clip("bikes.mp4", 640, frames - 1)
    for long_side in long_sides:
        yield f"bigbuckbunny {long_side}", quality.load_clip("bigbuckbunny.mp4", long_side, frames - 1)
    for index, name in enumerate(hard_motion_clips.picture_names(data_root)[:hard_clips]):
        picture = hard_motion_clips.read_picture(name, data_root)
        yield f"hard motion {name}", hard_motion_clips.render_clip(name, picture, index, frames, long_sides[-1]).frames


def measure(data_root, frames, long_sides, sampled_above, hard_clips):
    """[{clip, plate, variant, psnr, fusion_ms, frame_s}], variants in turn on each clip."""
    rows = []
    for name, truth8 in clips(data_root, frames, long_sides, hard_clips):
        for variant, fusion in variants(sampled_above).items():
            psnr, fusion_s, frame_s = render(truth8, fusion)
            rows.append({"clip": name, "plate": list(truth8.shape[1:3]), "frames": len(truth8), "variant": variant,
                         "psnr": psnr, "fusion_ms": 1000 * fusion_s, "frame_s": frame_s})
            print(f"{name} {variant}: {psnr:.2f} dB, fusion {1000 * fusion_s:.0f} ms", flush=True)
    return rows


def markdown(rows, sampled_above):
    lines = ["# The fusion's graph fed a sampled history on large plates", "",
             f"- machine: {platform.machine()}, {os.cpu_count()} CPU threads, {platform.system()}; node device cpu; "
             f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"- `sampled`: the graph fed every other pixel of a history longer than {sampled_above} px"
             f"{' (the default)' if sampled_above == FusionSettings.graph_sampled_above else ''}; `whole`: the whole "
             "history. The shipped model and fusion, DIS motion, frame 0's true colour pinned; PSNR: mean chroma PSNR "
             "of frames 1.. on the true L", "",
             "| clip | plate | frames | variant | PSNR dB | - whole | fusion ms/frame | s/frame |",
             "|---|---|---:|---|---:|---:|---:|---:|"]
    whole = {row["clip"]: row for row in rows if row["variant"] == "whole"}
    for row in rows:
        height, width = row["plate"]
        lines.append(f"| {row['clip']} | {width}x{height} | {row['frames']} | {row['variant']} | {row['psnr']:.2f} | "
                     f"{row['psnr'] - whole[row['clip']]['psnr']:+.2f} | {row['fusion_ms']:.0f} | {row['frame_s']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", type=Path, default=None,
                        help="training data root (its images/): the hard-motion pictures; default: scikit-image photos")
    parser.add_argument("--quick", action="store_true", help="tiny plates, sampled past 48 px (for the test)")
    parser.add_argument("--frames", type=int, default=FRAMES)
    parser.add_argument("--hard-clips", type=int, default=3, help="how many hard-motion clips")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        settings = dict(QUICK)
    else:
        settings = {"frames": args.frames, "long_sides": LONG_SIDES,
                    "sampled_above": FusionSettings.graph_sampled_above, "hard_clips": args.hard_clips}
    rows = measure(args.data_root, **settings)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "fusion_graph_size.md"
    path.write_text(markdown(rows, settings["sampled_above"]))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
