"""The Blender add-on in real Blender (bpy 4.5 LTS and 5.0, headless, each in its own venv made
by host_integration/blender/ci_setup.sh; see blender_support).

A render of frames 1..N through the add-on must equal `excolor colorize` on the same input
within 2/255 in 8-bit, both in one session and from a saved .blend in a fresh process (what
`blender -b file.blend -a` does). The model is a real exported lite model (node_support).
"""
import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.support.blender import (
    BPY_VERSIONS,
    ROOT,
    SAMPLE_CLIP,
    SAMPLE_REFERENCE,
    bare_site,
    bpy_python,
    cache_dir,
    read_png,
    run_cli,
    run_failing_in_blender,
    run_in_blender,
)
from tests.support.node import colour_photo, shared_test_model
from tests.support.wheel import build_release

TOLERANCE = 2  # of 255, 8-bit
FRAMES = 5


@pytest.fixture(scope="module", params=BPY_VERSIONS)
def blender(request):
    """(python of a venv with bpy == version, version); the venv is made on first use."""
    return bpy_python(request.param), request.param


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return shared_test_model(tmp_path_factory)


@pytest.fixture(scope="module")
def second_reference(tmp_path_factory):
    """Another real colour photograph, as an 8-bit PNG (a keyframe for the second shot)."""
    from excolor.io import PixelFormat, write_image

    folder = tmp_path_factory.mktemp("blender-refs")
    path = folder / "coffee.png"
    write_image(path, colour_photo("coffee", (144, 176)), PixelFormat("uint8", ("R", "G", "B"), "png"), folder)
    return path


@pytest.fixture(scope="module")
def extension_zip(tmp_path_factory):
    """The extension zip, built once by the documented command with what the README installs:
    a plain (not editable) install of excolor's release wheel (tests.support.wheel) into a fresh
    venv, run outside the checkout (its dependencies are not needed to build; downloaded wheels
    are kept in the cache folder the bpy venvs live in, so only a first build downloads)."""
    folder = tmp_path_factory.mktemp("extension")
    _sdist, wheel = build_release(folder / "release")
    venv.create(folder / "venv", with_pip=True)
    python = str(folder / "venv" / "bin" / "python")
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    archive = folder / "excolor-blender.zip"
    build = subprocess.run(
        [python, "-m", "excolor.hosts.blender.build_extension", archive,
         "--wheel-cache", cache_dir() / "extension-wheels-linux-x64"],
        capture_output=True, text=True, timeout=600, cwd=folder)
    assert build.returncode == 0, build.stderr
    return archive


def test_extension_zip_bundles_one_headless_opencv_and_no_onnx(extension_zip, tmp_path):
    with zipfile.ZipFile(extension_zip) as archive:
        wheels = {Path(name).name.split("-")[0].lower(): name for name in archive.namelist()
                  if name.startswith("wheels/")}
        archive.extract(wheels["excolor"], tmp_path)
    assert {"excolor", "onnxruntime", "opencv_python_headless", "protobuf"} <= set(wheels)
    assert not {"onnx", "ml_dtypes", "opencv_python", "numpy", "scenedetect_headless"} & set(wheels)
    # excolor's own wheel, packed from the installed files: pip installs it (checking RECORD's
    # hashes) with the shipped helper graphs.
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                              str(target), str(tmp_path / wheels["excolor"])], capture_output=True, text=True,
                             timeout=300)
    assert install.returncode == 0, install.stderr
    shipped = sorted(p.name for p in (ROOT / "plugin" / "ort" / "graph_files").glob("*.onnx"))
    assert shipped and sorted(p.name for p in (target / "excolor" / "ort" / "graph_files").glob("*.onnx")) == shipped
    assert (target / "excolor" / "bundled_models" / "default" / "manifest.json").is_file()
    assert (target / "excolor" / "hosts" / "blender" / "addon.py").is_file()
    # The PyTorch checkpoints are for training from a source tree: not in the extension.
    assert not list(target.rglob("*.pt"))
    with zipfile.ZipFile(extension_zip) as archive:
        assert not [name for name in archive.namelist() if name.endswith(".pt")]


