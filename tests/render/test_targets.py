"""Output targets (excolor.render.targets): one factory makes every target a render job writes
into, the --matte's included, here on a real HDR photograph written as real EXR and PNG files."""
from pathlib import Path

import numpy as np
from excolor.colour.management import ColourConverter
from excolor.engine.node import FrameResult
from excolor.io import read_image
from excolor.render.matte import CHANNEL, Matte
from excolor.render.output_paths import output_location
from excolor.render.targets import output_targets
from excolor.render.workspace import Workspace

DATA = Path(__file__).resolve().parents[1] / "data"


def photograph_result(frame):
    """A FrameResult of a crop of the HDR courtyard (scene-linear, half EXR) and a 0..1 matte
    made from its brightness; with the photograph's PixelFormat."""
    pixels, pixel_format = read_image(DATA / "hdr_courtyard.exr")
    image = np.ascontiguousarray(pixels[:48, :64, :3], dtype=np.float32)
    brightness = image.mean(axis=2)
    return FrameResult(frame, image, (brightness / brightness.max()).astype(np.float32)), pixel_format


def opened_workspace(output):
    workspace = Workspace(*output_location(output, "sequence"))
    workspace.open({"test": "targets"}, overwrite=False, frame_files=())
    return workspace


def test_a_sequence_with_its_matte_sequence_beside_it(tmp_path):
    result, source = photograph_result(7)
    output = str(tmp_path / "o.####.exr")
    (tmp_path / "m").mkdir()
    matte = Matte.parse(str(tmp_path / "m" / "m.####.png"), output, "sequence")
    targets = output_targets(output, "sequence", matte, opened_workspace(output), source=source,
                             colour=ColourConverter(input_kind="scene_linear"))
    assert not targets.with_matte.exists(7)
    targets.with_matte.write(7, result)
    assert targets.output.exists(7) and targets.with_matte.exists(7)
    written, written_format = read_image(tmp_path / "o.0007.exr")
    assert (written_format.dtype, written_format.channel_names) == ("half", ("R", "G", "B"))
    np.testing.assert_array_equal(written, result.image.astype(np.float16).astype(np.float32))
    matte_pixels, matte_format = read_image(tmp_path / "m" / "m.0007.png")
    assert (matte_format.dtype, matte_format.channel_names) == ("uint16", ("Y",))
    assert np.abs(matte_pixels[..., 0] - result.confidence).max() <= 0.5 / 65535 + 1e-7
    (tmp_path / "m" / "m.0007.png").unlink()
    assert targets.output.exists(7) and not targets.with_matte.exists(7)  # a frame is both files


def test_the_channel_form_writes_the_matte_inside_outputs_files(tmp_path):
    result, source = photograph_result(3)
    output = str(tmp_path / "o.####.exr")
    targets = output_targets(output, "sequence", Matte.parse("channel", output, "sequence"),
                             opened_workspace(output), source=source, colour=ColourConverter(input_kind="scene_linear"))
    assert targets.with_matte is targets.output  # nothing is written beside OUTPUT
    targets.with_matte.write(3, result)
    written, written_format = read_image(tmp_path / "o.0003.exr")
    assert written_format.channel_names == ("R", "G", "B", CHANNEL)
    np.testing.assert_array_equal(written[..., :3], result.image.astype(np.float16).astype(np.float32))
    np.testing.assert_array_equal(written[..., 3], result.confidence.astype(np.float16).astype(np.float32))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".excolor", "o.0003.exr"]
