"""`excolor farm` jobs that run anywhere: relative paths and $OCIO resolved when the job is made,
run by `openjd run` from another folder with another $OCIO; the OCIO config's content in the
run state's fingerprint; an engine's missing extra named; job files never replaced silently."""
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import PyOpenColorIO as ocio
import pytest
import yaml
from excolor.engine.models import find_model

from tests.support.batch import excolor
from tests.support.farm import make_clip, worker_env

OPENJD = str(Path(sys.executable).parent / "openjd")


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """A submitting machine's folder: the clip, a model folder and an OCIO config, all given
    to `excolor farm` by relative paths."""
    folder = tmp_path_factory.mktemp("studio")
    make_clip(folder / "clip")
    shutil.copytree(find_model(None).path, folder / "model")
    config = ocio.Config.CreateFromFile("ocio://cg-config-latest")
    (folder / "studio.ocio").write_text(config.serialize())
    return folder


def _make_job(studio, job="job.yaml", *extra, env=None):
    return excolor("farm", "openjd", "clip/plate.####.png", "out/c.####.png", "--shots", "clip/SHOTS.json",
                   "--chunk", "4", "--model", "model", "-o", job, *extra, cwd=studio, env=env)


def _run_step(studio, step, cwd, job="job.yaml"):
    return subprocess.run([OPENJD, "run", str(studio / job), "-p", f"file://{studio / 'job.params.json'}",
                           "--step", step, "--no-run-dependencies"], capture_output=True, text=True, cwd=cwd,
                          env=worker_env(OCIO="/nowhere/other-config.ocio"))


@pytest.mark.slow
def test_relative_paths_and_ocio_travel_with_the_job(studio, tmp_path):
    made = _make_job(studio, "job.yaml", "--chunk", "2", env={"OCIO": "studio.ocio"})
    assert made.returncode == 0, made.stderr
    # The model folder and the config are PATH parameters, with absolute values beside the job.
    args = [a for step in _template(studio)["steps"] for a in step["script"]["actions"]["onRun"]["args"]]
    assert "{{Param.Model}}" in args and "{{Param.OcioConfig}}" in args
    assert "model" not in args and "studio.ocio" not in args
    values = json.loads((studio / "job.params.json").read_text())
    assert (values["Model"], values["OcioConfig"]) == (str(studio / "model"), str(studio / "studio.ocio"))
    # Run from another folder, with another $OCIO on the "render node": the chunk renders.
    elsewhere = tmp_path / "render-node"
    elsewhere.mkdir()
    first = _run_step(studio, "shot002-fwd-1", elsewhere)  # shot 2's forward chain: 1013-1014, then 1015-1016
    assert first.returncode == 0, first.stdout[-3000:]
    assert (studio / "out" / "c.1014.png").is_file()
    fingerprint = json.loads((studio / "out" / ".excolor" / "c.####.png" / "fingerprint.json").read_text())
    config_hash = hashlib.sha256((studio / "studio.ocio").read_bytes()).hexdigest()
    assert fingerprint["settings"]["ocio config"] == config_hash
    # The config's content changes before the next chunk: it refuses instead of rendering other
    # colours on top of the first chunk's.
    with open(studio / "studio.ocio", "a") as handle:
        handle.write("\n# edited after the first chunk\n")
    second = _run_step(studio, "shot002-fwd-2", elsewhere)
    assert second.returncode != 0
    assert "ocio config" in second.stdout and "changed" in second.stdout
    assert not (studio / "out" / "c.1015.png").exists()


def _template(studio, name="job.yaml"):
    return yaml.safe_load((studio / name).read_text())


