"""Training on real photos: the loss falls, seeds reproduce, resume is exact, CLI end to end."""
import csv
import dataclasses

import pytest
import torch
from excolor.files import file_sha256
from excolor.model.data import PseudoVideoConfig, PseudoVideoDataset
from excolor.model.discriminator import VideoDiscriminator
from excolor.model.lite import LiteColorizer, LiteConfig, load_checkpoint
from excolor.model.training import LossWeights, TrainConfig, Trainer
from excolor.model.training.objective import Objective, rollout
from excolor.model.training.trainer import collate, make_optimizer

from tests.support.batch import excolor_seeded
from tests.support.data_root import make_root

SIZE = (64, 128)
DATA = PseudoVideoConfig(frames=2, items_per_picture=4, sources=("images",), val_fraction=0.3)
CONFIG = TrainConfig(steps=3, batch_size=1, size=SIZE, checkpoint_every=1, seed=3)
# A narrow lite network: the same code paths as the default, a fraction of the cost on 2 cores.
SMALL = LiteConfig(encoder_widths=(8, 16, 16), feature_channels=16, match_channels=8,
                   colorizer_widths=(8, 16, 16), head_channels=8, motion_radius=1, motion_channels=8)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_root(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def dataset(root):
    return PseudoVideoDataset(root, "train", SIZE, seed=0, config=DATA)


def losses_of(folder):
    with open(folder / "losses.csv", newline="") as handle:
        return [(row["step"], row["total"], row["l1"], row["discriminator"]) for row in csv.DictReader(handle)]


@pytest.mark.slow
def test_steps_on_real_photos_reduce_the_loss_and_change_the_weights(dataset):
    torch.manual_seed(0)
    config = dataclasses.replace(CONFIG, learning_rate=2e-3, feature_net="none",
                                 weights=LossWeights(adversarial=0.0))
    model, discriminator = LiteColorizer(SMALL), VideoDiscriminator()
    objective = Objective(config, discriminator)
    optimizer = make_optimizer(model.parameters(), config)
    batch = collate([dataset[0]])
    before = {k: v.clone() for k, v in model.state_dict().items()}

    def loss_now(step):
        run = rollout(model, batch, 0.5, torch.Generator().manual_seed(0))
        return objective.generator_loss(run, discriminator, batch, step)[0]

    with torch.no_grad():
        first = float(loss_now(0))
    for step in range(12):
        loss = loss_now(step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        assert float(loss_now(12)) < 0.8 * first
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, before[k])]
    assert any(k.startswith("reference_encoder.encoder") for k in changed)
    assert any(k.startswith("colorization.") for k in changed)


@pytest.mark.slow
def test_same_seed_same_losses_and_resume_is_exact(dataset, tmp_path):
    whole = Trainer(CONFIG, dataset, tmp_path / "whole", model_config=SMALL)
    whole.run()
    again = Trainer(dataclasses.replace(CONFIG, steps=1), dataset, tmp_path / "again", model_config=SMALL)
    again.run()
    assert losses_of(tmp_path / "again") == losses_of(tmp_path / "whole")[:1]
    # Interrupted after step 1 (its last.pt), then resumed by a new trainer to step 3.
    resumed = Trainer(CONFIG, dataset, tmp_path / "again", model_config=SMALL)
    assert resumed.step == 1
    resumed.run()
    assert losses_of(tmp_path / "again") == losses_of(tmp_path / "whole")
    for a, b in zip(resumed.model.state_dict().values(), whole.model.state_dict().values()):
        assert torch.equal(a, b)
    model = load_checkpoint(tmp_path / "again" / "last.pt")
    assert model.train_info["steps"] == 3 and model.train_info["samples_seen"] == 3
    assert model.train_info["train_config"]["seed"] == 3


def test_resume_refuses_other_settings(dataset, tmp_path):
    Trainer(dataclasses.replace(CONFIG, steps=1), dataset, tmp_path / "run", model_config=SMALL).run()
    from excolor.errors import CheckpointError

    with pytest.raises(CheckpointError, match="last.pt.*other settings.*batch_size"):
        Trainer(dataclasses.replace(CONFIG, batch_size=2), dataset, tmp_path / "run", model_config=SMALL)
    with pytest.raises(CheckpointError, match="last.pt.*another lite config"):
        Trainer(CONFIG, dataset, tmp_path / "run")


def test_train_config_rejects_bad_values():
    with pytest.raises(ValueError, match="multiples of 64"):
        TrainConfig(size=(60, 128))
    with pytest.raises(ValueError, match="needs --device cuda"):
        TrainConfig(precision="bf16")
    with pytest.raises(ValueError, match="bad loss weight 'gan=1'"):
        LossWeights.parse("gan=1")
    assert LossWeights.parse("adversarial=0, l1=3").l1 == 3.0


