"""Measure ONNX Runtime against PyTorch, stage by stage, on real images.

Each stage's graph is fed exactly the tensors its PyTorch twin is fed (the PyTorch outputs of the
stage before), so a figure isolates one graph's error instead of compounding them.
"""
import numpy as np
import torch
import torch.nn.functional as F

from excolor.model.lab import srgb_to_lab

L_OFFSET = 50.0


def image_to_lab(image, size):
    """(H,W,3) sRGB in [0,1] -> (1,3,h,w) float32 Lab, L centred, resized to size=(h,w)."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"parity images must be HxWx3 sRGB, got shape {image.shape}")
    rgb = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None].clamp(0.0, 1.0)
    rgb = F.interpolate(rgb, size=size, mode="bilinear", antialias=True, align_corners=False)
    lab = srgb_to_lab(rgb.clamp(0.0, 1.0))
    return torch.cat((lab[:, :1] - L_OFFSET, lab[:, 1:]), dim=1).contiguous()


def parity_cases(size_rule, images, long_side):
    """Consecutive image pairs as (reference, frame) at their own aspect ratios.

    Returns a list of dicts: reference_lab (1,3,Hr,Wr), frame_l (1,1,H,W), previous_lab (1,3,H,W)
    (the frame's own colours, as in propagation from a coloured first frame).
    """
    if len(images) < 2:
        raise ValueError("parity needs at least two images (a reference and a frame)")
    labs = []
    for image in images:
        height, width = np.asarray(image).shape[:2]
        labs.append(image_to_lab(image, size_rule.fit(height, width, long_side)))
    return [
        {"reference_lab": labs[i], "frame_l": labs[i + 1][:, :1].contiguous(),
         "previous_lab": labs[i + 1]}
        for i in range(len(labs) - 1)
    ]


def _max_abs(torch_tensor, onnx_array):
    return float(np.max(np.abs(torch_tensor.detach().cpu().numpy() - onnx_array)))


def measure_parity(model, sessions, cases):
    """{graph: {output: max |onnx - torch|}} over `cases`, plus the PyTorch outputs of the last.

    sessions: {graph name: onnxruntime.InferenceSession}. The model runs in eval mode, no grad.
    """
    specs = model.stage_specs()
    parity = {name: {output: 0.0 for output in spec.outputs} for name, spec in specs.items()}
    with torch.no_grad():
        for case in cases:
            feeds = {"reference_lab": case["reference_lab"]}
            reference = model.reference_encoder(case["reference_lab"])
            _record(parity["reference"], specs["reference"].outputs, reference,
                    sessions["reference"], feeds)
            feeds = dict(zip(specs["reference"].outputs, reference), frame_l=case["frame_l"])
            warped_ab, confidence = model.correspondence(case["frame_l"], *reference)
            _record(parity["correspondence"], specs["correspondence"].outputs,
                    (warped_ab, confidence), sessions["correspondence"], feeds)
            feeds = {"frame_l": case["frame_l"], "warped_ab": warped_ab, "confidence": confidence,
                     "previous_lab": case["previous_lab"]}
            ab = model.colorization(*(feeds[n] for n in specs["colorization"].inputs))
            _record(parity["colorization"], specs["colorization"].outputs, (ab,),
                    sessions["colorization"], feeds)
    return parity


def _record(table, names, torch_outputs, session, feeds):
    wanted = {i.name for i in session.get_inputs()}
    arrays = {k: v.detach().cpu().numpy() for k, v in feeds.items() if k in wanted}
    onnx_outputs = session.run(list(names), arrays)
    for name, expected, actual in zip(names, torch_outputs, onnx_outputs):
        table[name] = max(table[name], _max_abs(expected, actual))