def _compare(blender_dir, cli_pattern, frame_pairs):
    """Max |Blender - CLI| over the frames (8-bit), and how colourful the CLI frames are."""
    worst, chroma = 0, 0.0
    for scene_frame, cli_frame in frame_pairs:
        ours = read_png(blender_dir / f"blender_{scene_frame:04d}.png")
        theirs = read_png(cli_pattern.replace("####", f"{cli_frame:04d}"))
        assert ours.shape == theirs.shape
        worst = max(worst, int(np.abs(ours - theirs).max()))
        chroma = max(chroma, float(np.abs(np.diff(theirs, axis=2)).mean()))
    return worst, chroma


def test_addon_registers_with_its_panel_properties(blender, tmp_path):
    blender, version = blender
    version = ".".join(version.split(".")[:2])
    report = run_in_blender(blender, "registration", {}, tmp_path)
    assert report["version"].startswith(version)
    for name in ("enabled", "source_kind", "clip", "path", "path_start", "model", "network_size",
                 "device", "use_saturation", "saturation", "keyframes", "active_keyframe",
                 "result_image", "matte_image"):
        assert name in report["properties"]
    assert {"marker", "image", "use_frame", "frame"} <= set(report["keyframe_properties"])
    assert report["device_items"] == ["AUTO", "CPU", "CUDA"]
    assert report["source_items"] == ["CLIP", "PATH"]
    assert {"setup_compositor", "keyframe_add", "keyframe_remove", "refresh"} <= set(report["operators"])
    assert report["panel"] == ["NODE_EDITOR", "excolor"]
    assert report["render_pre"] and report["frame_change"]
    assert report["after_unregister"] == {"scene_property": False, "panel": False, "render_pre": False}


def test_markers_become_shots(blender, tmp_path, second_reference):
    blender, version = blender
    args = {
        "frames": [1, 40],
        "markers": [["B", 12], ["A", 1], ["C", 30]],
        "keyframes": [["A", str(SAMPLE_REFERENCE), None], ["B", str(second_reference), 20],
                      ["B", str(SAMPLE_REFERENCE), 12], ["C", str(SAMPLE_REFERENCE), None]],
        "foreign_markers": [["F_35", 35], ["note", 12], ["F_1", 1]], "add_at": [12, 25, 35],
    }
    report = run_in_blender(blender, "markers_to_shots", args, tmp_path)
    assert report["shots"] == [
        [1, 11, [[str(SAMPLE_REFERENCE), None]]],
        [12, 29, [[str(second_reference), 20], [str(SAMPLE_REFERENCE), 12]]],
        [30, 40, [[str(SAMPLE_REFERENCE), None]]],
    ]
    # Camera binds (F_*) and a note, on keyframed markers' frames and between them: ignored.
    assert report["shots_with_foreign_markers"] == report["shots"]
    assert "bound to marker 'gone', which does not exist" in report["unbound_error"]
    # + reuses the keyframed marker on the frame (B at 12, not the note) and never a camera
    # bind: at 35 it makes a marker of its own.
    assert report["added"] == [["B", 12, False], ["shot_25", 25, False], ["shot_35", 35, False]]
    assert report["markers_after_add"] == [["A", 1], ["B", 12], ["C", 30], ["F_1", 1], ["F_35", 35],
                                           ["note", 12], ["shot_25", 25], ["shot_35", 35]]
    assert report["entries_after_remove"] == 4


