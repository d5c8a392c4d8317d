"""One rule for every path `excolor colorize` writes (excolor.render.output_paths): never an input,
never a file this job did not write unless --overwrite, all checked before the first frame
renders, and nothing created when a check fails. Each case runs the real command."""
import pytest
from excolor.colour.management import config_source
from excolor.errors import OutputError, UsageError
from excolor.io import SequencePattern
from excolor.render.matte import Matte
from excolor.render.output_paths import OutputPaths, claim_output_paths, output_location, protected_inputs
from excolor.render.workspace import Workspace

from tests.support.batch import excolor, files_of


def snapshot(folder):
    """Every path under `folder` with its bytes (files) or None (folders)."""
    return {str(p): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("sheet, code, words", [
    ("in/plate.1002.png", 5, "is a frame of INPUT"),
    ("in/plate.0007.png", 5, "is a frame of INPUT"),  # any frame number of INPUT's sequence
    ("key.png", 5, "is a reference image"),
    ("out/o.1003.png", 2, "is also written by OUTPUT"),
])
def test_preview_never_lands_on_an_input_or_an_output_frame(tmp_path, plate, lite_model_dir, sheet, code, words):
    before = snapshot(tmp_path)
    result = excolor("colorize", plate[0], tmp_path / "out" / "o.####.png", "--reference", plate[1],
                     "--preview", tmp_path / sheet, "--model", lite_model_dir)
    assert result.returncode == code, result.stderr
    assert f"--preview {tmp_path / sheet} {words}" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before  # nothing written, no folder made


def test_output_video_may_not_be_the_shot_list(tmp_path, plate):
    shots = tmp_path / "shots.mp4"  # an odd name, but a shot list all the same
    shots.write_text('{"shots": [{"start": 1001, "end": 1004, "reference": "key.png"}]}')
    result = excolor("colorize", plate[0], shots, "--shots", shots)
    assert result.returncode == 5 and "is the shot list" in result.stderr


@pytest.mark.slow
def test_finished_output_frame_and_foreign_sheet_are_kept(tmp_path, plate, lite_model_dir):
    out = tmp_path / "out"
    args = ("colorize", plate[0], out / "o.####.png", "--reference", plate[1], "--model", lite_model_dir)
    assert excolor(*args).returncode == 0
    done = (out / "o.1002.png").read_bytes()
    # A finished OUTPUT frame is not a contact sheet's place.
    result = excolor(*args, "--preview", out / "o.1002.png")
    assert result.returncode == 2 and "is also written by OUTPUT" in result.stderr
    assert (out / "o.1002.png").read_bytes() == done
    # A file that is there already, made by something else, needs --overwrite.
    (out / "notes.png").write_bytes(b"someone's notes")
    result = excolor(*args, "--preview", out / "notes.png")
    assert result.returncode == 5 and "was not written by this render; pass --overwrite" in result.stderr
    assert (out / "notes.png").read_bytes() == b"someone's notes"
    # The sheet this job wrote is rewritten by the same command again ...
    assert excolor(*args, "--preview", out / "sheet.png").returncode == 0
    again = excolor(*args, "--preview", out / "sheet.png")
    assert again.returncode == 0 and "wrote contact sheet" in again.stderr
    # ... but not once something else changed it.
    (out / "sheet.png").write_bytes(b"edited by hand")
    result = excolor(*args, "--preview", out / "sheet.png")
    assert result.returncode == 5 and (out / "sheet.png").read_bytes() == b"edited by hand"
    assert excolor(*args, "--preview", out / "sheet.png", "--overwrite").returncode == 0
    assert (out / "sheet.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("extra, code, words", [
    (("--model", "no-such-model"), 4, "not found"),
    (("--network-size", "5"), 2, "--network-size 5 is outside"),
    (("--device", "cuda"), 4, "--device cpu"),
])
def test_model_device_and_size_errors_leave_no_folder(tmp_path, plate, lite_model_dir, extra, code, words):
    model = () if "--model" in extra else ("--model", lite_model_dir)
    result = excolor("colorize", plate[0], tmp_path / "new" / "o.####.png", "--reference", plate[1],
                     *model, *extra, "--preview", tmp_path / "sheets" / "s.png")
    if extra[0] == "--device" and result.returncode == 0:
        pytest.skip("this onnxruntime has CUDA: --device cuda is not refused here")
    assert result.returncode == code and words in result.stderr, result.stderr
    assert "network_long_side" not in result.stderr and "device='cpu'" not in result.stderr
    assert not (tmp_path / "new").exists() and not (tmp_path / "sheets").exists()


