"""`excolor colorize` finds the frame of a reference given without one, before its first frame:
through the real command on the README's sample (the gray clip; the true colour of its frame 0,
other colour frames of the clip, and a photograph of another scene), one line per reference
scanned, the decision in the output's fingerprint, the whole shot scanned for a chunk, and
--stream refused where the frame found cannot stream."""
import json

import numpy as np
import pytest
from excolor.colour.cielab import srgb_to_lab
from excolor.io import open_input, read_reference
from skimage import data, transform

from tests.support.batch import CARPHONE, CARPHONE_REFERENCE, carphone_colour, excolor, write_reference

LINE = "excolor colorize: shot 1 (frames 0-5): carphone_reference.png "


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Colour frames 3 and 7 of the clip, and a photograph of another scene at the clip's size."""
    folder = tmp_path_factory.mktemp("keys")
    colour = open_input(carphone_colour())
    try:
        for frame in (3, 7):
            write_reference(folder / f"colour_{frame}.png", colour.read(frame))
    finally:
        colour.close()
    coffee = transform.resize(data.coffee(), (144, 176), anti_aliasing=True).astype(np.float32)
    write_reference(folder / "coffee.png", coffee)
    return folder


def _colorize(out, model, *extra):
    return excolor("colorize", CARPHONE, out / "c.####.png", "--model", model, *extra)


def _frames(out):
    """The fingerprint's frames of each keyframe, shot by shot (each run holds its key's)."""
    fingerprint = json.loads((out / ".excolor" / "c.####.png" / "fingerprint.json").read_text())
    shots = {}
    for name, run in fingerprint["runs"].items():
        shots.setdefault(run["shot"], {})[name.split(".")[1]] = run["keyframe"]["frame"]
    return [[frame for _key, frame in sorted(keys.items())] for _shot, keys in sorted(shots.items())]


def _ab_error(path, reference):
    """Mean CIELAB ab distance between an image file and a reference (H,W,3 sRGB 0..1)."""
    image, _format = read_reference(path)
    return float(np.hypot(*np.moveaxis(srgb_to_lab(image)[..., 1:] - srgb_to_lab(reference)[..., 1:], -1, 0)).mean())


def test_auto_pins_the_samples_reference_and_the_fingerprint_holds_it(tmp_path, lite_model_dir):
    out = tmp_path / "auto"
    done = _colorize(out, lite_model_dir, "--reference", CARPHONE_REFERENCE, "--frames", "0-5")
    assert done.returncode == 0, done.stderr
    assert LINE + "pinned to frame 0 (similarity 1.000, " in done.stderr
    assert _frames(out) == [[0]]
    reference, _format = read_reference(CARPHONE_REFERENCE)
    assert _ab_error(out / "c.0000.png", reference) < 1.0  # the key is law at its frame
    # The same output unpinned decides otherwise: the rerun names the change and renders the
    # run again instead of mixing.
    unpinned = _colorize(out, lite_model_dir, "--reference", CARPHONE_REFERENCE, "--frames", "0-5",
                         "--reference-frame", "none")
    assert unpinned.returncode == 0, unpinned.stderr
    assert ('shot 1 (frames 0-5): kept nothing; rendering again shot000.k0.fwd (keyframe frame: 0 -> "none")'
            in unpinned.stderr)
    assert "6 frame(s) written, 0 already done" in unpinned.stderr and _frames(out) == [["none"]]


@pytest.mark.parametrize("word, frames", [("none", [["none"]]), ("2", [[2]])])
def test_none_and_a_number_are_not_scanned(tmp_path, lite_model_dir, word, frames):
    out = tmp_path / word
    done = _colorize(out, lite_model_dir, "--reference", CARPHONE_REFERENCE, "--frames", "0-5",
                     "--reference-frame", word)
    assert done.returncode == 0, done.stderr
    assert "carphone_reference.png" not in done.stderr and _frames(out) == frames


def test_a_picture_of_another_scene_stays_unpinned(tmp_path, lite_model_dir, keys):
    out = tmp_path / "coffee"
    done = _colorize(out, lite_model_dir, "--reference", keys / "coffee.png", "--frames", "0-5")
    assert done.returncode == 0, done.stderr
    assert "shot 1 (frames 0-5): coffee.png matches no frame of the shot beyond doubt (best: frame " in done.stderr
    assert _frames(out) == [["none"]]


def test_a_shot_list_finds_absent_and_null_frames_and_keeps_none(tmp_path, lite_model_dir, keys):
    shots = tmp_path / "SHOTS.json"
    shots.write_text(json.dumps({"shots": [
        {"start": 0, "end": 9, "reference": str(keys / "colour_7.png")},
        {"start": 10, "end": 13, "reference": str(keys / "coffee.png"), "reference_frame": None},
        {"start": 14, "end": 15, "reference": [{"image": str(CARPHONE_REFERENCE), "frame": "none"}]},
    ]}))
    out = tmp_path / "chunk"
    # A chunk of the first shot scans the whole shot: frame 7 lies past the chunk's frames.
    chunk = _colorize(out, lite_model_dir, "--shots", shots, "--frames", "0-4", "--direction", "forward")
    assert chunk.returncode == 0, chunk.stderr
    lines = [line for line in chunk.stderr.splitlines() if "similarity" in line]
    assert len(lines) == 2
    assert lines[0].startswith("excolor colorize: shot 1 (frames 0-9): colour_7.png pinned to frame 7 (")
    assert lines[1].startswith("excolor colorize: shot 2 (frames 10-13): coffee.png matches no frame")
    assert _frames(out) == [[7], ["none"], ["none"]]
    # Frames before the key found come from its backward run: this forward chunk has none to write.
    assert not (out / "c.0000.png").exists()


def test_stream_refuses_a_reference_found_inside_its_shot(tmp_path, lite_model_dir, keys):
    out = tmp_path / "streamed"
    # (--stream renders the whole input: the one shot is the clip's 120 frames.)
    refused = excolor("colorize", CARPHONE, out / "c.mp4", "--model", lite_model_dir,
                      "--reference", keys / "colour_3.png", "--stream")
    assert refused.returncode == 2, refused.stderr
    assert "shot 1 (frames 0-119): colour_3.png pinned to frame 3" in refused.stderr
    assert ("--stream: shot 1 (frames 0-119): colour_3.png is frame 3, after the shot's first frame"
            in refused.stderr)
    assert "--reference-frame none" in refused.stderr and "without --stream" in refused.stderr
    assert not out.exists()