@pytest.mark.slow
@pytest.mark.parametrize("source", ["clip", "path"])
def test_render_equals_cli_and_scrubbing_replays(blender, source, model_dir, second_reference, tmp_path):
    blender, version = blender
    # Two shots: markers at scene frames 1 and 4 (the source starts at scene frame 1 = video
    # frame 0); the second shot's keyframe is pinned to its last frame (a backward run). The
    # source is a Movie Clip datablock, or the file's path typed into the panel.
    args = {
        source: str(SAMPLE_CLIP), "model": str(model_dir), "frames": [1, FRAMES],
        "markers": [["shot_a", 1], ["shot_b", 4]],
        "keyframes": [["shot_a", str(SAMPLE_REFERENCE), None], ["shot_b", str(second_reference), 5]],
        "output": str(tmp_path / "blender"), "scrub_order": [3, 1, 5, 2, 4, 4, 1],
    }
    report = run_in_blender(blender, "render", args, tmp_path)
    shots = {"shots": [
        {"start": 0, "end": 2, "reference": str(SAMPLE_REFERENCE)},
        {"start": 3, "end": 4, "reference": [{"image": str(second_reference), "frame": 4}]},
    ]}
    (tmp_path / "shots.json").write_text(json.dumps(shots))
    cli_pattern = str(tmp_path / "cli" / "cli.####.png")
    run_cli(blender, ["colorize", SAMPLE_CLIP, cli_pattern, "--shots", tmp_path / "shots.json",
             "--frames", f"0-{FRAMES - 1}", "--model", model_dir, "--device", "cpu"], tmp_path)
    worst, chroma = _compare(tmp_path / "blender", cli_pattern, [(n + 1, n) for n in range(FRAMES)])
    print(f"Blender {report['version']} ({source}) vs excolor colorize: max difference {worst}/255")
    assert worst <= TOLERANCE
    assert chroma > 1.0, "the frames carry colour (a gray result would compare equal trivially)"
    # The confidence matte image holds the node's matte, rows in Blender's bottom-up order.
    assert report["matte_max_difference"] < 1e-6
    assert report["matte_range"][1] > report["matte_range"][0]
    # Scrubbing out of order gives the frames of a sequential pass exactly...
    assert set(report["scrub_max_difference"]) == {"1", "2", "3", "4", "5"}  # JSON keys
    assert all(value == 0.0 for value in report["scrub_max_difference"].values())
    # ... replaying from kept run states: no more network steps than stepping through in order
    print(f"network steps: scrubbing {report['scrub_steps']}, in order {report['sequential_steps']}")
    assert report["scrub_steps"] <= report["sequential_steps"]


@pytest.mark.slow
def test_saved_blend_renders_in_a_fresh_process(blender, model_dir, tmp_path):
    blender, version = blender
    # An image sequence source (clip.0001.png ..), the scene saved to a .blend, then opened and
    # rendered in a new Blender process: the background-render (`blender -b file.blend -a`) path.
    from excolor.io import open_input, write_image

    plates = tmp_path / "plates"
    plates.mkdir()
    reader = open_input(str(SAMPLE_CLIP))
    for n in range(FRAMES):
        write_image(plates / f"clip.{n + 1:04d}.png", reader.read(n), reader.pixel_format, plates)
    reader.close()
    args = {
        "clip": str(plates / "clip.0001.png"), "model": str(model_dir), "frames": [1, FRAMES],
        "markers": [["shot", 1]], "keyframes": [["shot", str(SAMPLE_REFERENCE), 2]],
        "output": str(tmp_path / "first"), "scrub_order": [], "blend": str(tmp_path / "scene.blend"),
    }
    run_in_blender(blender, "render", args, tmp_path)
    report = run_in_blender(blender, "render_blend",
                            {"blend": str(tmp_path / "scene.blend"), "output": str(tmp_path / "blender")},
                            tmp_path)
    assert report["frames"] == [1, FRAMES]
    assert report["clip"].startswith("//"), "the .blend stores the source relative to itself"
    cli_pattern = str(tmp_path / "cli" / "cli.####.png")
    run_cli(blender, ["colorize", plates / "clip.####.png", cli_pattern, "--reference", SAMPLE_REFERENCE,
             "--reference-frame", 2, "--model", model_dir, "--device", "cpu"], tmp_path)
    worst, chroma = _compare(tmp_path / "blender", cli_pattern, [(n, n) for n in range(1, FRAMES + 1)])
    print(f"Blender {version} .blend background render vs excolor colorize: max difference {worst}/255")
    assert worst <= TOLERANCE
    assert chroma > 1.0
    # A render node without the add-on (nothing baked): Blender runs none of excolor's code, so
    # the frames are the images' missing colour (magenta), never black that passes for a plate.
    report = run_in_blender(blender, "render_blend", {"blend": str(tmp_path / "scene.blend"), "addon": False,
                                                      "output": str(tmp_path / "bare"), "range": [1, 2]}, tmp_path)
    assert report["frames"] == [1, 2]
    for frame in (1, 2):
        assert (read_png(tmp_path / "bare" / f"blender_{frame:04d}.png") == [255, 0, 255]).all()


