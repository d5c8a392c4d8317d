"""Cheaper motion steps that change what the fusion sees, measured before any is adopted.

    python -m benchmarks.motion_alternatives DATA      # -> results/motion_alternatives.md
    python -m benchmarks.motion_alternatives DATA --quick --out D   # tiny (the test's run)

A pinned run's motion step estimates two motions per frame, each with a flow both ways: the
history's (previous frame -> frame) and the key's (the key's frame -> frame, straight, so the
key's colours do not drift through a chain of flows). Three ways to spend less, each measured
here with the shipped fusion as it is (not retrained for it: a retrained fusion could win back
part of a loss, not a loss of several dB):

  key_one_way    the key's motion without its backward flow: consistency is only "the flow
                 stays inside the frame" (one flow fewer per frame);
  key_composed   the key's motion composed from the history's: the key -> previous frame map
                 sampled along previous -> frame (both key flows saved);
  history_cap    the history (both carries, the fusion) kept at 1280 px on the long side
                 instead of excolor.engine.optical_flow.HISTORY_CAP (2048): the same pixels
                 below 1280, less work above. Measured on 1080p pans over large photographs of
                 DATA/images (real detail up to the plate's size), key = the true colour of
                 frame 0, chroma PSNR on the true L as benchmarks/quality.py scores.
The first two on the quality benchmark's pinned protocols (first, mid, two_keys) of both clips.
Seconds per frame come from one process, alternatives in turn, on a shared machine.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
from pathlib import Path

import cv2
import numpy as np

from excolor.engine import node as node_module
from excolor.engine import optical_flow
from excolor.engine.candidates import carried_candidates
from excolor.engine.fusion import Candidate
from excolor.engine.node import ColorizeNode
from excolor.engine.optical_flow import Motion, _pixel_grid, _sample

from . import quality
from . import quality_methods as qm
from . import quality_report
from .quality_protocols import PROTOCOLS

RESULTS = Path(__file__).resolve().parent / "results"
PINNED_PROTOCOLS = ("first", "mid", "two_keys")
CAPPED_SIDE = 1280
PAN_PLATE = (1080, 1920)
PAN_FRAMES = 16
PAN_PHOTOS = ("usr_share_backgrounds_Bridge_by_Sander_Klootwijk.jpg",
              "usr_share_backgrounds_Fossa_by_Jasper_Roks.jpg",
              "usr_share_backgrounds_Dragonfly_by_Bolly.jpg")


def _judged_one_way(estimator, source_l, target_l):
    """The Motion source -> target from the target -> source flow alone (key_one_way)."""
    settings = estimator.settings
    height, width = target_l.shape
    flow = estimator._flow(estimator._flow_input(target_l), estimator._flow_input(source_l), height, width)
    xs, ys = _pixel_grid(height, width)
    map_x, map_y = xs + flow[..., 0], ys + flow[..., 1]
    consistent = (map_x >= 0) & (map_x <= width - 1) & (map_y >= 0) & (map_y <= height - 1)
    return _judged_map(settings, source_l, target_l, map_x, map_y, consistent)


def _judged_map(settings, source_l, target_l, map_x, map_y, consistent):
    mismatch = np.abs(_sample(np.ascontiguousarray(source_l, np.float32), map_x, map_y) - target_l)
    np.add(mismatch, np.float32(settings.occlusion_error), out=mismatch, where=~consistent)
    error = cv2.blur(mismatch, (settings.window, settings.window), borderType=cv2.BORDER_REFLECT)
    return Motion(map_x, map_y, error, consistent)


def _candidate(motion, ab):
    return Candidate(motion.carry(ab), motion.error, motion.consistent.astype(np.float32))


def key_one_way(estimator, sources, lightness):
    """carried_candidates with the key's motion from one flow (module doc)."""
    gathered = carried_candidates(estimator, {k: v for k, v in sources.items() if k != "keyframe"}, lightness)
    if "keyframe" in sources:
        ab, source_l = sources["keyframe"]
        gathered["keyframe"] = _candidate(_judged_one_way(estimator, source_l, lightness), ab)
    return gathered


class KeyComposed:
    """carried_candidates with the key's motion composed from the history's (module doc). The
    key -> frame map of each frame is kept, by the frame's lightness array (the next frame's
    history lightness is that same array), for the next frame."""

    def __init__(self):
        self._maps = {}

    def __call__(self, estimator, sources, lightness):
        if "keyframe" not in sources or "history" not in sources:
            return carried_candidates(estimator, sources, lightness)
        (history_ab, history_l), (key_ab, key_l) = sources["history"], sources["keyframe"]
        held = self._maps.get(id(history_l))
        if held is not None and held[0] is history_l:
            _, previous_x, previous_y, previous_consistent = held
        elif np.array_equal(history_l, key_l):  # the frame after the key: the key's map is the identity
            previous_x, previous_y = _pixel_grid(*lightness.shape)
            previous_consistent = np.ones(lightness.shape, bool)
        else:
            return carried_candidates(estimator, sources, lightness)
        history = estimator.motions([(history_l, lightness)])[0]
        map_x, map_y = _sample(previous_x, history.map_x, history.map_y), _sample(previous_y, history.map_x, history.map_y)
        height, width = lightness.shape
        consistent = history.consistent & (_sample(previous_consistent.astype(np.float32), history.map_x,
                                                   history.map_y) > 0.5)
        consistent &= (map_x >= 0) & (map_x <= width - 1) & (map_y >= 0) & (map_y <= height - 1)
        self._maps[id(lightness)] = (lightness, map_x, map_y, consistent)
        key = _judged_map(estimator.settings, key_l, lightness, map_x, map_y, consistent)
        return {"history": _candidate(history, history_ab), "keyframe": _candidate(key, key_ab)}


