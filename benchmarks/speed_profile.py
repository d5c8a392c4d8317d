"""Where the per-frame graphs spend their time: ONNX Runtime's profiler, summed by op type.

    python -m benchmarks.speed_profile MODEL_DIR [--net H W] [--runs N] [--threads T] [--out FILE]

Runs the correspondence and colorization graphs N times on a real frame (the benchmark clip)
with profiling on, and prints/writes a markdown table: per graph and op type, the mean time per
frame and its share. ORT records node (kernel) times; the rest of a run is scheduling. Used by
speed.md to say what bounds a missed target.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from pathlib import Path

import onnxruntime as ort

from excolor.engine.models import load_model_dir
from excolor.ort.providers import session_options

from .speed_cases import graph_inputs


def profile(model_dir, net, runs, threads, workdir):
    directory = load_model_dir(Path(model_dir))
    frame_l, reference_lab = graph_inputs(*net)
    options = session_options(ort, threads)
    reference = ort.InferenceSession(str(directory.graph_path("reference")), options,
                                     providers=["CPUExecutionProvider"])
    code = dict(zip([o.name for o in reference.get_outputs()],
                    reference.run(None, {"reference_lab": reference_lab})))
    tables = {}
    warped = confidence = None
    for name in ("correspondence", "colorization"):
        options = session_options(ort, threads)
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(workdir) / f"ort_{name}")
        session = ort.InferenceSession(str(directory.graph_path(name)), options,
                                       providers=["CPUExecutionProvider"])
        if name == "correspondence":
            feeds = {"frame_l": frame_l, **code}
        else:
            feeds = {"frame_l": frame_l, "warped_ab": warped, "confidence": confidence,
                     "previous_lab": reference_lab[:, :3] * 0}
        for _ in range(runs + 1):  # the first run is warm-up, dropped below by the count
            outputs = session.run(None, feeds)
        if name == "correspondence":
            warped, confidence = outputs
        events = json.loads(Path(session.end_profiling()).read_text())
        model_runs = sorted((e for e in events if e.get("cat") == "Session" and e["name"] == "model_run"),
                            key=lambda e: e["ts"])
        warm_up_end = model_runs[0]["ts"] + model_runs[0]["dur"]
        by_op = collections.Counter()
        for event in events:
            if (event.get("cat") == "Node" and event["name"].endswith("_kernel_time")
                    and event["ts"] >= warm_up_end):
                by_op[event["args"].get("op_name", "?")] += event["dur"]
        total = sum(e["dur"] for e in model_runs[1:])
        tables[name] = {"run_ms": total / runs / 1000.0,
                        "ops_ms": {op: us / runs / 1000.0 for op, us in by_op.most_common()}}
    return tables


def markdown(tables, net):
    lines = [f"| graph | op type (network {net[1]}x{net[0]}) | ms per frame | share of kernel time |",
             "|---|---|---|---|"]
    for name, table in tables.items():
        kernels = sum(table["ops_ms"].values()) or 1.0
        for op, ms in list(table["ops_ms"].items())[:6]:
            lines.append(f"| {name} | {op} | {ms:.1f} | {ms / kernels:.0%} |")
        lines.append(f"| {name} | (whole run) | {table['run_ms']:.1f} | |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--net", nargs=2, type=int, default=(144, 256), metavar=("H", "W"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", default=None, help="also write the table (markdown) here")
    parser.add_argument("--workdir", default=None,
                        help="where ORT writes its profile JSON (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="excolor-profile-") as scratch:
        tables = profile(args.model_dir, tuple(args.net), args.runs, args.threads, args.workdir or scratch)
    text = markdown(tables, args.net)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
