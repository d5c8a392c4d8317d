"""End to end through the real command: the README's sample clip to a video and a contact
sheet; a scene-linear float EXR sequence with alpha and HDR values through OCIO."""
import os
import pty
import subprocess
import sys

import numpy as np
import pytest
from excolor.colour.management import ColourConverter
from excolor.io import open_input, read_image

from tests.support.batch import CARPHONE, CARPHONE_REFERENCE, carphone_frames, excolor, files_of, write_sequence


@pytest.mark.slow
def test_readme_sample_to_video_and_contact_sheet(tmp_path, lite_model_dir):
    """The README's first command (with the test model): 120 frames in, 120 frames out."""
    result = excolor("colorize", CARPHONE, "carphone_colorized.mp4", "--reference", CARPHONE_REFERENCE,
                     "--preview", "carphone_sheet.png", "--model", lite_model_dir, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    source, out = open_input(CARPHONE), open_input(tmp_path / "carphone_colorized.mp4")
    assert (out.first, out.last, out.width, out.height) == (0, 119, 176, 144)
    assert (out.fps, out.time_base, out.pts) == (source.fps, source.time_base, source.pts)
    luma = ColourConverter(input_kind="video").luma
    for n in (0, 60, 119):
        before, after = source.read(n), out.read(n)
        # Chroma changes, luminance stays: up to the output's 8-bit 4:2:0 encoding, whose
        # chroma subsampling moves luma a little where colours are strong (the exact check
        # is on float EXR below; an 8-bit PNG sequence stays within 0.2 levels on average).
        assert np.abs(luma(after) - luma(before)).mean() < 4 / 255
    sheet, fmt = read_image(tmp_path / "carphone_sheet.png")
    assert fmt.dtype == "uint8" and sheet.shape[0] > 3 * 144 and sheet.shape[1] > 3 * 176
    # Nothing but the video, the sheet and the state folder was written.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".excolor", "carphone_colorized.mp4", "carphone_sheet.png"]
    again = excolor("colorize", CARPHONE, "carphone_colorized.mp4", "--reference", CARPHONE_REFERENCE,
                    "--model", lite_model_dir, cwd=tmp_path)
    assert again.returncode == 0 and "already complete" in again.stderr


@pytest.mark.parametrize("dtype", ["float", "half"])
def test_exr_alpha_and_hdr_through_ocio(tmp_path, lite_model_dir, dtype):
    """Scene-linear plates with highlights up to ~4 and a real alpha: alpha passes untouched,
    luminance (the OCIO config's luma) is the plate's, the EXR keeps its pixel type."""
    frames = []
    for image in carphone_frames(count=3):
        linear = np.where(image <= 0.04045, image / 12.92, ((image + 0.055) / 1.055) ** 2.4) * 4.0
        alpha = np.linspace(0.0, 1.0, image.shape[1], dtype=np.float32)[None, :, None].repeat(image.shape[0], 0)
        frames.append(np.concatenate([linear, alpha], axis=2).astype(np.float32))
    assert frames[0][..., :3].max() > 2.0
    plate = write_sequence(tmp_path / "in" / "lin.%04d.exr", frames, first=1, dtype=dtype,
                           channels=("R", "G", "B", "A"))
    reference = tmp_path / "key.png"
    from tests.support.batch import write_reference

    write_reference(reference, carphone_frames(count=1)[0])
    result = excolor("colorize", plate, tmp_path / "out" / "lin.####.exr", "--reference", reference,
                     "--model", lite_model_dir, "--input-space", "Linear Rec.709 (sRGB)")
    assert result.returncode == 0, result.stderr
    luma = ColourConverter(input_kind="scene_linear", input_space="Linear Rec.709 (sRGB)").luma
    for n in (1, 2, 3):
        before, _ = read_image(tmp_path / "in" / f"lin.{n:04d}.exr")
        after, fmt = read_image(tmp_path / "out" / f"lin.{n:04d}.exr")
        assert fmt.dtype == dtype and fmt.channel_names == ("R", "G", "B", "A")
        assert np.array_equal(after[..., 3], before[..., 3]), "alpha passes through untouched"
        tolerance = 1e-5 if dtype == "float" else 2e-3  # half: the output is rounded to half again
        assert np.allclose(luma(after[..., :3]), luma(before[..., :3]), rtol=tolerance, atol=1e-6)
        assert after[..., :3].max() > 2.0, "HDR values above 1 survive"
        assert np.abs(after[..., :3] - before[..., :3]).max() > 1e-3, "chroma changed"


def test_progress_bar_on_a_terminal_only(tmp_path, lite_model_dir):
    frames = carphone_frames(count=2)
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1)
    from tests.support.batch import write_reference

    reference = write_reference(tmp_path / "key.png", frames[0])
    args = ["colorize", plate, tmp_path / "o1" / "p.####.png", "--reference", reference, "--model", lite_model_dir]
    piped = excolor(*args)
    assert piped.returncode == 0 and "frame/s" not in piped.stderr and "%|" not in piped.stderr
    main, child = pty.openpty()
    args[2] = tmp_path / "o2" / "p.####.png"
    process = subprocess.Popen([sys.executable, "-m", "excolor", *map(str, args)], stderr=child,
                               stdout=subprocess.DEVNULL)
    os.close(child)
    output = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        output += chunk
    assert process.wait() == 0
    assert b"colorizing" in output and b"2/2" in output
    assert files_of(tmp_path / "o2") == ["p.0001.png", "p.0002.png"]


