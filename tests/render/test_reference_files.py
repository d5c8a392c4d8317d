"""A render job reads each reference image once, at its checks (excolor.render.reference_files): the
node, the fingerprint and the contact sheet all use what was read then, so the render equals one
whose reference file stayed in place, byte for byte. A reference file's NaN/inf values become 0
there (excolor.io.read_reference), for the command and the node alike."""
import warnings

import numpy as np
import pytest
from excolor.cli import build_parser
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.files import file_sha256
from excolor.io import open_input, read_image
from excolor.render.job import checked_job
from excolor.render.options import JobOptions

from tests.io.test_reference_values import broken_reference, write_exr
from tests.support.batch import carphone_frames, excolor, files_of, write_reference, write_sequence


def test_after_its_checks_the_job_never_opens_a_reference_again(tmp_path, lite_model_dir):
    frames = carphone_frames(count=3)
    plate = write_sequence(tmp_path / "in" / "p.####.png", frames, first=1)
    key = write_reference(tmp_path / "key.png", frames[0])

    def arguments(out):
        return [str(a) for a in ("colorize", plate, tmp_path / out / "p.####.png", "--reference", key,
                                 "--preview", tmp_path / out / "sheet.png", "--model", lite_model_dir)]

    assert excolor(*arguments("kept")).returncode == 0
    options = JobOptions.from_namespace(build_parser().parse_args(arguments("moved")))
    reader = open_input(plate)
    try:
        job = checked_job(options, reader, "sequence", None)
        assert job.references[key].sha256 == file_sha256(key) and job.references[key].size == (72, 88)
        key.rename(tmp_path / "elsewhere.png")
        assert job.render() == 0
    finally:
        reader.close()
    names = files_of(tmp_path / "kept")
    assert names == ["p.0001.png", "p.0002.png", "p.0003.png", "sheet.png"] == files_of(tmp_path / "moved")
    for name in names:
        assert (tmp_path / "moved" / name).read_bytes() == (tmp_path / "kept" / name).read_bytes(), name


@pytest.fixture()
def linear_plate(tmp_path):
    """(a scene-linear half EXR INPUT of 4 real frames, its true colours' reference EXR with NaN
    and inf values, the same reference with those values at 0)."""
    frames = [f ** np.float32(2.2) for f in carphone_frames(count=4)]
    plate = write_sequence(tmp_path / "in" / "lin.####.exr", frames, first=1001, dtype="half")
    broken, clean, _mask = broken_reference(tmp_path / "broken.exr")
    return plate, broken, write_exr(tmp_path / "clean.exr", clean)


@pytest.mark.parametrize("frame", ["none", "1001"])
def test_nan_and_inf_in_a_reference_file_render_as_zero(tmp_path, linear_plate, lite_model_dir, frame):
    """Unpinned, one NaN made every output pixel NaN; pinned, it spread from the keyed frame."""
    plate, broken, clean = linear_plate
    outputs, said = {}, {}
    for reference in (broken, clean):
        out = tmp_path / reference.stem / "c.####.exr"
        result = excolor("colorize", plate, out, "--reference", reference, "--reference-frame", frame,
                         "--model", lite_model_dir)
        assert result.returncode == 0, result.stderr
        outputs[reference.stem] = [read_image(out.parent / f"c.{n}.exr")[0] for n in range(1001, 1005)]
        said[reference.stem] = result.stderr
    for made, expected in zip(outputs["broken"], outputs["clean"]):
        assert np.isfinite(made).all() and made.std() > 0.01
        np.testing.assert_array_equal(made, expected)
    warned = f"excolor colorize: warning: reference {broken}: 51 pixel(s) with NaN/inf values, replaced by 0"
    assert warned in said["broken"] and "NaN" not in said["clean"]


def test_the_node_reads_a_reference_file_by_the_same_rule(linear_plate, lite_model_dir):
    plate, broken, clean = linear_plate
    reader = open_input(plate)
    try:
        frames = {n: reader.read(n) for n in range(1001, 1004)}
    finally:
        reader.close()
    rendered, said = {}, {}
    for reference in (broken, clean):
        node = ColorizeNode(lite_model_dir, device="cpu")
        node.source = frames.__getitem__
        node.shots = [Shot(1001, 1003, [Keyframe(reference, "none")])]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rendered[reference.stem] = [node.render(n) for n in frames]
        said[reference.stem] = [str(w.message) for w in caught if "NaN" in str(w.message)]
    for made, expected in zip(rendered["broken"], rendered["clean"]):
        assert np.isfinite(made).all()
        np.testing.assert_array_equal(made, expected)
    assert said == {"broken": [f"reference {broken}: 51 pixel(s) with NaN/inf values, replaced by 0"], "clean": []}
