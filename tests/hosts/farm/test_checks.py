"""`excolor farm` checks its tasks before it writes anything, as each `excolor colorize` task
checks itself before its first frame: for every way a task would fail there (a missing
reference, INPUT or frame, an unknown model, network size, colourspace or OCIO config, a
missing $OCIO, shots outside INPUT, a flag that does not fit), `excolor farm` exits with
colorize's exit code and message and writes no job; a job that passes warns as colorize does."""
import json
import shutil

import pytest

from tests.support.batch import excolor
from tests.support.farm import make_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("farm_checks"))


def _shots(folder, shots):
    path = folder / "CHECK.json"
    path.write_text(json.dumps({"shots": shots}))
    return path


def _error(result):
    """The command's error message, without the command's name."""
    lines = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0].split(": error: ", 1)[1]


def _both(tmp_path, pattern, shots, *flags, env=None):
    out = tmp_path / "out" / "c.####.png"
    colorize = excolor("colorize", pattern, out, "--shots", shots, *flags, env=env)
    farm = excolor("farm", "openjd", pattern, out, "--shots", shots, "--chunk", "4", *flags,
                   "-o", tmp_path / "job" / "job.yaml", env=env)
    return colorize, farm


def _case(name, clip, tmp_path):
    """(INPUT, SHOTS, flags, environment) of one way a task fails before its first frame."""
    folder, pattern, shots = clip["folder"], clip["pattern"], clip["shots"]
    key = str(folder / "key_1001.png")
    if name == "missing reference":  # pinned: a reference with no frame was read for the scan already
        missing = {"start": 1001, "end": 1016, "reference": str(folder / "nope.png"), "reference_frame": 1001}
        return pattern, _shots(tmp_path, [missing]), (), None
    if name == "missing input":
        return str(tmp_path / "nowhere" / "plate.####.png"), shots, (), None
    if name == "missing frame":
        copy = tmp_path / "plates"
        shutil.copytree(folder, copy)
        (copy / "plate.1005.png").unlink()
        return str(copy / "plate.####.png"), copy / "SHOTS.json", (), None
    if name == "shots outside input":
        return pattern, _shots(tmp_path, [{"start": 1001, "end": 1020, "reference": key, "reference_frame": 1001}]), (), None
    flags = {"unknown model": ("--model", "no-such-model"),
             "network size": ("--network-size", "100000"),
             "input colourspace": ("--input-space", "No Such Space"),
             "missing ocio config": ("--ocio-config", str(tmp_path / "none.ocio")),
             "edl rate without an edl": ("--edl-rate", "25"),
             "matte channel of a png": ("--matte", "channel")}
    if name == "missing $OCIO":
        return pattern, shots, (), {"OCIO": str(tmp_path / "gone.ocio")}
    return pattern, shots, flags[name], None


@pytest.mark.parametrize("name, code", [
    ("missing reference", 3), ("missing input", 3), ("missing frame", 3), ("shots outside input", 2),
    ("unknown model", 4), ("network size", 2), ("input colourspace", 2), ("missing ocio config", 3),
    ("missing $OCIO", 3), ("edl rate without an edl", 2), ("matte channel of a png", 2),
])
def test_farm_refuses_what_a_task_would_refuse(clip, tmp_path, name, code):
    pattern, shots, flags, env = _case(name, clip, tmp_path)
    colorize, farm = _both(tmp_path, pattern, shots, *flags, env=env)
    assert colorize.returncode == code, colorize.stderr
    assert farm.returncode == code, farm.stderr
    assert _error(farm) == _error(colorize)
    assert not (tmp_path / "job").exists() and not (tmp_path / "out").exists()


def test_farm_words_for_a_missing_ocio(clip, tmp_path):
    """$OCIO is named as colorize names it: the user typed no config."""
    _colorize, farm = _both(tmp_path, clip["pattern"], clip["shots"], env={"OCIO": str(tmp_path / "gone.ocio")})
    assert _error(farm) == (f"$OCIO: OCIO config file '{tmp_path / 'gone.ocio'}' does not exist (unset OCIO or "
                            "pass --ocio-config)")


def test_a_job_that_passes_warns_as_colorize_does(clip, tmp_path):
    key = str(clip["folder"] / "key_1001.png")
    shots = _shots(tmp_path, [{"start": 1001, "end": 1010, "reference": key, "reference_frame": 1001}])
    made = excolor("farm", "openjd", clip["pattern"], tmp_path / "out" / "c.####.png", "--shots", shots,
                   "--chunk", "4", "-o", tmp_path / "job.yaml")
    assert made.returncode == 0, made.stderr
    assert "excolor farm: warning: frames 1011-1016 are in no shot and will not be rendered" in made.stderr
    assert (tmp_path / "job.yaml").is_file()
