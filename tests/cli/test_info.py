"""`excolor info`: a short summary by default, --verbose for everything in words (no raw Python
reprs), --json for scripts; on the shipped default model (a real, verified model directory)."""
import json

from excolor.engine.models import find_model

from tests.support.batch import excolor


def test_info_is_short_by_default_and_points_at_the_rest():
    result = excolor("info")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert len(text) < 3000
    assert "architecture lite" in text and "correspondence.onnx" in text and "parity" in text
    assert "checkpoint_sha256" in text
    assert "excolor info --verbose" in text
    assert "{" not in text and "[" not in text  # no dict or list reprs


def test_info_verbose_has_tensors_and_provenance_without_reprs():
    result = excolor("info", "--verbose")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "in  frame_l" in text and "out warped_ab" in text
    assert "training_summary:" in text and "total_steps: 1400" in text
    assert "{'" not in text and "['" not in text


def test_info_json_is_the_whole_manifest():
    result = excolor("info", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    model = find_model(None)
    assert data["model"] == str(model.path) and data["verified"] is True
    on_disk = json.loads((model.path / "manifest.json").read_text())
    assert data["manifest"]["provenance"] == on_disk["provenance"]
    for name, graph in on_disk["graphs"].items():
        assert data["manifest"]["graphs"][name]["sha256"] == graph["sha256"]
        assert data["manifest"]["graphs"][name]["bytes"] == (model.path / graph["file"]).stat().st_size


def test_info_verbose_and_json_exclude_each_other():
    result = excolor("info", "--verbose", "--json")
    assert result.returncode == 2 and "not allowed with" in result.stderr
