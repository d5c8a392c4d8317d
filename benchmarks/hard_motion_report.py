"""Writing the hard-motion benchmark's results: benchmarks/results/hard_motion.md (the machine
and settings, the PSNR of every method per clip and distance bin beside flow's, every frame's
PSNR, and the motion diagnosis of hard_motion_diagnosis.py)."""
from __future__ import annotations

from excolor.files import write_atomically

from . import hard_motion_clips as clips
from .quality_report import header
from .quality_targets import DISTANCE_BINS, bin_label, fmt
from .repository import shown_path

BASELINE = "flow"


def _labels(results):
    """The DISTANCE_BINS labels some result has frames in."""
    return [bin_label(lo, hi) for lo, hi in DISTANCE_BINS if any(bin_label(lo, hi) in r["psnr_by_distance"]
                                                                for r in results)]


def _cell(result, base, label):
    """A result's PSNR in bin `label`, with its difference to the baseline's."""
    value = result["psnr_by_distance"][label]
    return fmt(value) if result is base else f"{fmt(value)} ({value - base['psnr_by_distance'][label]:+.2f})"


def summary_table(results):
    """Per clip and method: mean PSNR and by distance bin, each with its difference to flow's."""
    bins = _labels(results)
    lines = ["| clip | method | PSNR | vs flow | " + " | ".join(f"{b} (vs flow)" for b in bins)
             + " | warp error | candidate usage |",
             "|---|---|---:|---:|" + "---:|" * len(bins) + "---:|---|"]
    flows = {r["clip"]: r for r in results if r["method"] == BASELINE}
    for r in results:
        base = flows[r["clip"]]
        cells = [_cell(r, base, label) for label in bins]
        usage = ", ".join(f"{k} {v:.2f}" for k, v in r.get("usage", {}).items() if v > 0.005) or "-"
        delta = "-" if r is base else f"{r['psnr'] - base['psnr']:+.2f}"
        lines.append(f"| {r['clip']} | {r['method']} | {fmt(r['psnr'])} | {delta} | " + " | ".join(cells)
                     + f" | {fmt(r['warp_error'])} (truth {fmt(r['truth_warp_error'])}) | {usage} |")
    return lines


def frame_table(results):
    """Every frame's PSNR, a column per clip and method."""
    columns = [(r["clip"], r["method"], {row["frame"]: row["psnr"] for row in r["per_frame"]}) for r in results]
    frames = sorted({frame for _, _, by_frame in columns for frame in by_frame})
    lines = ["| frame | " + " | ".join(f"{clip} {method}" for clip, method, _ in columns) + " |",
             "|---:|" + "---:|" * len(columns)]
    for frame in frames:
        lines.append(f"| {frame} | " + " | ".join(fmt(by_frame.get(frame)) for _, _, by_frame in columns) + " |")
    return lines


def diagnosis_lines(diagnoses):
    lines = ["| clip | flow's step EPE | history's step EPE | consistent | EPE there | error (L) |",
             "|---|---:|---:|---:|---:|---:|"]
    for d in diagnoses:
        h = d["history_step"]
        lines.append(f"| {d['clip']} | {fmt(d['flow_step']['epe'])} | {fmt(h['epe'])} | {fmt(h['consistent'])} | "
                     f"{fmt(h['epe_consistent'])} | {fmt(h['error'])} |")
    lines += ["", ("The keyframe candidate's reach (the node's motion from the key's frame straight to frame t), "
              "and the ceiling (`exact`: the key carried along the exact motion), by distance to the key:"), "",
              "| clip | distance | EPE | consistent | EPE there | error (L) | exact PSNR |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for d in diagnoses:
        for label, row in d["keyframe_reach"].items():
            lines.append(f"| {d['clip']} | {label} | {fmt(row['epe'])} | {fmt(row['consistent'])} | "
                         f"{fmt(row['epe_consistent'])} | {fmt(row['error'])} | {fmt(d['exact_psnr'][label])} |")
    return lines


def markdown(args, results, diagnoses, sizes, models, wall):
    head = header(args, models, wall)
    model = head["models"]["excolor"]
    pictures = clips.picture_names(args.data_root)
    where = (f"the training pictures under `{shown_path(args.data_root)}/images`: "
             + ", ".join(f"{name} (`{clips.DATA_PICTURES[name]}`)" for name in pictures)
             if args.data_root else "scikit-image's photos: " + ", ".join(pictures))
    lines = ["# Hard motion: the keyed path against plain flow propagation", "",
             f"- date: {head['date']}; commit {head['commit']} (benchmarks/ {head['tree']})",
             f"- machine: {head['machine']}; node device {head['device']}; wall {head['wall_seconds']} s",
             f"- excolor: `{model['dir']}` ({model['architecture']}), manifest sha256 {model['manifest_sha256'][:12]}",
             f"- clips (benchmarks/hard_motion_clips.py, seed {args.seed}, clip i under seed + i): {where}; "
             + ", ".join(f"{name} {w}x{h}" for name, (h, w) in sizes.items())
             + f", {results[0]['frames'] + 1} frames each",
             (f"- motion: a sway of {len(clips.SWAY_WAVELENGTHS)} travelling waves of wavelength "
             f"{', '.join(f'{w:g}' for w in clips.SWAY_WAVELENGTHS)} px, steepness {clips.SWAY_STEEPNESS} each "
             f"(peaks add up to {clips.SWAY_AMPLITUDE:.1f} px, gradient < {clips.MAX_GRADIENT:.2f}), "
             f"phase speeds {clips.SWAY_SPEEDS[0]}-{clips.SWAY_SPEEDS[1]} rad a frame; a current of "
             f"{', '.join(f'{w:g}' for w in clips.CURRENT_WAVELENGTHS)} px waves of velocity, steepness "
             f"{clips.CURRENT_STEEPNESS} each, phase speeds {clips.CURRENT_SPEEDS[0]}-{clips.CURRENT_SPEEDS[1]} "
             f"rad a frame; gusts {clips.GUST:.0%}; camera drift {clips.DRIFT_SPEED} px a frame"),
             ("- key: frame 0's true colour, pinned; input: OpenCV gray of the 8-bit frames; score: chroma PSNR "
             "(the output's ab on the truth's L, quality_metrics.with_true_l), frame 0 not counted; warp error "
             "along the exact motion (sRGB 0..255)"), "",
             "## PSNR (dB) per clip and distance to the key", ""]
    lines += summary_table(results)
    lines += ["", "## The motion steps against the exact motion", "",
              ("End-point errors in px over the valid pixels; `consistent`: the share the node's round trip "
              "keeps; `error`: the node's Motion.error, what the fusion sees (hard_motion_diagnosis.py)."), ""]
    lines += diagnosis_lines(diagnoses)
    lines += ["", "## PSNR (dB) of every frame", ""]
    lines += frame_table(results)
    return "\n".join(lines) + "\n"


def write(args, results, diagnoses, sizes, models, wall):
    """Writes hard_motion.md under args.out -> its path."""
    path = args.out / "hard_motion.md"
    write_atomically(path, markdown(args, results, diagnoses, sizes, models, wall))
    return path