@pytest.mark.slow
def test_a_render_range_colours_its_frames_as_the_whole_clip_does(blender, model_dir, second_reference, tmp_path):
    # `blender -b shot.blend -s 2 -e 3 -a`: the range ends before a later marker (shot_b at 4)
    # and inside the first shot, whose unpinned key is found by scanning the shot: shots end at
    # the next marker or the clip's end, so the frames equal those of the whole render.
    blender, version = blender
    args = {
        "clip": str(SAMPLE_CLIP), "model": str(model_dir), "frames": [1, FRAMES],
        "markers": [["shot_a", 1], ["shot_b", 4]],
        "keyframes": [["shot_a", str(SAMPLE_REFERENCE), None], ["shot_b", str(second_reference), 5]],
        "output": str(tmp_path / "whole"), "scrub_order": [], "blend": str(tmp_path / "scene.blend"),
    }
    run_in_blender(blender, "render", args, tmp_path)
    report = run_in_blender(blender, "render_blend", {"blend": str(tmp_path / "scene.blend"), "range": [2, 3],
                                                      "output": str(tmp_path / "range")}, tmp_path)
    assert report["frames"] == [2, 3]
    assert sorted(p.name for p in (tmp_path / "range").iterdir()) == ["blender_0002.png", "blender_0003.png"]
    for frame in (2, 3):
        ours = read_png(tmp_path / "range" / f"blender_{frame:04d}.png")
        assert np.array_equal(ours, read_png(tmp_path / "whole" / f"blender_{frame:04d}.png"))
        assert np.abs(np.diff(ours, axis=2)).mean() > 1.0, "colorized, not gray"