def test_sequence_to_video_keeps_uncovered_frames_and_rate(tmp_path, lite_model_dir):
    """A video OUTPUT keeps every frame: frames no shot covers are the input's own."""
    import json

    from tests.support.batch import write_reference

    frames = carphone_frames(count=6, size=(72, 88))
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1001)
    write_reference(tmp_path / "key.png", frames[0])
    shots = tmp_path / "SHOTS.json"
    # Never pinned: the reference is frame 1001 in colour, which pinned would come back as the input.
    shots.write_text(json.dumps({"shots": [{"start": 1001, "end": 1004, "reference": "key.png",
                                            "reference_frame": "none"}]}))
    result = excolor("colorize", plate, tmp_path / "out.mp4", "--shots", shots, "--fps", "25",
                     "--crf", "0", "--pix-fmt", "yuv444p", "--model", lite_model_dir)
    assert result.returncode == 0, result.stderr
    assert "frames 1005-1006 are in no shot" in result.stderr
    video = open_input(tmp_path / "out.mp4")
    assert (video.last + 1, video.fps, video.width, video.height) == (6, 25, 88, 72)
    rendered = read_image(tmp_path / "in" / "p.1006.png")[0]
    assert np.abs(video.read(5) - rendered).mean() < 1.5 / 255, "an uncovered frame is the input's"
    assert np.abs(video.read(0) - read_image(tmp_path / "in" / "p.1001.png")[0]).mean() > 1.5 / 255
    assert not any(p.name.endswith(".partial") for p in (tmp_path / ".excolor").rglob("*"))


def test_colorize_and_shots_run_without_torch(tmp_path, lite_model_dir):
    """The batch path is runtime only: it works in an interpreter where `import torch` fails."""
    from tests.support.batch import write_reference

    frames = carphone_frames(count=2)
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1)
    key = write_reference(tmp_path / "key.png", frames[0])
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from excolor.cli import main\n"
        f"assert main(['colorize', {str(plate)!r}, {str(tmp_path / 'o' / 'p.####.png')!r}, "
        f"'--reference', {str(key)!r}, '--model', {str(lite_model_dir)!r}]) == 0\n"
        f"assert main(['shots', {str(plate)!r}, '-o', {str(tmp_path / 's.json')!r}]) == 0\n"
        "assert 'torch' not in [m for m, v in sys.modules.items() if v is not None]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert files_of(tmp_path / "o") == ["p.0001.png", "p.0002.png"]
