"""speed.json -> speed.md (tables) and speed.csv (one row per node case), see speed.py."""
from __future__ import annotations

import csv
import statistics

from excolor.timing import STAGES as NODE_STAGES

from .speed_renders import render_tables
from .speed_motion import motion_tables

# The node's stages, then the pipeline's write. "chroma" (guided upsampling to the plate) is
# only timed for plates beyond the history cap.
STAGES = (*NODE_STAGES, "write")
TARGET_FPS = 10.0
TARGET_ORT_RATIO = 1.3
TARGET_CPU_GB = 8.0
TARGET_GPU_GB = 4.0


def _f(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def header(results, quick):
    m = results["machine"]
    lines = [
        "# Speed and memory benchmark" + (" (--quick: tiny sizes, not a measurement)" if quick else ""),
        "",
        f"Measured {m['date']} on `{m['host']}`: {m['cpu']}, {m['cores']} cores, "
        f"{m['threads']} ORT/torch threads, GPU: {m['gpu'] or 'none'}. Python {m['python']}, "
        f"numpy {m['numpy']}, onnxruntime {m['onnxruntime']}, torch {m['torch']}. "
        f"Load average at start: {m['load_average_at_start']} (the machine is shared by other "
        "engineers' jobs: absolute times are inflated and noisy; ratios measured in one run "
        "and interleaved are the meaningful figures).",
        "",
        "Models: " + "; ".join(f"{a}: {e['source']}" for a, e in results["models"].items()) + ".",
        "Only figures measured appear below; '-' = not measured. What the figures mean, the "
        "profiles and what would close each missed target: [speed_findings.md](speed_findings.md).",
        "",
    ]
    stamps = results.get("sections_measured", {})
    if len({s["date"] for s in stamps.values()}) > 1:  # an --only run kept older sections
        lines += ["Sections were measured at different times (`speed.py --only`):", ""]
        lines += [f"- {name}: {s['date']}, `{s['host']}`, {s['cores']} cores, GPU: {s['gpu'] or 'none'}, "
                  f"load average at start {s['load_average_at_start']}"
                  for name, s in sorted(stamps.items())]
        lines.append("")
    return lines


def pipeline_rows(results):
    """{(plate, stream, io_threads): {frames: [rows]}} of the pipeline section's measured rows."""
    grouped = {}
    for row in results.get("pipeline", []):
        if "seconds" in row:
            key = (tuple(row["plate"]), bool(row.get("stream")), row["io_threads"])
            grouped.setdefault(key, {}).setdefault(row["frames"], []).append(row)
    return grouped


def pipeline_rates(by_length):
    """(frames, whole-command frames/s, steady frames/s or None) for the longest clip; steady =
    the extra frames over the extra seconds against the shortest clip (fixed costs cancel)."""
    seconds = {n: statistics.median(r["seconds"] for r in rows) for n, rows in by_length.items()}
    longest, shortest = max(seconds), min(seconds)
    steady = None
    if longest > shortest and seconds[longest] > seconds[shortest]:
        steady = (longest - shortest) / (seconds[longest] - seconds[shortest])
    return longest, longest / seconds[longest], steady


def pipeline_table(results):
    rows = results.get("pipeline", [])
    lines = ["## End to end: `excolor colorize` video -> video", "",
             "Decode (PyAV), colorize (default lite model) and the H.264 encode (CRF 18), whole "
             "command in one process: start-up, model load and reference encoding included. "
             "'frames to encoder' = 'cached': through the lossless frame cache (a PNG per frame, "
             "read back for the encode; resumable), 'streamed': `--stream`, straight to the "
             "encoder. 'io threads' = `--io-threads` (0: read, render and write in turn; N: frames "
             "decoded ahead on one thread, written behind on N; streamed: the encoder's one "
             "thread). 'steady frames/s' = the extra frames of the full clip over its extra "
             "seconds against the half-length clip: the rate once the command runs, without its "
             "fixed costs. Alternating processes; median over rounds.", ""]
    skipped = [r["skipped"] for r in rows if "skipped" in r]
    if skipped:
        return lines + [f"Not measured: {skipped[0]}.", ""]
    grouped = pipeline_rows(results)
    if not grouped:
        return lines + ["Not measured in this run.", ""]
    lines += ["| plate | frames | device | frames to encoder | io threads | rounds | seconds | frames/s "
              "| vs cached, in turn | steady frames/s |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for (plate, stream, threads), by_length in sorted(grouped.items()):
        longest, _, steady = pipeline_rates(by_length)
        for frames, group in sorted(by_length.items()):
            seconds = statistics.median(r["seconds"] for r in group)
            serial = grouped.get((plate, False, 0), {}).get(frames)
            base = statistics.median(r["seconds"] for r in serial) if serial else None
            speedup = f"{base / seconds:.2f}x" if base else "-"
            lines.append(f"| {plate[1]}x{plate[0]} | {frames} | {group[0]['device']} | "
                         f"{'streamed' if stream else 'cached'} | {threads} | {len(group)} | {seconds:.2f} "
                         f"| {frames / seconds:.2f} | {speedup} | "
                         f"{_f(steady, 2) if frames == longest else ''} |")
    return lines + [""]


COLOUR_STAGES = ("colour_in", "chroma", "colour_out")


def colour_paths_table(results):
    rows = [r for r in results.get("colour_paths", []) if "latency" in r]
    lines = ["## Full-resolution colour work: host numpy vs ONNX graphs on the node's device", "",
             "ColorizeNode.render with the default lite model at its default network size; 'colour "
             "ms' = colour_in + chroma + colour_out per frame (display L, guided chroma upsampling, "
             "Lab -> display, recombine, confidence resize), 'host' = numpy in row bands over the "
             "node's threads, 'graphs' = excolor.colour.work_graphs in ONNX Runtime on the device below "
             "(`colour_graphs=True`; the default on CUDA). Alternating processes; median over rounds.", ""]
    if not rows:
        return lines + ["Not measured in this run.", ""]
    lines += ["| plate | device | path | rounds | colour ms | frame median ms | frames/s | colour work, graphs vs host |",
              "|---|---|---|---|---|---|---|---|"]
    grouped = {}
    for row in rows:
        grouped.setdefault((tuple(row["plate"]), row["device"], row["colour_graphs"]), []).append(row)
    colour = {key: statistics.median(sum(r["stages_ms"].get(s, 0.0) for s in COLOUR_STAGES) for r in group)
              for key, group in grouped.items()}
    for (plate, device, graphs), group in sorted(grouped.items()):
        frame = statistics.median(r["latency"]["median_ms"] for r in group)
        host = colour.get((plate, device, False))
        ratio = "-"
        if graphs and host:
            speedup = host / colour[(plate, device, graphs)]
            ratio = f"{speedup:.2f}x faster" if speedup >= 1 else f"{1 / speedup:.2f}x slower"
        lines.append(f"| {plate[1]}x{plate[0]} | {device} | {'graphs' if graphs else 'host'} | {len(group)} "
                     f"| {colour[(plate, device, graphs)]:.1f} | {frame:.1f} | {1000.0 / frame:.2f} | {ratio} |")
    return lines + [""]


def node_table(results):
    devices = sorted({r.get("device", "cpu") for r in results["node"]}) or ["cpu"]
    lines = [f"## ColorizeNode.render, frames in sequence (ONNX Runtime {', '.join(devices).upper()})", "",
             "Per-frame ms; stages are means per frame from `node.timings` ('reference' is paid "
             "on the first frame, reported apart; 'write' = quantising to 8 bits for an encoder).",
             "",
             "| arch | plate | network | median ms | p95 ms | frames/s | first frame ms | peak RSS MB | "
             "GPU MB | " + " | ".join(STAGES) + " |",
             "|" + "---|" * (9 + len(STAGES))]
    for row in results["node"]:
        plate = f"{row['plate'][1]}x{row['plate'][0]}"
        if "error" in row:
            lines.append(f"| {row['arch']} | {plate} | {row['long_side']} | error: "
                         f"{row['error'].splitlines()[-1][:120]} |")
            continue
        lat = row["latency"]
        stages = " | ".join(_f(row["stages_ms"].get(s)) for s in STAGES)
        lines.append(f"| {row['arch']} | {plate} | {row['network'][1]}x{row['network'][0]} | "
                     f"{_f(lat['median_ms'])} | {_f(lat['p95_ms'])} | {_f(lat['fps'], 2)} | "
                     f"{_f(row['first_frame_ms'])} | {_f(row['peak_rss_mb'], 0)} | "
                     f"{_f(row.get('gpu_mb'), 0)} | {stages} |")
    for row in results["node_skipped"]:
        lines.append(f"| {row['arch']} | {row['plate'][1]}x{row['plate'][0]} | long side "
                     f"{row['long_side']} | skipped: {row['why']} |")
    hits = [r["reference_hit_rate"] for r in results["node"] if r.get("reference_hit_rate") is not None]
    encodes = [r["reference_encodes"] for r in results["node"] if "reference_encodes" in r]
    if hits:
        lines += ["", f"Reference cache: every case renders two shots that share one reference "
                  f"picture (given as two different arrays); encodes per case: {sorted(set(encodes))}, "
                  f"hit rate {min(hits):.1%}..{max(hits):.1%} of reference look-ups."]
    return lines + [""]


def graph_table(results):
    lines = ["## Per-frame graphs: PyTorch eager vs ONNX Runtime on the same weights", "",
             "correspondence + colorization for one frame (the reference encoded once before), "
             "interleaved repetitions; FLOPs counted with torch.utils.flop_counter.", "",
             "| arch | network | GFLOP/frame | PyTorch CPU median ms | ORT CPU median ms | "
             "ORT / PyTorch speed | GPU |", "|---|---|---|---|---|---|---|"]
    for row in results["graphs"]:
        net = f"{row['net'][1]}x{row['net'][0]}"
        if "error" in row:
            lines.append(f"| {row['arch']} | {net} | error: {row['error'].splitlines()[-1][:120]} |")
            continue
        cpu = row["cpu"]
        gpu = row["gpu"]
        gpu_text = gpu.get("why", "not measured") if not gpu.get("measured") else (
            f"{gpu['device']}: torch {_f(gpu['torch_cuda']['median_ms'], 2)} ms, ORT fp32 "
            f"{_f(gpu['ort_cuda_fp32']['median_ms'], 2)} ms, ORT fp16 "
            f"{_f(gpu.get('ort_cuda_fp16', {}).get('median_ms'), 2)} ms, bound fp16 "
            f"{_f(gpu.get('bound_ms', {}).get('fp16'), 3)} ms")
        lines.append(f"| {row['arch']} | {net} | {row['flops_per_frame'] / 1e9:.2f} | "
                     f"{_f(cpu['torch_cpu']['median_ms'])} | {_f(cpu['ort_cpu']['median_ms'])} | "
                     f"{cpu['ort_over_torch']:.2f}x | {gpu_text} |")
    return lines + [""]


def memory_table(results):
    lines = ["## Correspondence graph alone: peak host memory against network size", "",
             "One correspondence step (frame and reference 16:9 at the network size) in a fresh "
             "process; peak RSS includes the Python/ORT process (~150-400 MB). dense = the whole "
             "similarity matrix at once (before); chunked = ONNX Loop over 1024 frame positions "
             "(after, the export default).", "",
             "| arch | long side | network | matching | dense N x M tensors | peak RSS MB | "
             "rise during the step MB | step s | device | GPU MB held by the step |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in results["memory"]:
        net = f"{row['net'][1]}x{row['net'][0]}"
        size = f"{row['dense_bytes'] / 2**30:.2f} GiB"
        if "skipped" in row:
            tail = f"skipped: {row['skipped']} | - | - | - | - |"
        elif "error" in row:
            tail = f"error: {row['error'].splitlines()[-1][:120]} | - | - | - | - |"
        else:
            rise = row["peak_rss_mb"] - row["peak_before_run_mb"]
            tail = (f"{_f(row['peak_rss_mb'], 0)} | {_f(rise, 0)} | {_f(row['seconds'], 2)} | "
                    f"{row.get('device', 'cpu')} | {_f(row.get('gpu_mb'), 0)} |")
        lines.append(f"| {row['arch']} | {row['long_side']} | {net} | {row['matching']} | {size} | {tail}")
    return lines + [""]


def before_after_table(results):
    rows = results.get("before_after")
    if not rows:
        return []
    baseline = results.get("before_after_baseline",
                           "the node as first written (per-pixel colour code, ORT defaults with "
                           "spinning threads)")
    lines = ["## Node before / after (lite, default network size)", "",
             "Alternating processes, one line per variant: median over rounds of each round's "
             f"median frame time. 'before' = {baseline}; 'after' = this code (its default "
             "threads, and 1 thread).", "",
             "| plate | variant | rounds | median ms | frames/s | speed-up vs before |",
             "|---|---|---|---|---|---|"]
    plates = sorted({tuple(r["plate"]) for r in rows})
    for plate in plates:
        medians = {}
        for row in rows:
            if tuple(row["plate"]) == plate and "latency" in row:
                medians.setdefault(row["variant"], []).append(row["latency"]["median_ms"])
        before = statistics.median(medians["before"]) if "before" in medians else None
        for variant, values in medians.items():
            median = statistics.median(values)
            ratio = f"{before / median:.2f}x" if before else "-"
            lines.append(f"| {plate[1]}x{plate[0]} | {variant} | {len(values)} | {_f(median)} | "
                         f"{_f(1000.0 / median, 2)} | {ratio} |")
    return lines + [""]


def _default_after(results):
    """The 'after' rows of the before/after comparison at the smallest plate (the 10 fps case)."""
    rows = [r for r in results.get("before_after", []) if "latency" in r]
    if not rows:
        return None, []
    smallest = min((tuple(r["plate"]) for r in rows), key=lambda p: p[0] * p[1])
    return smallest, [r for r in rows if tuple(r["plate"]) == smallest]


def targets(results):
    """The speed and memory targets against this run's figures (only what was measured)."""
    lines = ["## Targets", ""]
    for row in results["node"]:
        if row.get("default_size") and row["arch"] == "lite" and "latency" in row:
            fps = row["latency"]["fps"]
            stages = sorted(((k, v) for k, v in row["stages_ms"].items() if k != "reference"),
                            key=lambda kv: -kv[1])[:3]
            verdict = "met" if fps >= TARGET_FPS else f"missed by {TARGET_FPS / fps:.1f}x"
            lines.append(
                f"- Default lite model, {row['plate'][1]}x{row['plate'][0]} plate at its default "
                f"network size ({row['network'][1]}x{row['network'][0]}), node section: {fps:.1f} "
                f"frames/s (median {row['latency']['median_ms']:.0f} ms) vs >= {TARGET_FPS:.0f}: "
                f"{verdict}. Largest stages (ms/frame): " + ", ".join(f"{k} {v:.0f}" for k, v in stages) + ".")
    plate, rows = _default_after(results)
    if rows:
        for variant in ("after", "after, 1 thread"):
            chosen = [r for r in rows if r["variant"] == variant]
            if not chosen:
                continue
            median = statistics.median(r["latency"]["median_ms"] for r in chosen)
            fps = 1000.0 / median
            stages = {s: statistics.median(r["stages_ms"].get(s, 0.0) for r in chosen) for s in STAGES
                      if s != "reference"}
            top = sorted(stages.items(), key=lambda kv: -kv[1])[:3]
            verdict = "met" if fps >= TARGET_FPS else f"missed by {TARGET_FPS / fps:.1f}x"
            lines.append(
                f"- Default lite model, {plate[1]}x{plate[0]} plate, {variant}: {fps:.1f} frames/s "
                f"(median {median:.0f} ms) vs >= {TARGET_FPS:.0f}: {verdict}. Largest stages (ms/frame): "
                + ", ".join(f"{k} {v:.0f}" for k, v in top) + ".")
    for row in results["graphs"]:
        fp16 = row.get("gpu", {}).get("ort_cuda_fp16", {}).get("median_ms")
        if row["arch"] == "official" and fp16:
            fps = 1000.0 / fp16
            lines.append(f"- Official graphs, ORT CUDA fp16 with IO binding, {row['gpu']['device']}, "
                         f"{row['net'][1]}x{row['net'][0]}: {fps:.0f} frames/s vs >= 300: "
                         f"{'met' if fps >= 300 else f'missed by {300 / fps:.1f}x'}.")
        if "cpu" in row:
            ratio = row["cpu"]["ort_over_torch"]
            verdict = "met" if ratio >= TARGET_ORT_RATIO else f"missed ({ratio:.2f}x < {TARGET_ORT_RATIO}x)"
            lines.append(f"- ORT CPU vs PyTorch eager, {row['arch']} at {row['net'][1]}x{row['net'][0]}: "
                         f"{ratio:.2f}x faster: {verdict}.")
    for row in results["memory"]:
        if row["matching"] == "chunked" and row["long_side"] == max(r["long_side"] for r in results["memory"]):
            if "peak_rss_mb" in row and row.get("device", "cpu") == "cpu":
                gb = row["peak_rss_mb"] / 1024.0
                verdict = "met" if gb <= TARGET_CPU_GB else "missed"
                lines.append(f"- {row['arch']} at long side {row['long_side']} on CPU: peak {gb:.2f} GB "
                             f"(whole process) vs <= {TARGET_CPU_GB:.0f} GB: {verdict}.")
            if row.get("gpu_mb") is not None:
                gb = row["gpu_mb"] / 1024.0
                verdict = "met" if gb <= TARGET_GPU_GB else "missed"
                lines.append(f"- {row['arch']} at long side {row['long_side']} on the GPU: {gb:.2f} GB "
                             f"held by the correspondence step vs <= {TARGET_GPU_GB:.0f} GB: {verdict}.")
    hits = [r["reference_hit_rate"] for r in results["node"] if r.get("reference_hit_rate") is not None]
    if hits:
        lines.append(f"- Reference encoded once per distinct picture: 1 encode per case, cache hit "
                     f"rate {min(hits):.0%} of look-ups (every later frame and the second shot hit).")
    for plate, name in (((360, 640), "640x360"), ((1080, 1920), "1080p")):
        measured = [(key, pipeline_rates(by_length)) for key, by_length in pipeline_rows(results).items()
                    if key[0] == plate]
        if not measured:
            continue
        (_, stream, threads), (frames, whole, steady) = max(measured, key=lambda m: m[1][1])
        device = next(iter(pipeline_rows(results)[(plate, stream, threads)].values()))[0]["device"]
        how = "streamed to the encoder" if stream else f"{threads} io threads, cached"
        target = TARGET_FPS if plate == (360, 640) else 60.0
        rate = f"{whole:.2f} frames/s for the whole command ({frames} frames)" + (
            f", {steady:.2f} frames/s steady" if steady else "")
        if plate == (1080, 1920) and device == "cpu":
            verdict = "the >= 60 frames/s target is for a GPU"
        else:
            best = steady or whole
            verdict = f"vs >= {target:.0f}: " + ("met" if best >= target else f"missed by {target / best:.2f}x")
        lines.append(f"- {name} decode -> colorize -> encode, fastest variant ({how}), {device}: "
                     f"{rate} ({verdict}).")
    if not results["machine"].get("gpu"):
        lines.append("- GPU targets (official fp16 >= 300 frames/s for the graphs at 216x384; 1080p "
                     "decode->colorize->encode >= 60 frames/s; <= 4 GB GPU memory at long side 1024): "
                     "not measured, no GPU on this machine (the code paths in gpu_paths.py and the "
                     "pipeline section run where one is).")
    return lines + [""]


def write(results, out, quick=False):
    lines = (header(results, quick) + targets(results) + before_after_table(results)
             + render_tables(results, STAGES) + motion_tables(results)
             + pipeline_table(results) + colour_paths_table(results) + node_table(results)
             + graph_table(results)
             + memory_table(results))
    (out / "speed.md").write_text("\n".join(lines) + "\n")
    with open(out / "speed.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["arch", "plate_w", "plate_h", "net_w", "net_h", "median_ms", "p95_ms", "fps",
                         "first_frame_ms", "peak_rss_mb"] + [f"{s}_ms" for s in STAGES])
        for row in results["node"]:
            if "error" in row:
                continue
            lat = row["latency"]
            writer.writerow([row["arch"], row["plate"][1], row["plate"][0], row["network"][1],
                             row["network"][0], lat["median_ms"], lat["p95_ms"], lat["fps"],
                             row["first_frame_ms"], row["peak_rss_mb"]]
                            + [row["stages_ms"].get(s) for s in STAGES])
