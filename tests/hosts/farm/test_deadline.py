"""`excolor farm deadline-bundle`: an AWS Deadline Cloud job bundle (template.yaml,
parameter_values.yaml, asset_references.yaml) that `openjd check` validates; every path a task
reads or writes is a PATH parameter with its data flow (the model and matte folders included),
the command, model and threads are editable parameters with a submitter's user interface, the
Conda queue environment's parameters are there; `openjd run` renders a chunk of it with the
bundle's values and `excolor` taken from the PATH; --split-shots writes one bundle per N shots.
No Deadline Cloud farm is reachable here: the bundles are checked and run with openjd-cli, the
tool its workers use."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from excolor.hosts.farm.openjd import check_template
from openjd.model import create_job, preprocess_job_parameters

from tests.support.batch import excolor
from tests.support.farm import make_clip, worker_env

OPENJD = str(Path(sys.executable).parent / "openjd")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("bundle_clip"))


def _bundle(clip, out, bundle, *extra):
    return excolor("farm", "deadline-bundle", clip["pattern"], out / "c.####.png", "--shots", clip["shots"],
                   "--chunk", "4", "--threads", "2", "-o", bundle, *extra)


def _values(bundle):
    return {v["name"]: v["value"] for v in yaml.safe_load((bundle / "parameter_values.yaml").read_text())
            ["parameterValues"]}


def test_bundle_is_valid_and_runs_with_its_values(clip, tmp_path, lite_model_dir):
    bundle, out, mattes = tmp_path / "bundle", tmp_path / "out", tmp_path / "mattes"
    made = _bundle(clip, out, bundle, "--model", lite_model_dir, "--matte", mattes / "m.####.png", "--min-chunk", "2")
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in bundle.iterdir()) == ["asset_references.yaml", "parameter_values.yaml",
                                                        "template.yaml"]
    check = subprocess.run([OPENJD, "check", str(bundle / "template.yaml")], capture_output=True, text=True)
    assert check.returncode == 0 and "passes validation" in check.stdout, check.stdout + check.stderr

    template = yaml.safe_load((bundle / "template.yaml").read_text())
    definitions = {p["name"]: p for p in template["parameterDefinitions"]}
    flows = {name: (p["type"], p.get("objectType"), p.get("dataFlow")) for name, p in definitions.items()}
    assert flows == {"InputFolder": ("PATH", "DIRECTORY", "IN"), "OutputFolder": ("PATH", "DIRECTORY", "INOUT"),
                     "Shots": ("PATH", "FILE", "IN"), "MatteFolder": ("PATH", "DIRECTORY", "OUT"),
                     "Model": ("PATH", "DIRECTORY", "IN"), "Threads": ("INT", None, None),
                     "ChunkSize": ("INT", None, None),
                     "ExcolorCommand": ("STRING", None, None), "CondaPackages": ("STRING", None, None),
                     "CondaChannels": ("STRING", None, None)}
    assert all(p["userInterface"]["control"] and p["userInterface"]["groupLabel"] for p in definitions.values())
    assert (definitions["ExcolorCommand"]["default"], definitions["Threads"]["default"]) == ("excolor", 2)
    chunk_size = definitions["ChunkSize"]
    assert (chunk_size["default"], chunk_size["minValue"], chunk_size["userInterface"]["control"]) == (4, 2, "SPIN_BOX")
    assert definitions["CondaPackages"]["default"] == definitions["CondaChannels"]["default"] == ""
    cleanup = template["steps"][-1]["script"]["actions"]["onRun"]
    assert cleanup == {"command": "{{Param.ExcolorCommand}}", "args": ["clean", "{{Param.OutputFolder}}/c.####.png"]}
    for step in template["steps"][:-1]:
        assert step["hostRequirements"] == {"amounts": [{"name": "amount.worker.vcpu", "min": "{{Param.Threads}}"}]}
        action = step["script"]["actions"]["onRun"]
        assert action["command"] == "{{Param.ExcolorCommand}}"
        args = action["args"]
        for flag, token in (("--threads", "{{Param.Threads}}"), ("--model", "{{Param.Model}}"),
                            ("--matte", "{{Param.MatteFolder}}/m.####.png"), ("--shots", "{{Param.Shots}}")):
            assert args[args.index(flag) + 1] == token
        # No path of this machine is left in a command: path mapping sees every one.
        assert not [arg for arg in args if str(tmp_path) in arg or str(clip["folder"]) in arg]
    values = _values(bundle)
    assert values == {"InputFolder": str(clip["folder"]), "OutputFolder": str(out), "Shots": str(clip["shots"]),
                      "MatteFolder": str(mattes), "Model": str(Path(lite_model_dir).resolve())}
    # The vCPU request is the Threads parameter: a job made from the template with Threads 3
    # asks for 3 vCPUs in every chunk step (openjd-model resolves it as a scheduler does).
    decoded = check_template(bundle / "template.yaml")
    resolved = preprocess_job_parameters(job_template=decoded, job_parameter_values={**values, "Threads": "3"},
                                         job_template_dir=bundle, current_working_dir=tmp_path)
    job = create_job(job_template=decoded, job_parameter_values=resolved)
    assert [float(step.hostRequirements.amounts[0].min) for step in job.steps[:-1]] == [3.0] * (len(job.steps) - 1)
    assets = yaml.safe_load((bundle / "asset_references.yaml").read_text())["assetReferences"]
    assert sorted(Path(f).name for f in assets["inputs"]["filenames"]) == ["key_1001.png", "key_1008.png",
                                                                           "key_1013.png"]
    assert assets["outputs"]["directories"] == [str(out), str(mattes)]

    # The bundle's values, as `openjd run` takes them (Threads and ChunkSize edited), render a
    # chunk with `excolor` from the PATH and the model of the Model parameter: shot 2's forward
    # chain is 1013-1016, its first chunk of 2 frames 1013-1014.
    run = subprocess.run([OPENJD, "run", str(bundle / "template.yaml"), "-p",
                          json.dumps({**values, "Threads": 1, "ChunkSize": 2}),
                          "--step", "shot002-fwd-1", "--no-run-dependencies"],
                         capture_output=True, text=True, cwd=tmp_path, env=worker_env())
    assert run.returncode == 0, run.stdout[-3000:]
    assert f"excolor colorize: model {Path(lite_model_dir).resolve()} on cpu" in run.stdout
    assert sorted(p.name for p in out.glob("c.*.png")) == ["c.1013.png", "c.1014.png"]
    assert sorted(p.name for p in mattes.glob("m.*.png")) == ["m.1013.png", "m.1014.png"]


def test_an_existing_bundle_is_kept_unless_overwrite(clip, tmp_path):
    bundle = tmp_path / "bundle"
    assert _bundle(clip, tmp_path / "out", bundle).returncode == 0
    before = {p.name: p.read_bytes() for p in bundle.iterdir()}
    again = _bundle(clip, tmp_path / "other", bundle)
    assert again.returncode == 5 and "template.yaml" in again.stderr and "--overwrite" in again.stderr
    assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before
    replaced = _bundle(clip, tmp_path / "other", bundle, "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    assert str(tmp_path / "other") in (bundle / "parameter_values.yaml").read_text()


def test_split_shots_writes_one_valid_bundle_per_shot(clip, tmp_path):
    bundles = tmp_path / "bundles"
    made = _bundle(clip, tmp_path / "out", bundles, "--split-shots", "1")
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in bundles.iterdir()) == ["excolor-SHOTS-shots-001-001", "excolor-SHOTS-shots-002-002"]
    steps = {}
    for part in sorted(bundles.iterdir()):
        check = subprocess.run([OPENJD, "check", str(part / "template.yaml")], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        template = yaml.safe_load((part / "template.yaml").read_text())
        steps[part.name] = {step["name"].split("-")[0] for step in template["steps"]}
        assert template["name"] == part.name and _values(part)["Shots"] == str(clip["shots"])
        # Each part's cleanup frees its own shots' run states only: the other part may still run.
        number = part.name[-3:].lstrip("0")
        assert template["steps"][-1]["script"]["actions"]["onRun"]["args"] == [
            "clean", "{{Param.OutputFolder}}/c.####.png", "--shots", f"{number}-{number}"]
    assert steps == {"excolor-SHOTS-shots-001-001": {"shot001", "cleanup"},
                     "excolor-SHOTS-shots-002-002": {"shot002", "cleanup"}}
    # Each part declares as inputs the reference images its own shots read, not the whole cut's.
    inputs = {part.name: sorted(Path(f).name for f in yaml.safe_load((part / "asset_references.yaml").read_text())
                                ["assetReferences"]["inputs"]["filenames"]) for part in bundles.iterdir()}
    assert inputs == {"excolor-SHOTS-shots-001-001": ["key_1001.png", "key_1008.png"],
                      "excolor-SHOTS-shots-002-002": ["key_1013.png"]}
    again = _bundle(clip, tmp_path / "out", bundles, "--split-shots", "1")
    assert again.returncode == 5 and "--overwrite" in again.stderr
    other_engine = excolor("farm", "openjd", clip["pattern"], tmp_path / "o" / "c.####.png", "--shots", clip["shots"],
                           "--chunk", "4", "--split-shots", "1", "-o", tmp_path / "job.yaml")
    assert other_engine.returncode == 2 and "--split-shots" in other_engine.stderr
