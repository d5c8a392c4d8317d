"""The speed benchmark's sections: what each measures (the Plan of sizes) and how, every case
run in its own process (`python -m benchmarks.speed --worker KIND SPEC`, the cases in
speed_cases.py)."""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import onnxruntime

from .speed_cases import make_clip
from .speed_renders import RENDER_CASES, QUICK_RENDER_CASES, STAGE_PLATES
from .speed_motion import QUALITY_SHOTS

SPEED_MODULE = f"{__package__}.speed"  # runs a case: --worker KIND SPEC
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
    render_cases: tuple = RENDER_CASES  # speed_renders.RenderCase: whole renders against a baseline commit
    stage_plates: tuple = STAGE_PLATES  # plates of the node's stage profile by run kind
    motion_plates: tuple = STAGE_PLATES  # plates of the motion step's estimators side by side
    quality_shots: tuple = QUALITY_SHOTS  # (clip, first, last) shots scored with each estimator


FULL = Plan(PLATES, LONG_SIDES, frames=6, reps=5, threads=os.cpu_count() or 1,
            official_node=(((360, 640), 384), ((1080, 1920), 384), ((1080, 1920), 512)),
            memory_sides=LONG_SIDES, pipeline=(((360, 640), 96), ((1080, 1920), 48)))
QUICK = Plan(((72, 128),), (64,), frames=3, reps=2, threads=os.cpu_count() or 1,
             official_node=(((72, 128), 64),), memory_sides=(64, 96), pipeline=(((72, 128), 6),),
             render_cases=QUICK_RENDER_CASES, stage_plates=((72, 128),), motion_plates=((72, 128),),
             quality_shots=(("bikes.mp4", 30, 33),))
SECTIONS = ("node", "before_after", "colour_paths", "graphs", "memory", "pipeline", "renders", "stages", "motion")
PIPELINE_ROUNDS = 2


def ort_device():
    """'cuda' where this onnxruntime offers the CUDA provider, else 'cpu'."""
    return "cuda" if "CUDAExecutionProvider" in onnxruntime.get_available_providers() else "cpu"


def worker(kind, spec, pythonpath=None):
    """Run one case in a fresh process; returns its result dict (or {'error': ...}).
    pythonpath: a folder whose `excolor` shadows the installed one (the --baseline code).

    The case's process runs this package's speed module from this process's folder and
    environment, so it finds the `benchmarks` package where this process found it."""
    command = [sys.executable, "-m", SPEED_MODULE, "--worker", kind, json.dumps(spec)]
    # PyTorch's OpenMP threads spin between ops by default; on shared cores that costs it 2-5x
    # (measured), while ORT's sessions are set not to spin: passive for both keeps it fair.
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(pythonpath), env.get("PYTHONPATH"))))
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
    on the node's device (excolor.colour.work_graphs), default lite model, alternating processes."""
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
