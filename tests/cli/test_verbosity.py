"""-v/-vv and -q on either side of the command, one prefix per log line, and the plain progress
lines a pipe (a farm's log) gets: the real `python -m excolor` on real frames."""
import json

import pytest

from tests.support.batch import excolor


def colorize(tmp_path, plate, model, name, *extra):
    return excolor("colorize", plate[0], tmp_path / name / "p.####.png", "--reference", plate[1],
                   "--model", model, *extra)


def command_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("excolor")]


@pytest.mark.parametrize("before, after", [(("-v",), ()), ((), ("-v",)), ((), ("--verbose",))])
def test_verbose_before_or_after_the_command(tmp_path, plate, lite_model_dir, before, after):
    result = excolor(*before, "colorize", plate[0], tmp_path / "out" / "p.####.png", "--reference", plate[1],
                     "--model", lite_model_dir, *after)
    assert result.returncode == 0, result.stderr
    info = [line for line in command_lines(result.stderr) if ": info: " in line]
    assert info and info[0].startswith("excolor colorize: info: ONNX Runtime on CPU")
    for line in command_lines(result.stderr):
        assert line.startswith("excolor colorize: ") and "excolor:" not in line, line


def test_counts_add_up_across_the_command(tmp_path, plate, lite_model_dir):
    """-v before and -v after make -vv: debug records show, e.g. where a chunk's run resumes."""
    shots = tmp_path / "SHOTS.json"
    shots.write_text(json.dumps({"shots": [{"start": 1001, "end": 1004, "reference": str(plate[1]),
                                            "reference_frame": 1001}]}))

    def chunk(frames, before, after):
        result = excolor(*before, "colorize", plate[0], tmp_path / "out" / "p.####.png", "--shots", shots,
                         "--model", lite_model_dir, "--frames", frames, *after)
        assert result.returncode == 0, result.stderr
        return result.stderr

    chunk("1001-1002", (), ())
    assert ": debug: " not in chunk("1003-1003", (), ("-v",))
    assert "excolor colorize: debug: run shot000.k0.fwd resumes from its state at frame 1003" in \
        chunk("1004-1004", ("-v",), ("-v",))


def test_default_has_no_log_lines_and_progress_on_a_pipe(tmp_path, plate, lite_model_dir):
    result = colorize(tmp_path, plate, lite_model_dir, "out")
    assert result.returncode == 0, result.stderr
    assert ": info: " not in result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith("colorizing:")]
    assert progress == ["colorizing: 0% (0/4 frames)", "colorizing: 25% (1/4 frames)",
                        "colorizing: 50% (2/4 frames)", "colorizing: 75% (3/4 frames)",
                        "colorizing: 100% (4/4 frames)"]
    assert "excolor colorize: 4 frame(s) written, 0 already done" in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_keeps_warnings_and_asked_for_lines(tmp_path, plate, lite_model_dir, where):
    shots = tmp_path / "SHOTS.json"  # frames 1003-1004 uncovered: a warning
    shots.write_text(json.dumps({"shots": [{"start": 1001, "end": 1002, "reference": str(plate[1])}]}))
    flags = ["colorize", plate[0], tmp_path / "out" / "p.####.png", "--shots", shots, "--model", lite_model_dir,
             "--report"]
    result = excolor(*(["-q", *flags] if where == "before" else [*flags, "-q"]))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    assert lines[0].startswith("excolor colorize: warning: ") and "1003-1004" in lines[0]
    assert lines[1].startswith("excolor colorize: shot 1 (frames 1001-1002): 2 frame(s), mean confidence")
    assert lines[2].startswith("excolor colorize: shot 1: ") and "key next" in lines[2]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["p.1001.png", "p.1002.png"]


def test_quiet_shots_says_nothing_but_writes(tmp_path, plate):
    result = excolor("--quiet", "shots", plate[0], "-o", tmp_path / "s.json")
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads((tmp_path / "s.json").read_text())["shots"] == [{"start": 1001, "end": 1004, "reference": None}]
    to_stdout = excolor("shots", plate[0], "-o", "-", "-q")
    assert to_stdout.stderr == "" and json.loads(to_stdout.stdout)["shots"][0]["end"] == 1004


@pytest.mark.parametrize("flags", [("-q", "shots", "-v"), ("-v", "shots", "-q"), ("shots", "-q", "-v")])
def test_quiet_and_verbose_exclude_each_other(tmp_path, plate, flags):
    command = list(flags)
    command.insert(command.index("shots") + 1, plate[0])
    result = excolor(*command, "-o", tmp_path / "s.json")
    assert result.returncode == 2 and "-q/--quiet and -v/--verbose exclude each other" in result.stderr
    assert not (tmp_path / "s.json").exists()
