"""`excolor farm deadline-bundle`: an AWS Deadline Cloud job bundle (template.yaml,
parameter_values.yaml, asset_references.yaml) that `openjd check` validates, whose PATH
parameters carry their data flow, whose steps ask for the tasks' threads as vCPUs, and one of
whose chunks `openjd run` renders with the bundle's parameter values. No Deadline Cloud farm
is reachable here: the bundle is checked and run with openjd-cli, the tool its workers use."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.batch import excolor
from tests.support.farm import make_clip

OPENJD = str(Path(sys.executable).parent / "openjd")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("bundle_clip"))


def _bundle(clip, out, bundle, *extra):
    return excolor("farm", "deadline-bundle", clip["pattern"], out / "c.####.png", "--shots", clip["shots"],
                   "--chunk", "4", "--threads", "2", "-o", bundle, *extra)


def test_bundle_is_valid_and_runs_with_its_values(clip, tmp_path, lite_model_dir):
    bundle, out = tmp_path / "bundle", tmp_path / "out"
    made = _bundle(clip, out, bundle, "--model", lite_model_dir)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in bundle.iterdir()) == ["asset_references.yaml", "parameter_values.yaml",
                                                        "template.yaml"]
    check = subprocess.run([OPENJD, "check", str(bundle / "template.yaml")], capture_output=True, text=True)
    assert check.returncode == 0 and "passes validation" in check.stdout, check.stdout + check.stderr

    template = yaml.safe_load((bundle / "template.yaml").read_text())
    flows = {p["name"]: (p["type"], p["objectType"], p["dataFlow"]) for p in template["parameterDefinitions"]}
    assert flows == {"InputFolder": ("PATH", "DIRECTORY", "IN"), "OutputFolder": ("PATH", "DIRECTORY", "INOUT"),
                     "Shots": ("PATH", "FILE", "IN")}
    for step in template["steps"]:
        assert step["hostRequirements"] == {"amounts": [{"name": "amount.worker.vcpu", "min": 2}]}
        args = step["script"]["actions"]["onRun"]["args"]
        assert args[args.index("--threads") + 1] == "2"
    values = {v["name"]: v["value"] for v in yaml.safe_load((bundle / "parameter_values.yaml").read_text())
              ["parameterValues"]}
    assert values == {"InputFolder": str(clip["folder"]), "OutputFolder": str(out), "Shots": str(clip["shots"])}
    assets = yaml.safe_load((bundle / "asset_references.yaml").read_text())["assetReferences"]
    assert sorted(Path(f).name for f in assets["inputs"]["filenames"]) == ["key_1001.png", "key_1008.png",
                                                                           "key_1013.png"]
    assert assets["inputs"]["directories"] == [str(Path(lite_model_dir).resolve())]
    assert assets["outputs"]["directories"] == [str(out)]

    # The bundle's values, as `openjd run` takes them, render a chunk.
    run = subprocess.run([OPENJD, "run", str(bundle / "template.yaml"), "-p", json.dumps(values),
                          "--step", "shot002-fwd-1011-1014", "--no-run-dependencies"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert sorted(p.name for p in out.glob("c.*.png")) == ["c.1013.png", "c.1014.png"]


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
