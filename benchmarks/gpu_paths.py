"""GPU side of the speed benchmark's graph case: PyTorch CUDA eager, ONNX Runtime CUDA fp32 and
fp16 with IO binding (inputs and outputs stay on the GPU), and the compute bound.

Only called where torch sees a CUDA device and onnxruntime offers CUDAExecutionProvider; onnx
and torch are imported then (every speed worker imports this module, and a case's peak RSS is
its own).
fp16 graphs are made as `excolor export --precision fp16` makes them (excolor.export.precision:
onnxconverter-common's conversion, repaired for the matching Loop; inputs/outputs stay float32);
without onnxconverter-common fp16 is reported as not measured.
"""
from __future__ import annotations

import time

import numpy as np
import onnxruntime as ort

from .latency import summary


def _timed(run, reps, synchronize):
    run()
    synchronize()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        synchronize()
        times.append(time.perf_counter() - start)
    return times


def _ort_bound(path_or_bytes, feeds):
    session = ort.InferenceSession(path_or_bytes, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    binding = session.io_binding()
    values = {k: ort.OrtValue.ortvalue_from_numpy(v, "cuda", 0) for k, v in feeds.items()}
    for name in (i.name for i in session.get_inputs()):
        binding.bind_ortvalue_input(name, values[name])
    for output in session.get_outputs():
        binding.bind_output(output.name, "cuda")
    return session, binding, values


def time_gpu(spec, stages, cpu, torch_frame, directory, feeds, flops, peaks):
    """-> {measured, device, torch_cuda, ort_cuda_fp32, ort_cuda_fp16, bound_ms, peak_gpu_mb}."""
    import onnx  # deferred: see the module docstring
    import torch

    reps = spec["reps"] * 5
    device_name = torch.cuda.get_device_name(0)
    result = {"measured": True, "device": device_name}
    cuda = {"frame_l": cpu["frame_l"].cuda(), "code": tuple(c.cuda() for c in cpu["code"]),
            "previous": cpu["previous"].cuda()}
    for stage in stages.values():
        stage.cuda()
    torch.cuda.reset_peak_memory_stats()
    result["torch_cuda"] = summary(_timed(lambda: torch_frame(cuda), reps, torch.cuda.synchronize))
    result["torch_peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    warped_shape = (1, 2) + tuple(cpu["frame_l"].shape[2:])
    colour_feeds = {"frame_l": feeds["frame_l"], "warped_ab": np.zeros(warped_shape, np.float32),
                    "confidence": np.zeros((1, 1) + warped_shape[2:], np.float32),
                    "previous_lab": cpu["previous"].numpy()}
    models = {"fp32": {n: str(directory.graph_path(n)) for n in ("correspondence", "colorization")}}
    try:  # optional: onnxconverter-common (the `train` extra)
        from excolor.export.precision import to_float16

        models["fp16"] = {n: to_float16(onnx.load(str(directory.graph_path(n)))).SerializeToString()
                          for n in ("correspondence", "colorization")}
    except ImportError as error:
        result["ort_cuda_fp16"] = {"measured": False, "why": str(error)}
    for precision, graphs in models.items():
        correspondence = _ort_bound(graphs["correspondence"], feeds)
        colorization = _ort_bound(graphs["colorization"], colour_feeds)

        def run():
            correspondence[0].run_with_iobinding(correspondence[1])
            colorization[0].run_with_iobinding(colorization[1])

        result[f"ort_cuda_{precision}"] = summary(_timed(run, reps, lambda: None))
    name = next((k for k in peaks if k in device_name), None)
    if name:
        result["bound_ms"] = {p: 1000.0 * flops / peak for p, peak in peaks[name].items()}
    return result
