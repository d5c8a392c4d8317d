"""What a release carries: the runtime wheel has the runtime's graphs and no PyTorch
checkpoint; the sdist (a source tree) has the checkpoints that training and export start from;
the license is an SPDX expression with its file."""
import tarfile
import zipfile

import pytest

from tests.support.wheel import ROOT, build_release

CHECKPOINTS = ("model/lite/default.pt", "model/fusion/default.pt")


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return build_release(tmp_path_factory.mktemp("release"))


@pytest.mark.slow
def test_the_wheel_carries_the_runtime_graphs_and_no_checkpoint(release):
    _sdist, wheel = release
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert not [name for name in names if name.endswith(".pt")]
    graphs = {f"excolor/ort/graph_files/{p.name}" for p in (ROOT / "plugin" / "ort" / "graph_files").glob("*.onnx")}
    model = {f"excolor/bundled_models/default/{p.name}" for p in (ROOT / "plugin" / "bundled_models" / "default").iterdir()}
    assert graphs and model and graphs | model <= names
    assert "excolor/model/lite/checkpoint.py" in names, "the training code ships; only its weights stay out"
    assert "License-Expression: MIT" in metadata.splitlines()
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    # [farm] brings an ONNX Runtime (a render node renders); [farm-gpu] the GPU build.
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert any("onnxruntime" in line and "extra == \"cpu\"" in line for line in requires)
    assert any(line.startswith("Requires-Dist: excolor[") and "cpu" in line and "extra == \"farm\"" in line
               for line in requires)
    assert any(line.startswith("Requires-Dist: excolor[") and "gpu" in line and "extra == \"farm-gpu\"" in line
               for line in requires)


@pytest.mark.slow
def test_the_sdist_carries_the_checkpoints_for_training(release):
    sdist, _wheel = release
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert set(CHECKPOINTS) <= names
    assert {"LICENSE", "constraints/py3.11.txt"} <= names
