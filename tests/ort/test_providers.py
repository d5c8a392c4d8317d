"""Choosing the device from the execution providers that load, not those a build lists.

The case these tests cover is an onnxruntime-gpu build on a machine without its CUDA or cuDNN
libraries: it lists the CUDA provider, then cannot load it. No CUDA build can run on this
machine (it has the CPU-only onnxruntime), so `onnxruntime.get_available_providers` is
patched to list the CUDA provider, the one mock here: everything else is real, and the real
session excolor makes on CUDA falls back to the CPU with ONNX Runtime's own complaint.
"""
import json
import warnings

import numpy as np
import onnxruntime
import pytest
from excolor import ColorizeNode, Keyframe, Shot
from excolor.cli import main
from excolor.errors import ProviderUnavailableError
from excolor.ort import providers

from tests.support.node import carphone_frames, shared_test_model

ORT_COMPLAINT = "Specified provider 'CUDAExecutionProvider' is not in available provider names"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return shared_test_model(tmp_path_factory)


@pytest.fixture()
def fresh_probe():
    """The probe and its warning happen once per process: forget them around each test."""
    providers.cuda_status.cache_clear()
    providers._warn_cpu_fallback.cache_clear()
    yield
    providers.cuda_status.cache_clear()
    providers._warn_cpu_fallback.cache_clear()


@pytest.fixture()
def cuda_listed_not_loading(monkeypatch, fresh_probe):
    real = onnxruntime.get_available_providers
    monkeypatch.setattr(onnxruntime, "get_available_providers",
                        lambda: [providers.CUDA_PROVIDER, *real()])


def test_cpu_only_build_picks_the_cpu_without_a_warning(model_dir, fresh_probe):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ColorizeNode(model_dir, device="auto").device == "cpu"
    status = providers.cuda_status(onnxruntime)
    assert not status.offered and not status.loaded and "no CUDA provider" in status.reason


def test_auto_falls_back_to_the_cpu_with_one_warning_and_renders(model_dir, cuda_listed_not_loading):
    with pytest.warns(RuntimeWarning) as caught:
        node = ColorizeNode(model_dir, device="auto")
        again = ColorizeNode(model_dir, device="auto")
    fallbacks = [w for w in caught if "CUDA provider does not load" in str(w.message)]
    assert len(fallbacks) == 1 and ORT_COMPLAINT in str(fallbacks[0].message)
    assert node.device == again.device == "cpu"
    frames = carphone_frames(3)
    node.source = lambda n: frames[n]
    node.shots = [Shot(0, 2, [Keyframe(frames[0], frame=0)])]
    image = node.render(2)
    assert image.shape == frames[2].shape and np.isfinite(image).all()
    assert np.ptp(image[..., 0] - image[..., 2]) > 0.01  # colour, not a gray copy of the plate


def test_cuda_asked_for_is_refused_with_the_reason(model_dir, cuda_listed_not_loading):
    with pytest.raises(ProviderUnavailableError, match="device 'cuda'") as raised:
        ColorizeNode(model_dir, device="cuda")
    assert ORT_COMPLAINT in str(raised.value) and raised.value.exit_code == 4


def test_info_names_what_loaded(cuda_listed_not_loading, capsys):
    assert main(["info"]) == 0
    loaded = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("loaded"))
    assert "CPUExecutionProvider only" in loaded and "CUDAExecutionProvider does not load" in loaded
    assert ORT_COMPLAINT in loaded
    assert main(["info", "--json"]) == 0
    cuda = json.loads(capsys.readouterr().out)["onnxruntime"]["cuda"]
    assert cuda["offered"] and not cuda["loaded"] and ORT_COMPLAINT in cuda["reason"]


def test_cli_render_with_device_auto_exits_0_with_the_warning(plate, lite_model_dir, tmp_path,
                                                              cuda_listed_not_loading, capsys):
    output = tmp_path / "out" / "o.####.png"
    code = main(["colorize", plate[0], str(output), "--reference", str(plate[1]),
                 "--model", str(lite_model_dir), "--device", "auto"])
    assert code == 0
    said = [line for line in capsys.readouterr().err.splitlines() if "CUDA provider does not load" in line]
    assert len(said) == 1 and said[0].startswith("excolor colorize: warning: ") and ORT_COMPLAINT in said[0]
    assert sorted(p.name for p in output.parent.glob("o.*.png")) == [f"o.{n}.png" for n in range(1001, 1005)]
    code = main(["colorize", plate[0], str(tmp_path / "cuda" / "o.####.png"), "--reference",
                 str(plate[1]), "--model", str(lite_model_dir), "--device", "cuda"])
    assert code == 4
    assert "device 'cuda'" in capsys.readouterr().err