@pytest.mark.slow
def test_cli_trains_then_exports_the_checkpoint(root, tmp_path):
    result = excolor_seeded("train", root, tmp_path / "run", "--steps", 2, "--batch-size", 1,
                      "--size", "64x128", "--threads", 1, "--checkpoint-every", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "trained 2 steps" in result.stdout
    assert len(losses_of(tmp_path / "run")) == 2
    result = excolor_seeded("export", tmp_path / "run" / "last.pt", tmp_path / "model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from excolor.engine.models import load_model_dir

    manifest = load_model_dir(tmp_path / "model").manifest
    assert manifest.architecture == "lite" and manifest.provenance["training"]["steps"] == 2
    assert manifest.size_rule.default_long_side == 256


def test_cli_errors_are_clear(root, tmp_path):
    result = excolor_seeded("train", root, tmp_path / "run", "--size", "60x100", cwd=tmp_path)
    assert result.returncode == 2 and "multiples of 64" in result.stderr
    result = excolor_seeded("train", tmp_path / "nowhere", tmp_path / "run", cwd=tmp_path)
    assert result.returncode == 3 and "nowhere" in result.stderr
    result = excolor_seeded("train", root, tmp_path / "run", "--weights", "gan=1", cwd=tmp_path)
    assert result.returncode == 2 and "gan=1" in result.stderr


def test_foreign_l1_asks_foreign_samples_for_the_true_colours(dataset):
    """The term applies to samples whose reference is another picture, and to them only."""
    torch.manual_seed(0)
    model, discriminator = LiteColorizer(SMALL), VideoDiscriminator()
    config = dataclasses.replace(CONFIG, feature_net="none",
                                 weights=LossWeights(adversarial=0.0, foreign_l1=1.0))
    objective = Objective(config, discriminator)
    batch = collate([dataset[0], dataset[1]])
    batch["reference_kind"] = torch.tensor([1, 0])  # a similar picture, a self view
    with torch.no_grad():
        run = rollout(model, batch, 0.5, torch.Generator().manual_seed(0))
        _, metrics = objective.generator_loss(run, discriminator, batch, 0)
        expected = sum(0.5 * ((run.predicted[t][0, 1:] - run.truth[t][0, 1:]).abs().mean()
                              + (run.warped[t][0] - run.truth[t][0, 1:]).abs().mean())
                       for t in range(len(run.truth))) / len(run.truth)
        assert metrics["foreign_l1_ab_units"] == pytest.approx(float(expected), rel=1e-4)
        batch["reference_kind"] = torch.tensor([0, 2])
        run = rollout(model, batch, 0.5, torch.Generator().manual_seed(0))
        _, same_scene_only = objective.generator_loss(run, discriminator, batch, 0)
    assert same_scene_only["foreign_l1"] == 0.0
    plain = Objective(dataclasses.replace(config, weights=LossWeights(adversarial=0.0)), discriminator)
    assert "foreign_l1" not in plain.generator_loss(run, discriminator, batch, 0)[1]


def test_reference_shares_reach_the_data_and_bind_a_resume(root, tmp_path):
    result = excolor_seeded("train", root, tmp_path / "run", "--steps", 1, "--batch-size", 1,
                            "--size", "64x128", "--threads", 1, "--reference-kinds", "similar=1",
                            "--weights", "adversarial=0,foreign_l1=1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = load_checkpoint(tmp_path / "run" / "last.pt").train_info["train_config"]
    assert record["reference_shares"] == [0.0, 1.0, 0.0] and record["weights"]["foreign_l1"] == 1.0
    with open(tmp_path / "run" / "losses.csv", newline="") as handle:
        assert float(next(csv.DictReader(handle))["foreign_l1"]) > 0.0  # every clip is foreign
    result = excolor_seeded("train", root, tmp_path / "run", "--steps", 2, "--batch-size", 1,
                            "--size", "64x128", "--threads", 1, "--weights", "adversarial=0,foreign_l1=1",
                            cwd=tmp_path)
    assert result.returncode == 4 and "reference_shares" in result.stderr
    result = excolor_seeded("train", root, tmp_path / "other", "--reference-kinds", "near=1", cwd=tmp_path)
    assert result.returncode == 2 and "near=1" in result.stderr


@pytest.mark.parametrize("command", ["train", "train-fusion"])
def test_training_folders_and_data_roots_are_checked_before_any_work(root, tmp_path, command):
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    result = excolor_seeded(command, root, taken, cwd=tmp_path)
    assert result.returncode == 5 and f"training folder {taken} is a file" in result.stderr
    assert taken.read_text() == "not a folder"
    result = excolor_seeded(command, root, taken / "run", cwd=tmp_path)
    assert result.returncode == 5 and f"cannot write training folder {taken / 'run'}" in result.stderr
    empty = tmp_path / "empty"
    (empty / "images").mkdir(parents=True)
    result = excolor_seeded(command, empty, tmp_path / "run", cwd=tmp_path)
    assert result.returncode == 3 and "holds no training pictures in images/" in result.stderr
    assert not (tmp_path / "run").exists()
    assert "Traceback" not in result.stderr


def test_fusion_clip_size_is_checked_before_any_work(root, tmp_path):
    result = excolor_seeded("train-fusion", root, tmp_path / "run", "--size", "10x10", cwd=tmp_path)
    assert result.returncode == 2 and "--size must be at least 32x32, got 10x10" in result.stderr
    assert not (tmp_path / "run").exists() and "Traceback" not in result.stderr


def test_a_new_run_can_start_from_a_checkpoint(dataset, tmp_path):
    from excolor.model.lite import save_checkpoint

    torch.manual_seed(5)
    source = save_checkpoint(LiteColorizer(SMALL), tmp_path / "source.pt", steps=40)
    trainer = Trainer(CONFIG, dataset, tmp_path / "run", model_config=SMALL, init_from=source)
    assert trainer.step == 0
    for a, b in zip(trainer.model.state_dict().values(), load_checkpoint(source).state_dict().values()):
        assert torch.equal(a, b)
    started = trainer.training_record()["initialised_from"]
    assert started["steps"] == 40
    # By name and hash: the record goes into the model's manifest, a path is one machine's.
    assert started["checkpoint"] == "source.pt" and started["checkpoint_sha256"] == file_sha256(source)
    from excolor.errors import CheckpointError

    with pytest.raises(CheckpointError, match="source.pt.*another lite config"):
        Trainer(CONFIG, dataset, tmp_path / "other", init_from=source)
