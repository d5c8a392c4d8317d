"""A render job reads each reference image once, at its checks (excolor.render.reference_files): the
node, the fingerprint and the contact sheet all use what was read then, so the render equals one
whose reference file stayed in place, byte for byte."""
from excolor.cli import build_parser
from excolor.files import file_sha256
from excolor.io import open_input
from excolor.render.job import checked_job
from excolor.render.options import JobOptions

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