@contextlib.contextmanager
def carried_by(function):
    """The node's carried candidates made by `function` inside the block."""
    saved = node_module.carried_candidates
    node_module.carried_candidates = function
    try:
        yield
    finally:
        node_module.carried_candidates = saved


@contextlib.contextmanager
def history_cap(side):
    """The history kept at `side` px on the long side inside the block (every user of
    optical_flow.history_size takes its default cap)."""
    saved = optical_flow.history_size.__defaults__
    optical_flow.history_size.__defaults__ = (side,)
    try:
        yield
    finally:
        optical_flow.history_size.__defaults__ = saved


def pinned_rows(long_side, quick):
    """[(clip, protocol, alternative, PSNR, s/frame)] on the pinned protocols."""
    alternatives = {"default": contextlib.nullcontext, "key_one_way": lambda: carried_by(key_one_way),
                    "key_composed": lambda: carried_by(KeyComposed())}
    rows = []
    for name in quality.CLIPS:
        clip = quality.Clip(name, long_side, quick)
        for protocol in PINNED_PROTOCOLS:
            for alternative, context in alternatives.items():
                with context():
                    buckets = quality.run_protocol(clip, PROTOCOLS[protocol], {"excolor": qm.NodeMethod()})
                bucket = buckets["excolor"]
                if bucket["rows"]:
                    result = quality_report.summarise(name, protocol, alternative, bucket)
                    rows.append((name, protocol, alternative, result["psnr"], result["seconds_per_frame"]))
    return rows


def pan(photo, plate, frames):
    """(frames, H, W, 3) uint8: a slow pan and push-in over `photo` at the `plate` size."""
    height, width = plate
    image = cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB)
    scale = width * 1.2 / image.shape[1]
    image = cv2.resize(image, (round(width * 1.2), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    out = []
    for t in range(frames):
        zoom = 1.0 + 0.004 * t
        crop_w, crop_h = int(width / zoom * 1.05), int(height / zoom * 1.05)
        x, y = 10 + 14 * t * width // 1920, 10 + 5 * t * height // 1080
        out.append(cv2.resize(image[y:y + crop_h, x:x + crop_w], (width, height), interpolation=cv2.INTER_AREA))
    return np.stack(out)


def render_pan(truth8, cap):
    """(s/frame, mean chroma PSNR of frames 1..) of the node on `truth8`'s gray, frame 0's
    true colour pinned, the history capped at `cap`."""
    with history_cap(cap):
        psnr, seconds = qm.first_key_render(ColorizeNode(device="cpu"), truth8)
    return seconds, psnr


def pan_rows(data, plate, frames, caps):
    """[(photo, cap, s/frame, PSNR)]: each photo's pan at every cap, caps in turn."""
    rows = []
    for photo in PAN_PHOTOS:
        truth8 = pan(Path(data) / "images" / photo, plate, frames)
        for cap in caps:
            rows.append((photo, cap, *render_pan(truth8, cap)))
    return rows


def markdown(pinned, pans, long_side, plate, caps):
    lines = ["# Cheaper motion steps that change what the fusion sees", "",
             f"- machine: {platform.machine()}, {os.cpu_count()} CPU threads, {platform.system()}; node device cpu",
             "- the shipped fusion, not retrained for an alternative; seconds per frame from one process "
             "(alternatives in turn) on a shared machine", "",
             f"## The key's motion (pinned protocols, long side {long_side})", "",
             "| clip | protocol | alternative | PSNR dB | - default | s/frame |", "|---|---|---|---:|---:|---:|"]
    default = {(c, p): psnr for c, p, a, psnr, _ in pinned if a == "default"}
    for clip, protocol, alternative, psnr, seconds in pinned:
        lines.append(f"| {clip.split('.')[0]} | {protocol} | {alternative} | {psnr:.2f} | "
                     f"{psnr - default[clip, protocol]:+.2f} | {seconds:.3f} |")
    lines += ["", f"## The history's size ({plate[1]}x{plate[0]} pans over photographs, {caps[0]} vs {caps[1]} px)", "",
              "| photo | history cap | s/frame | PSNR dB (frames 1..) |", "|---|---:|---:|---:|"]
    for photo, cap, seconds, psnr in pans:
        lines.append(f"| {photo.removeprefix('usr_share_backgrounds_')} | {cap} | {seconds:.3f} | {psnr:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="training data root (its images/ holds the photographs)")
    parser.add_argument("--quick", action="store_true", help="tiny frames and plates (for the test)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    missing = [p for p in PAN_PHOTOS if not (args.data / "images" / p).is_file()]
    if missing:
        parser.error(f"{args.data / 'images'}: missing {', '.join(missing)}")
    long_side = quality.QUICK_LONG_SIDE if args.quick else 448
    plate, frames = ((108, 192), 3) if args.quick else (PAN_PLATE, PAN_FRAMES)
    caps = (192, 128) if args.quick else (optical_flow.HISTORY_CAP, CAPPED_SIDE)
    pinned = pinned_rows(long_side, args.quick)
    pans = pan_rows(args.data, plate, frames, caps)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "motion_alternatives.md"
    path.write_text(markdown(pinned, pans, long_side, plate, caps))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