def test_two_options_writing_one_sequence(tmp_path):
    pattern = SequencePattern.parse(tmp_path / "o.####.exr")
    paths = OutputPaths({}, overwrite=False)
    paths.claim_sequence(pattern, range(1, 4), "OUTPUT")
    with pytest.raises(UsageError, match="--matte .* is also written by OUTPUT"):
        paths.claim_sequence(pattern, range(1, 4), "--matte")
    with pytest.raises(UsageError, match="--preview .*o.0002.exr is also written by OUTPUT"):
        paths.claim(tmp_path / "o.0002.exr", "--preview")


def test_a_jobs_paths_are_claimed_from_the_values_it_writes_and_reads(tmp_path, plate):
    """claim_output_paths is given what it checks (OUTPUT, the covered frames, the matte, the
    sheet, the workspace, the inputs as given on the command line), never the job or a reader."""
    shots = tmp_path / "shots.json"
    shots.write_text('{"shots": [{"start": 1001, "end": 1004, "reference": "key.png"}]}')
    inputs = protected_inputs(plate[0], [plate[1]], shots, config_source(None))
    output = str(tmp_path / "out" / "o.####.png")
    workspace = Workspace(*output_location(output, "sequence"))
    values = dict(output=output, output_kind="sequence", covered=range(1001, 1005), workspace=workspace,
                  digest="0" * 24, overwrite=False)
    with pytest.raises(OutputError, match=r"--preview .*shots.json is the shot list"):
        claim_output_paths(inputs, matte=Matte(), preview=str(shots), **values)
    with pytest.raises(OutputError, match=r"--preview .*plate.1009.png is a frame of INPUT"):
        claim_output_paths(inputs, matte=Matte(), preview=str(tmp_path / "in" / "plate.1009.png"), **values)
    with pytest.raises(UsageError, match=r"--matte .*o.####.png is also written by OUTPUT"):
        claim_output_paths(inputs, matte=Matte.parse(output, output, "sequence"), preview=None, **values)
    matte = Matte.parse(str(tmp_path / "mattes" / "m.####.exr"), output, "sequence")
    paths = claim_output_paths(inputs, matte=matte, preview=str(tmp_path / "sheets" / "s.png"), **values)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "key.png", "shots.json"]  # nothing made yet
    paths.create_folders()
    assert workspace.root.is_dir() and (tmp_path / "mattes").is_dir() and (tmp_path / "sheets").is_dir()


def test_a_link_to_an_input_is_the_input(tmp_path):
    reference = tmp_path / "key.png"
    reference.write_bytes(b"pixels")
    (tmp_path / "link.png").symlink_to(reference)
    paths = OutputPaths({reference: "a reference image"})
    with pytest.raises(OutputError, match="link.png is a reference image"):
        paths.claim(tmp_path / "link.png", "--preview", ours=True)


def test_folders_are_made_only_on_create(tmp_path):
    paths = OutputPaths({})
    paths.claim(tmp_path / "a" / "b" / "sheet.png", "--preview")
    assert not (tmp_path / "a").exists()
    paths.create_folders()
    assert (tmp_path / "a" / "b").is_dir() and files_of(tmp_path / "a" / "b") == []


@pytest.mark.slow
def test_an_output_frame_cut_short_is_rendered_again(tmp_path, plate, lite_model_dir):
    args = ("colorize", plate[0], tmp_path / "out" / "o.####.png", "--reference", plate[1], "--model", lite_model_dir)
    assert excolor(*args).returncode == 0
    whole = (tmp_path / "out" / "o.1003.png").read_bytes()
    (tmp_path / "out" / "o.1003.png").write_bytes(whole[: len(whole) // 2])
    again = excolor(*args)
    assert again.returncode == 0 and "1 frame(s) written, 3 already done" in again.stderr
    assert (tmp_path / "out" / "o.1003.png").read_bytes() == whole
