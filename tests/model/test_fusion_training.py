"""The learned fusion: candidate clips recorded from the real node, training through whole clips
(exact resume), export to a model directory's fusion graph, and the node running it.

Data: pseudo-videos of real photographs (tests/support/data_root.py); base model: the seeded test
model (tests/support/node.py). These check the machinery, not how good the fusion gets (that
is benchmarks/quality.py's job on real footage).
"""
import dataclasses
import json
import shutil

import numpy as np
import pytest
import torch
from excolor.engine.fusion_graph import LearnedFusion
from excolor.engine.models import load_model_dir
from excolor.engine.node import ColorizeNode, Keyframe, Shot
from excolor.engine.optical_flow import DisMotion
from excolor.errors import CheckpointError, ModelError
from excolor.model.fusion.clips import ClipSettings, record_clips
from excolor.model.fusion.training import FusionTrainConfig, clip_loss, load_clip, run_clips, train

from tests.support.batch import excolor_seeded
from tests.support.data_root import make_root
from tests.support.node import carphone_frames, chroma_psnr, shared_test_model

SETTINGS = ClipSettings(clips=4, frames=8, size=(64, 96))
TRAIN = FusionTrainConfig(steps=4, batch=1, val_clips=1, crop=48, margin=4, checkpoint_every=2)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return shared_test_model(tmp_path_factory)


@pytest.fixture(scope="module")
def clips(tmp_path_factory, model_dir):
    root = make_root(tmp_path_factory.mktemp("data"))
    return record_clips(root, tmp_path_factory.mktemp("clips"), model_dir, SETTINGS)


def test_recorded_clips_are_what_the_node_computes(clips):
    keyed = [bool(load_clip(p)["keyed"]) for p in clips]
    assert keyed == [False, True, False, True]  # keyed and unkeyed starts, evenly spread
    for path in clips[:2]:
        clip = {name: value.numpy() for name, value in load_clip(path).items()}
        assert clip["truth_ab"].shape == (8, 2, 64, 96) and clip["history_offset"].shape == (8, 2, 64, 96)
        if not clip["keyed"]:
            assert not clip["keyframe_ab"].any()  # an exemplar only: no keyframe candidate
        else:
            assert clip["keyframe_ab"][1:].any() and not clip["keyframe_ab"][0].any()
        # The history's motion is the runtime's own estimate between the clip's lightnesses.
        motion = DisMotion().motion(clip["lightness"][2], clip["lightness"][3])
        ys, xs = np.mgrid[0:64, 0:96]
        np.testing.assert_allclose(clip["history_offset"][3][0], motion.map_x - xs, atol=0.05)
        assert 0.0 <= clip["exemplar_quality"].min() and clip["exemplar_quality"].max() <= 1.0


def test_training_runs_through_clips_and_resumes_exactly(clips, tmp_path):
    whole = train(clips, tmp_path / "whole", TRAIN, log=lambda _line: None)
    half = dataclasses.replace(TRAIN, steps=2)
    train(clips, tmp_path / "parts", half, log=lambda _line: None)
    resumed = train(clips, tmp_path / "parts", TRAIN, log=lambda _line: None)
    for name, value in whole["model"].items():
        torch.testing.assert_close(resumed["model"][name], value, rtol=0, atol=0)
    assert [h["loss"] for h in whole["state"]["history"]] == [h["loss"] for h in resumed["state"]["history"]]
    assert "ab_error" in whole["state"]["val"]
    with pytest.raises(CheckpointError, match="other settings .*learning_rate"):
        train(clips, tmp_path / "parts", dataclasses.replace(TRAIN, learning_rate=1e-4), log=lambda _line: None)


def test_the_history_is_the_networks_own_output_carried(clips):
    clip = load_clip(clips[1])  # keyed: frame 1's history is the key carried
    seen = []

    def recording_net(*inputs):
        seen.append(inputs[1][:, :2].clone())
        return inputs[1][:, :2], torch.ones_like(inputs[2]) / 4, torch.ones_like(inputs[0])

    outputs = run_clips(recording_net, [clip])
    assert [t for t, *_ in outputs] == list(range(1, 8))
    # Frame 2's history is frame 1's output carried: here the history itself, carried twice.
    assert torch.abs(seen[1]).sum() > 0 and not torch.equal(seen[0], seen[1])