def test_an_existing_job_file_is_kept_unless_overwrite(studio):
    made = _make_job(studio, "keep.yaml")
    assert made.returncode == 0, made.stderr
    before = (studio / "keep.yaml").read_bytes()
    again = _make_job(studio, "keep.yaml", "--chunk", "2")
    assert again.returncode == 5 and "keep.yaml" in again.stderr and "--overwrite" in again.stderr
    assert (studio / "keep.yaml").read_bytes() == before
    replaced = _make_job(studio, "keep.yaml", "--chunk", "2", "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    steps = _template(studio, "keep.yaml")["steps"]
    assert len(steps) > len(yaml.safe_load(before)["steps"])
    assert all("--overwrite" not in step["script"]["actions"]["onRun"]["args"] for step in steps)
    check = subprocess.run([OPENJD, "check", str(studio / "keep.yaml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


# Without the extra: no environment here lacks PyYAML, so the child process hides it (and
# openjd) with an import hook that refuses them, as a Python without them would.
HIDE = """
import sys
from importlib.abc import MetaPathFinder
class Hide(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {hidden!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Hide())
from excolor.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("engine, hidden, extra", [("openjd", ("yaml",), "openjd"),
                                                   ("deadline-bundle", ("openjd",), "openjd"),
                                                   ("opencue", ("outline",), "opencue"),
                                                   ("ray", ("ray",), "ray")])
def test_a_missing_extra_is_named(studio, tmp_path, engine, hidden, extra):
    result = subprocess.run(
        [sys.executable, "-c", HIDE.format(hidden=set(hidden)), "farm", engine, "clip/plate.####.png",
         "out/c.####.png", "--shots", "clip/SHOTS.json", "--chunk", "4", "-o", str(tmp_path / "job")],
        capture_output=True, text=True, cwd=studio)
    assert result.returncode == 2, result.stderr
    assert f"pip install 'excolor[{extra}]'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "job").exists()


def _canonical(name):
    return name.lower().replace("_", "-")


def _installs(requirements):
    """Canonical names of the distributions `requirements` install, with their dependencies
    (from the installed packages' metadata)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    seen, pending = set(), [Requirement(text) for text in requirements]
    while pending:
        requirement = pending.pop()
        name = _canonical(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(requirement.name) or ():
            child = Requirement(text)
            if child.marker is None or child.marker.evaluate({"extra": ""}):
                pending.append(child)
    return seen


def test_each_engine_has_its_own_extra_and_farm_has_them_all():
    """pyproject.toml's extras install what each engine imports (checked against the installed
    packages' metadata); `farm` is the three engine extras and `cpu`."""
    from importlib import metadata

    import tomllib
    from excolor.cli.farm import EXTRAS

    extras = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    owners = metadata.packages_distributions()
    for engine, (extra, modules) in EXTRAS.items():
        installed = _installs(extras[extra])
        for module in modules:
            assert {_canonical(d) for d in owners[module.split(".")[0]]} & installed, (engine, module)
    assert "ray" not in _installs(extras["opencue"]) and "ray" not in _installs(extras["openjd"])
    assert extras["farm"] == ["excolor[openjd,opencue,ray,cpu]"]  # a render node renders: the CPU build too


def test_names_and_builtin_configs_stay_paths_become_absolute(studio, tmp_path, monkeypatch):
    from excolor.hosts.farm.plan import plan_job

    monkeypatch.chdir(studio)
    # A model name: known here (the job is checked here) and looked up on the render node.
    shutil.copytree(studio / "model", tmp_path / "models" / "lite")
    monkeypatch.setenv("EXCOLOR_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("OCIO", "x.ocio")
    job = plan_job("clip/plate.####.png", "out/c.####.png", "clip/SHOTS.json", 8,
                   ["--model", "lite", "--ocio-config", "ocio://studio-config-latest"])
    argv = job.tasks[0].argv
    assert argv[argv.index("--model") + 1] == "lite"
    assert argv.count("--ocio-config") == 1  # the flag wins over $OCIO
    assert argv[argv.index("--ocio-config") + 1] == "ocio://studio-config-latest"
    monkeypatch.setenv("OCIO", "ocio://cg-config-latest")
    job = plan_job("clip/plate.####.png", "out/c.####.png", "clip/SHOTS.json", 8, ["--model=model"])
    argv = job.tasks[0].argv
    assert f"--model={studio / 'model'}" in argv
    assert argv[argv.index("--ocio-config") + 1] == "ocio://cg-config-latest"
    monkeypatch.delenv("OCIO")
    assert plan_job("clip/plate.####.png", "out/c.####.png", "clip/SHOTS.json", 8).tasks[0].argv.count(
        "--ocio-config") == 0


def test_paths_are_normal_for_path_mapping(studio, monkeypatch):
    """`.` and `..` leave every path of the job (a farm's path mapping replaces a prefix), the
    folders keep the names they were given; where a `..` follows a symbolic link, the path is
    the real one (dropping `link/..` by its letters would name another folder)."""
    from excolor.hosts.farm.openjd import parameter_values
    from excolor.hosts.farm.plan import plan_job

    monkeypatch.chdir(studio / "clip")
    job = plan_job("../clip/./plate.####.png", "../out/x/../c.####.png", "./SHOTS.json", 8,
                   ["--model", "../model", "--matte", "../mattes/./m.####.exr", "--ocio-config", "../studio.ocio"])
    argv = job.tasks[0].argv
    assert (job.input, job.output, job.shots) == (
        str(studio / "clip" / "plate.####.png"), str(studio / "out" / "c.####.png"), str(studio / "clip" / "SHOTS.json"))
    for flag, value in (("--model", studio / "model"), ("--matte", studio / "mattes" / "m.####.exr"),
                        ("--ocio-config", studio / "studio.ocio")):
        assert argv[argv.index(flag) + 1] == str(value)
    assert not [arg for arg in argv if "/../" in arg or "/./" in arg]
    assert job.references == tuple(str(studio / "clip" / f"key_{n}.png") for n in (1001, 1008, 1013))
    assert parameter_values(job)["InputFolder"] == str(studio / "clip")
    # studio/hop -> studio/deep/inner: hop/.. is studio/deep, which holds these plates.
    (studio / "deep" / "inner").mkdir(parents=True)
    for frame in range(1001, 1017):
        shutil.copy(studio / "clip" / f"plate.{frame}.png", studio / "deep" / f"plate.{frame}.png")
    (studio / "hop").symlink_to(studio / "deep" / "inner", target_is_directory=True)
    monkeypatch.chdir(studio)
    job = plan_job("hop/../plate.####.png", "out/c.####.png", "clip/SHOTS.json", 8)
    assert job.input == str((studio / "deep" / "plate.####.png").resolve())


def _pip_resolves(target, folder):
    """Distribution names (lower case, '-' for '_') `pip install TARGET` would install, from
    pip's own resolver (a dry run that installs nothing)."""
    report = folder / "report.json"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
                             "--report", str(report), target], capture_output=True, text=True, timeout=600,
                            cwd=Path(__file__).parents[3])
    assert result.returncode == 0, result.stderr[-4000:]
    return {_canonical(item["metadata"]["name"]) for item in json.loads(report.read_text())["install"]}


@pytest.mark.slow
def test_pip_installs_one_engine_per_extra(tmp_path):
    opencue = _pip_resolves(".[opencue]", tmp_path)
    assert "opencue-pyoutline" in opencue and "ray" not in opencue and "openjd-cli" not in opencue
    farm = _pip_resolves(".[farm]", tmp_path)
    assert {"opencue-pyoutline", "openjd-cli", "pyyaml", "ray"} <= farm
