"""Bounded-memory matching (excolor.model.matching): the chunked version equals the dense one,
in PyTorch and as an ONNX Loop run by ONNX Runtime at sizes other than the traced one, on real
features (the lite encoder's, seeded, on real photographs); fp16 stays finite and close."""
import inspect

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from excolor.colour.cielab import srgb_to_lab
from excolor.model.lite import LiteColorizer, LiteConfig
from excolor.model.lite.correspondence import embed
from excolor.model.matching import ChunkedMatch, dense_match, matcher
from excolor.model.official.model import Correspondence as OfficialCorrespondence
from skimage import data, transform


def _lightness(name, height, width):
    rgb = transform.resize(getattr(data, name)(), (height, width)).astype(np.float32)
    return torch.from_numpy(srgb_to_lab(rgb)[..., 0] - 50.0)[None, None]


@pytest.fixture(scope="module")
def features():
    """(frame features (1,C,h,w), reference features (1,C,hr,wr), reference ab (1,2,hr,wr))."""
    torch.manual_seed(0)
    model = LiteColorizer(LiteConfig()).eval()
    stage = model.correspondence
    with torch.no_grad():
        frame = embed(stage.encoder, stage.projector, _lightness("astronaut", 96, 136))
        reference = embed(stage.encoder, stage.projector, _lightness("coffee", 80, 120))
    rgb = transform.resize(data.coffee(), (20, 30)).astype(np.float32)
    ab = torch.from_numpy(np.moveaxis(srgb_to_lab(rgb)[..., 1:], -1, 0).copy())[None]
    return frame, reference, ab


@pytest.mark.parametrize("temperature", [None, 0.01])
@pytest.mark.parametrize("chunk", [1, 100, 816, 5000])  # 816 = all 24x34 positions in one step
def test_chunked_equals_dense_in_torch(features, temperature, chunk):
    frame, reference, ab = features
    dense = dense_match(frame, reference, ab, temperature)
    chunked = ChunkedMatch(chunk)(frame, reference, ab, temperature)
    assert dense[0].shape == (1, 2, 24, 34) and dense[1].shape == (1, 1, 24, 34)
    # Row-by-row products (chunk 1) take BLAS's matrix-vector kernel: a last-bit difference in
    # the similarity; from a few rows on the same kernel runs and the results are identical.
    if chunk == 1:
        assert (dense[1] - chunked[1]).abs().max() <= 1e-6
        assert (dense[0] - chunked[0]).abs().max() <= 1e-4
    else:
        for d, c in zip(dense, chunked):
            assert torch.equal(d, c)


def test_dense_is_the_architectures_own_matching():
    # Both architectures match with the one shared function unless export swaps in another.
    assert LiteColorizer().correspondence.match is dense_match
    assert inspect.signature(OfficialCorrespondence).parameters["match"].default is dense_match


class _Matching(torch.nn.Module):
    def __init__(self, match, temperature):
        super().__init__()
        self.match, self.temperature = match, temperature

    def forward(self, frame, reference, ab):
        return self.match(frame, reference, ab, self.temperature)


@pytest.mark.parametrize("temperature", [None, 0.01])
def test_chunked_onnx_loop_equals_dense_at_other_sizes(features, temperature, tmp_path):
    frame, reference, ab = features
    path = tmp_path / "match.onnx"
    axes = {"frame": {2: "h", 3: "w"}, "reference": {2: "hr", 3: "wr"}, "ab": {2: "hr", 3: "wr"},
            "warped": {2: "h", 3: "w"}, "confidence": {2: "h", 3: "w"}}
    torch.onnx.export(_Matching(ChunkedMatch(128), temperature), (frame, reference, ab), str(path),
                      dynamo=False, opset_version=17, input_names=["frame", "reference", "ab"],
                      output_names=["warped", "confidence"], dynamic_axes=axes)
    assert "Loop" in {node.op_type for node in onnx.load(str(path)).graph.node}
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    # Other sizes than traced: fewer, more and a non-multiple of the chunk of frame positions.
    for rows, cols in ((24, 34), (7, 9), (30, 41)):
        part = frame[:, :, :rows, :cols] if rows <= 24 else torch.nn.functional.interpolate(
            frame, size=(rows, cols), mode="bilinear")
        part = torch.nn.functional.normalize(part, dim=1)
        warped, confidence = session.run(None, {"frame": part.numpy(), "reference": reference.numpy(),
                                                "ab": ab.numpy()})
        dense = dense_match(part, reference, ab, temperature)
        assert warped.shape == (1, 2, rows, cols)
        assert np.abs(confidence - dense[1].numpy()).max() <= 1e-6
        assert np.abs(warped - dense[0].numpy()).max() <= 1e-4  # ab units (-110..110)


@pytest.mark.parametrize("temperature", [None, 0.01])
def test_chunked_is_fp16_safe(features, temperature):
    frame, reference, ab = features
    dense = dense_match(frame, reference, ab, temperature)
    half = ChunkedMatch(100)(frame.half(), reference.half(), ab.half(), temperature)
    assert all(torch.isfinite(t).all() for t in half)
    assert (half[1].float() - dense[1]).abs().max() < 2e-3  # fp16 spacing near 1 is ~5e-4
    if temperature is not None:
        assert (half[0].float() - dense[0]).abs().max() < 1.0  # ab units


def test_choices_are_explicit():
    assert matcher("dense") is dense_match
    with pytest.raises(ValueError, match="dense, chunked"):
        matcher("fused")
    with pytest.raises(ValueError, match="positive integer"):
        ChunkedMatch(0)