def test_the_global_floor_charges_an_unkeyed_frame_only_its_excess_over_the_global_colour(clips):
    unkeyed, keyed = load_clip(clips[0]), load_clip(clips[1])
    plain, floored = (dataclasses.replace(TRAIN, global_floor_weight=weight) for weight in (0.0, 4.0))

    def fusing_to(offset):
        """A net whose fused ab is the global candidate plus `offset` (ab units, on a)."""
        def net(lightness, candidate_ab, *_rest):
            ab = candidate_ab[:, 6:8].clone()
            ab[:, 0] += offset
            return ab, torch.full_like(candidate_ab[:, :4], 0.25), torch.full_like(lightness, 0.5)
        return net

    # Fused as the global colour: no excess, so the term adds nothing.
    assert clip_loss(fusing_to(0.0), [unkeyed], floored)[0] == clip_loss(fusing_to(0.0), [unkeyed], plain)[0]
    # 30 ab units off everywhere: the excess is each frame's extra mean error, weighted.
    truth, global_ab = unkeyed["truth_ab"], unkeyed["global_ab"]
    moved = global_ab.clone()
    moved[:, 0] += 30.0
    excess = (torch.sqrt(((moved - truth) ** 2).sum(1) + 1e-6).mean(dim=(1, 2))
              - torch.sqrt(((global_ab - truth) ** 2).sum(1) + 1e-6).mean(dim=(1, 2))).clamp(min=0)
    added = clip_loss(fusing_to(30.0), [unkeyed], floored)[0] - clip_loss(fusing_to(30.0), [unkeyed], plain)[0]
    assert float(excess.mean()) > 5.0
    assert float(added) == pytest.approx(4.0 * float(excess.mean()), rel=1e-4)
    # A keyed clip has its key: no floor.
    assert clip_loss(fusing_to(30.0), [keyed], floored)[0] == clip_loss(fusing_to(30.0), [keyed], plain)[0]


def test_a_checkpoint_from_before_the_global_floor_resumes_as_trained_without_it(clips, tmp_path):
    unfloored = dataclasses.replace(TRAIN, global_floor_weight=0.0)
    train(clips, tmp_path / "run", dataclasses.replace(unfloored, steps=2), log=lambda _line: None)
    saved = torch.load(tmp_path / "run" / "last.pt", weights_only=False)
    del saved["config"]["global_floor_weight"]  # as written before the setting existed
    torch.save(saved, tmp_path / "run" / "last.pt")
    assert train(clips, tmp_path / "run", unfloored, log=lambda _line: None)["state"]["step"] == 4
    with pytest.raises(CheckpointError, match="global_floor_weight"):
        train(clips, tmp_path / "run", dataclasses.replace(unfloored, steps=6, global_floor_weight=1.0),
              log=lambda _line: None)


@pytest.mark.slow
def test_cli_trains_and_exports_a_model_the_node_fuses_with(tmp_path, model_dir):
    root = make_root(tmp_path / "data")
    result = excolor_seeded("train-fusion", root, tmp_path / "run", "--base-model", model_dir, "--clips", 10,
                      "--frames", 8, "--size", "64x96", "--steps", 2, "--export", tmp_path / "model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    model = load_model_dir(tmp_path / "model")
    assert max(model.manifest.parity["fusion"].values()) < 1e-4
    record = model.manifest.provenance["fusion"]
    assert record["steps"] == 2 and record["training_wall_time_s"] > 0 and "hardware" in record
    again = excolor_seeded("train-fusion", root, tmp_path / "run", "--clips", 10, "--export", tmp_path / "model",
                     cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr  # nothing the user had is replaced

    frames = carphone_frames(6)
    plates = np.repeat((frames @ np.array([0.299, 0.587, 0.114], np.float32))[..., None], 3, axis=3)
    node = ColorizeNode(tmp_path / "model", device="cpu")
    node.source = lambda n: plates[n]
    node.shots = [Shot(0, 5, [Keyframe(frames[0], frame=0)])]
    assert isinstance(node._fusion, LearnedFusion)
    for n in range(6):
        node.render(n)
    usage = node.candidate_usage()
    assert sum(usage.values()) == pytest.approx(1.0, abs=1e-5)
    assert usage["history"] > 0 and usage["keyframe"] > 0  # from a pinned keyframe: its carried colours
    assert chroma_psnr(node.render(0), frames[0]) >= 45.0  # the keyed frame comes back as keyed
    node.shots = [Shot(0, 5, [Keyframe(frames[0], "none")])]  # never pinned: the exemplar and global colour too
    node.reset_candidate_usage()
    for n in range(6):
        node.render(n)
    usage = node.candidate_usage()
    assert all(usage[c] > 0 for c in ("history", "exemplar", "global")) and usage["keyframe"] == 0


def test_a_model_directory_with_an_unknown_graph_is_refused(model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["graphs"]["denoise"] = manifest["graphs"]["reference"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="does not know: denoise"):
        load_model_dir(copy)
