"""Render a fixed set of real renders through the `excolor` command and print each file's sha256.

A change meant to leave the pixels alone (a refactor, a move between packages) runs this at
the commit it starts from and at its end, into the same folder, and compares the two lists:

    python tests/golden_renders.py /tmp/excolor-golden > before.txt
    ... change ...
    python tests/golden_renders.py /tmp/excolor-golden > after.txt
    diff before.txt after.txt

The set covers every way a render is made: a PNG sequence with its contact sheet and a matte
sequence, a cached and a streamed video, pinned keys and a blend between two keys, farm chunks,
a scene-linear EXR with `--matte channel`, the learned fusion (the default model's) and the
hand-set rule (the same model without its fusion graph). The inputs are the bundled sample
clip's first frames, written here with OpenCV and OpenImageIO, so the list depends on excolor's
renders alone. Only what a user gets is hashed: frames, videos, sheets and mattes, not the
saved states under `.excolor/`. PNG files are hashed as they are; EXR files and videos carry
their write time (EXR `DateTime`, the container's date), so theirs is the hash of what they hold:
channel names, pixel type and every pixel as stored, each decoded video frame in its own pixel
format. The folder is emptied first; the same folder gives the same list.
"""
import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import OpenImageIO as oiio

REPOSITORY = Path(__file__).resolve().parents[1]
SAMPLE = REPOSITORY / "plugin" / "samples" / "carphone.mp4"
SAMPLE_REFERENCE = REPOSITORY / "plugin" / "samples" / "carphone_reference.png"
DEFAULT_MODEL = REPOSITORY / "plugin" / "bundled_models" / "default"
FRAMES = 12
# Every render on one thread each way: the same list on any machine with this CPU type.
COMMON = ("--threads", "1", "--io-threads", "0")
VIDEO = ("--crf", "0", "--pix-fmt", "yuv444p", "--fps", "25")


def sample_frames():
    """The sample clip's first FRAMES frames as 8-bit RGB (the clip is gray)."""
    with av.open(str(SAMPLE)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    return frames[:FRAMES]


def write_png_sequence(folder, frames, first):
    folder.mkdir(parents=True)
    for number, frame in enumerate(frames, start=first):
        cv2.imwrite(str(folder / f"plate.{number:04d}.png"), frame[..., ::-1])
    return folder / "plate.####.png"


def write_linear_exr_sequence(folder, frames, first):
    """The frames as scene-linear float EXRs (sRGB decoded, doubled so some values pass 1)."""
    folder.mkdir(parents=True)
    for number, frame in enumerate(frames, start=first):
        srgb = frame.astype(np.float32) / 255.0
        linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4) * 2.0
        spec = oiio.ImageSpec(linear.shape[1], linear.shape[0], 3, oiio.FLOAT)
        image = oiio.ImageOutput.create(str(folder / f"plate.{number:04d}.exr"))
        image.open(str(folder / f"plate.{number:04d}.exr"), spec)
        image.write_image(np.ascontiguousarray(linear))
        image.close()
    return folder / "plate.####.exr"


def excolor(*arguments):
    command = [sys.executable, "-m", "excolor", "colorize", *map(str, arguments), *COMMON]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")


def render_all(work):
    frames = sample_frames()
    png = write_png_sequence(work / "in_png", frames, first=1001)
    exr = write_linear_exr_sequence(work / "in_exr", frames, first=1)
    mirrored_key = work / "key_mirrored.png"
    cv2.imwrite(str(mirrored_key), cv2.imread(str(SAMPLE_REFERENCE))[:, ::-1])
    two_keys = work / "two_keys.json"
    two_keys.write_text(json.dumps({"shots": [{"start": 1001, "end": 1012, "reference": [
        {"image": str(SAMPLE_REFERENCE), "frame": 1001}, {"image": str(mirrored_key), "frame": 1012}]}]}))
    two_shots = work / "two_shots.json"
    two_shots.write_text(json.dumps({"shots": [
        {"start": 1001, "end": 1006, "reference": str(SAMPLE_REFERENCE), "reference_frame": 1001},
        {"start": 1007, "end": 1012, "reference": str(mirrored_key)}]}))
    hand_set = work / "hand_set_model"
    shutil.copytree(DEFAULT_MODEL, hand_set)
    manifest = json.loads((hand_set / "manifest.json").read_text())
    (hand_set / "fusion.onnx").unlink()
    manifest["graphs"].pop("fusion", None)
    manifest["parity"].pop("fusion", None)
    (hand_set / "manifest.json").write_text(json.dumps(manifest, indent=2))

    out = work / "out"
    reference = ("--reference", SAMPLE_REFERENCE)
    excolor(png, out / "unpinned" / "c.####.png", *reference, "--preview", out / "unpinned_sheet.png",
            "--matte", out / "unpinned_matte" / "m.####.exr")
    excolor(png, out / "pinned" / "c.####.png", *reference, "--reference-frame", "1006")
    excolor(png, out / "two_keys" / "c.####.png", "--shots", two_keys, "--preview", out / "two_keys_sheet.png")
    # As a farm runs them: forward chunks in order, backward chunks in reverse order.
    for direction, chunk in (("forward", "1001-1006"), ("forward", "1007-1012"),
                             ("backward", "1007-1012"), ("backward", "1001-1006")):
        excolor(png, out / "chunks" / "c.####.png", "--shots", two_keys, "--frames", chunk,
                "--direction", direction, "--matte", out / "chunks_matte" / "m.####.png")
    excolor(png, out / "cached.mp4", "--shots", two_shots, *VIDEO)
    excolor(png, out / "streamed.mp4", "--shots", two_shots, *VIDEO, "--stream")
    excolor(SAMPLE, out / "from_video.mkv", *reference, "--frames", "0-11", "--codec", "ffv1")
    excolor(exr, out / "linear" / "c.####.exr", *reference, "--reference-frame", "1", "--matte", "channel")
    excolor(png, out / "hand_set" / "c.####.png", *reference, "--model", hand_set)
    return out


def content_sha256(path):
    """The file's bytes, or for EXR files and videos the content without the write time."""
    digest = hashlib.sha256()
    if path.suffix == ".exr":
        image = oiio.ImageInput.open(str(path))
        spec = image.spec()
        digest.update(repr((spec.channelnames, str(spec.format), spec.width, spec.height)).encode())
        digest.update(image.read_image(format=spec.format).tobytes())
        image.close()
    elif path.suffix in (".mp4", ".mkv", ".mov"):
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                digest.update(frame.format.name.encode())
                digest.update(frame.to_ndarray().tobytes())
    else:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="scratch folder (emptied first)")
    folder = parser.parse_args().folder.resolve()
    shutil.rmtree(folder, ignore_errors=True)
    out = render_all(folder)
    for path in sorted(out.rglob("*")):
        if path.is_file() and ".excolor" not in path.relative_to(out).parts:
            print(content_sha256(path), path.relative_to(out).as_posix())


if __name__ == "__main__":
    main()