@pytest.mark.slow
def test_extension_zip_installs_and_renders_alone(blender, model_dir, extension_zip, tmp_path):
    blender, version = blender
    # The one-zip extension: built by the documented command, validated by Blender's own
    # extension tool, installed into a fresh user repository of a Blender whose Python has
    # nothing of excolor's runtime, then used for a render that must equal the CLI's.
    series = ".".join(version.split(".")[:2])
    validator = (Path(blender).parent.parent / "lib" / "python3.11" / "site-packages" / "bpy" / series
                 / "scripts" / "addons_core" / "bl_pkg" / "cli" / "blender_ext.py")
    check = subprocess.run([blender, validator, "validate", extension_zip], capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    args = {
        "zip": str(extension_zip), "clip": str(SAMPLE_CLIP), "model": str(model_dir), "frames": [1, 3],
        "markers": [["shot", 1]], "keyframes": [["shot", str(SAMPLE_REFERENCE), None]],
        "output": str(tmp_path / "blender"), "scrub_order": [2],
    }
    report = run_in_blender(blender, "install_extension", args, tmp_path,
                            bare=bare_site(blender, tmp_path / "bare"),
                            env={"BLENDER_USER_RESOURCES": str(tmp_path / "user")})
    assert report["install"] == ["FINISHED"]
    assert report["enabled"] == ["bl_ext.user_default.excolor"]
    for module, path in report["modules"].items():
        assert path.startswith(report["extensions_dir"]), f"{module} came from {path}"
    assert "cv2" in report["modules"] and not report["onnx_importable"]
    cli_pattern = str(tmp_path / "cli" / "cli.####.png")
    run_cli(blender, ["colorize", SAMPLE_CLIP, cli_pattern, "--reference", SAMPLE_REFERENCE, "--frames", "0-2",
             "--model", model_dir, "--device", "cpu"], tmp_path)
    worst, chroma = _compare(tmp_path / "blender", cli_pattern, [(n + 1, n) for n in range(3)])
    print(f"Blender {version} installed extension vs excolor colorize: max difference {worst}/255")
    assert worst <= TOLERANCE
    assert chroma > 1.0


@pytest.mark.slow
@pytest.mark.parametrize("source", ["clip", "path"])
def test_scene_linear_exr_plates_render_as_the_cli_writes_them(blender, source, model_dir, tmp_path):
    # Float EXR plates are scene linear in excolor (as in the CLI) and in Blender: the result
    # goes into the compositor unconverted and comes out of a float EXR render as the CLI's EXR.
    import OpenImageIO as oiio
    from excolor.io import PixelFormat, open_input, write_image

    blender, version = blender
    plates = tmp_path / "plates"
    plates.mkdir()
    reader = open_input(str(SAMPLE_CLIP))
    linear = PixelFormat("float", ("R", "G", "B"), "openexr")
    for n in range(3):
        display = reader.read(n)
        decoded = np.where(display <= 0.04045, display / 12.92, ((display + 0.055) / 1.055) ** 2.4)
        write_image(plates / f"plate.{n + 1001}.exr", (decoded * 1.5).astype(np.float32), linear, plates)
    reader.close()
    args = {
        "model": str(model_dir), "frames": [1, 3],
        "markers": [["shot", 1]], "keyframes": [["shot", str(SAMPLE_REFERENCE), 2]],
        "output": str(tmp_path / "blender"), "scrub_order": [], "exr": True,
        source: str(plates / ("plate.1001.exr" if source == "clip" else "plate.####.exr")),
    }
    run_in_blender(blender, "render", args, tmp_path)
    cli_pattern = str(tmp_path / "cli" / "cli.####.exr")
    run_cli(blender, ["colorize", plates / "plate.####.exr", cli_pattern, "--reference", SAMPLE_REFERENCE,
             "--reference-frame", 1002, "--model", model_dir, "--device", "cpu"], tmp_path)
    worst = 0.0
    for scene_frame in (1, 2, 3):
        ours = oiio.ImageBuf(str(tmp_path / "blender" / f"blender_{scene_frame:04d}.exr")).get_pixels(oiio.FLOAT)
        theirs = oiio.ImageBuf(cli_pattern.replace("####", str(scene_frame + 1000))).get_pixels(oiio.FLOAT)
        assert ours.shape[:2] == theirs.shape[:2] == (144, 176)
        plate = oiio.ImageBuf(str(plates / f"plate.{scene_frame + 1000}.exr")).get_pixels(oiio.FLOAT)
        assert theirs[..., :3].max() > 1.0, "HDR values above 1 take part"
        assert np.abs(theirs - plate).max() > 0.05, "the frames were colorized, not passed through"
        worst = max(worst, float(np.abs(ours[..., :3] - theirs[..., :3]).max()))
    print(f"Blender {version} EXR ({source}) render vs excolor colorize: max difference {worst:.2e}")
    assert worst < 1e-3


@pytest.mark.parametrize("kind", ["movie", "sequence"])
def test_source_frames_are_the_ones_blenders_clip_node_shows(blender, kind, tmp_path):
    # frame_start 3, frame_offset 2: scene frame N shows file frame N - 3 + 2 (movie, 0-based)
    # or 101 + N - 3 + 2 (a sequence starting at s.0101.png). Blender's own Movie Clip node
    # decides which frame is right; its movie decoder differs from PyAV's by ~1/255 on average,
    # so the mapped frame must be the best match by far (and exact for PNG files).
    from excolor.io import open_input, write_image

    blender, version = blender
    clip = str(SAMPLE_CLIP)
    if kind == "sequence":
        reader = open_input(clip)
        for n in range(10):
            write_image(tmp_path / f"s.{n + 101:04d}.png", reader.read(n), reader.pixel_format, tmp_path)
        reader.close()
        clip = str(tmp_path / "s.0101.png")
    args = {"clip": clip, "frame_start": 3, "frame_offset": 2, "scene_frames": [3, 4, 7],
            "output": str(tmp_path)}
    report = run_in_blender(blender, "clip_mapping", args, tmp_path)
    first = 0 if kind == "movie" else 101
    for frame, found in report.items():
        assert found["mapped"] == first + int(frame) - 3 + 2
        differences = {int(n): value for n, value in found["difference"].items()}
        best = min(differences, key=differences.get)
        assert best == found["mapped"], f"scene frame {frame}: Blender shows {best}, excolor reads {found['mapped']}"
        others = min(v for n, v in differences.items() if n != best)
        assert differences[best] < (0.01 if kind == "sequence" else 2.0) and others > 2 * differences[best]


def test_a_frame_that_fails_stops_the_render_and_says_why(blender, model_dir, tmp_path):
    # A reference that is gone by the second render: that render must neither repeat the colours
    # the images still hold from the first (they would pass for right frames) nor write black;
    # the background render ends at the frame, before writing it, with the error's exit code.
    from excolor.errors import InputError

    blender, version = blender
    missing = tmp_path / "moved_away.png"
    args = {
        "clip": str(SAMPLE_CLIP), "model": str(model_dir), "frames": [1, 2],
        "markers": [["shot", 1]], "keyframes": [["shot", str(SAMPLE_REFERENCE), None]],
        "output": str(tmp_path), "missing": str(missing),
    }
    code, stderr = run_failing_in_blender(blender, "render_then_break", args, tmp_path)
    assert code == InputError.exit_code
    assert f"excolor: frame 1: marker 'shot': reference image {missing} does not exist" in stderr
    assert f"render stopped at frame 1 (exit code {InputError.exit_code})" in stderr
    for frame in (1, 2):
        assert read_png(tmp_path / "good" / f"blender_{frame:04d}.png").mean() > 20
    assert not (tmp_path / "broken").exists() or not list((tmp_path / "broken").iterdir())


@pytest.mark.slow
def test_a_baked_blend_renders_from_exr_files_without_network_or_addon(blender, model_dir, second_reference,
                                                                       tmp_path):
    # Two shots (the second keyed on its last frame: a backward run) and a marker no keyframe
    # names inside the first, which must not cut it. Baked once into EXR sequences beside the
    # .blend; then a fresh session scrubs and renders without one network step, and a copy of
    # the .blend's folder renders the same frames in a Blender without the add-on.
    blender, version = blender
    (tmp_path / "scene").mkdir()
    args = {
        "clip": str(SAMPLE_CLIP), "model": str(model_dir), "frames": [1, FRAMES],
        "markers": [["shot_a", 1], ["note", 2], ["shot_b", 4]],
        "keyframes": [["shot_a", str(SAMPLE_REFERENCE), None], ["shot_b", str(second_reference), 5]],
        "blend": str(tmp_path / "scene" / "shot.blend"), "moved": str(tmp_path / "moved"),
        "scrub_order": [5, 2, 4, 1, 3, 5], "jump_to": 3, "output": str(tmp_path),
    }
    report = run_in_blender(blender, "bake_then_render", args, tmp_path)
    assert report["bake"] == ["FINISHED"]
    assert report["baked"] == list(range(1, FRAMES + 1))
    assert report["bake_files"] == [".exr"]
    assert report["bake_steps"] <= report["sequential_steps"]
    assert report["steps_after_bake"] == 0
    # The Image nodes read the bake's sequences, by a path relative to the .blend.
    (result_source, result_path), (matte_source, matte_path) = report["images"]
    assert result_source == matte_source == "SEQUENCE"
    assert result_path.startswith("//bake/Scene/") and result_path.endswith(".exr")
    assert report["other_settings_baked"] == []
    assert report["clear"] == ["FINISHED"] and report["after_clear"] == []
    calls = report["progress_calls"]
    assert calls[0] == ["begin", 0, FRAMES] and calls[-1] == ["end"]
    assert [c[0] for c in calls[1:-1]] == ["update"] * (len(calls) - 2) and len(calls) > 2
    moved = run_in_blender(blender, "render_blend", {"blend": str(tmp_path / "moved" / "shot.blend"),
                                                     "addon": False, "output": str(tmp_path / "bare")}, tmp_path)
    assert moved["frames"] == [1, FRAMES]
    for frame in range(1, FRAMES + 1):
        live = read_png(tmp_path / "live" / f"blender_{frame:04d}.png")
        assert np.abs(np.diff(live, axis=2)).mean() > 1.0, "colorized, not gray"
        for folder in ("baked", "bare"):
            assert np.array_equal(read_png(tmp_path / folder / f"blender_{frame:04d}.png"), live), (folder, frame)
