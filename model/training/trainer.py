"""The trainer: deterministic, resumable, logging every loss, so runs can be compared and resumed.

Determinism: the model and discriminator are built after seeding; batch k of step s is the
dataset item chosen by a per-epoch permutation seeded from (seed, epoch); the step's own random
choices come from a generator seeded from (seed, step). So step s sees the same data and the
same choices whether the run was interrupted or not, and a resume from `last.pt` (written
atomically every `checkpoint_every` steps with model, discriminator and optimiser states)
continues the exact loss sequence.
"""
import contextlib
import dataclasses
import logging
import platform
import time
from pathlib import Path

import torch

from excolor.errors import CheckpointError
from excolor.files import file_sha256

from ..discriminator import VideoDiscriminator
from ..lite import LiteColorizer, LiteConfig
from ..lite.checkpoint import checkpoint_payload, load_checkpoint, write_payload
from .config import TrainConfig
from .logs import CsvLog
from .objective import Objective, rollout

log = logging.getLogger(__name__)
LAST_CHECKPOINT = "last.pt"
WEIGHT_FREE = ("temperature", "motion_temperature", "default_long_side", "min_side", "max_side")
LOG_NAME = "losses.csv"


def make_optimizer(parameters, config):
    """AMSGrad with the paper's betas (0.5, 0.999) and learning rate."""
    return torch.optim.Adam(parameters, lr=config.learning_rate, betas=config.betas, amsgrad=True)


def collate(items):
    """Stack dataset items (dicts of tensors / ints) into a batch dict."""
    batch = {}
    for key in items[0]:
        values = [item[key] for item in items]
        if isinstance(values[0], torch.Tensor):
            batch[key] = torch.stack(values)
        elif isinstance(values[0], (int, float, bool)):
            batch[key] = torch.tensor(values)
    return batch


class Trainer:
    """Trains a LiteColorizer on `dataset` (PseudoVideoDataset contract) into `out_dir`.

    If `out_dir/last.pt` exists the run resumes from it (its model config and training config
    must match what is asked; a changed `steps` is allowed, to extend a run). Otherwise, with
    `init_from` (a lite checkpoint of the same config), a new run starts from those weights
    (fresh optimisers and step count; the source is recorded in the training record).
    """

    def __init__(self, config, dataset, out_dir, model_config=None, data_record=None, init_from=None):
        if not isinstance(config, TrainConfig):
            raise TypeError("Trainer needs a TrainConfig")
        if len(dataset) == 0:
            raise ValueError("the training dataset is empty")
        self.config = config
        self.dataset = dataset
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.data_record = data_record or {}
        self.device = torch.device(config.device)
        torch.manual_seed(config.seed)
        self.model = LiteColorizer(model_config or LiteConfig()).to(self.device)
        self.discriminator = VideoDiscriminator().to(self.device)
        self.optimizer_g = make_optimizer(self.model.parameters(), config)
        self.optimizer_d = make_optimizer(self.discriminator.parameters(), config)
        self.scaler = torch.amp.GradScaler("cuda") if config.precision == "fp16" else None
        self.objective = Objective(config, self.discriminator)
        self.step = 0
        self.wall_s = 0.0
        self.last_metrics = {}
        self._permutations = {}
        self.initialised_from = {}
        self.log = CsvLog(self.out_dir / LOG_NAME)
        if (self.out_dir / LAST_CHECKPOINT).exists():
            self._resume(self.out_dir / LAST_CHECKPOINT)
        elif init_from is not None:
            self._initialise(init_from)

    # -- data ------------------------------------------------------------------------------
    def _index(self, position):
        size = len(self.dataset)
        epoch, offset = divmod(position, size)
        if epoch not in self._permutations:
            self._permutations = {epoch: torch.randperm(
                size, generator=torch.Generator().manual_seed(self.config.seed * 100_003 + epoch)
            )}
        return int(self._permutations[epoch][offset])

    def batch_for(self, step):
        """The collated batch of `step` (a pure function of seed and step), on the device."""
        first = step * self.config.batch_size
        items = [self.dataset[self._index(first + k)] for k in range(self.config.batch_size)]
        return {k: v.to(self.device) for k, v in collate(items).items()}

    # -- one step ----------------------------------------------------------------------------
    def _autocast(self):
        if self.config.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.config.precision == "bf16" else torch.float16
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    def _backward_step(self, loss, optimizer):
        optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            loss.backward()
            optimizer.step()
        else:
            self.scaler.scale(loss).backward()
            self.scaler.step(optimizer)
            self.scaler.update()

    def train_step(self):
        """Run step `self.step` (generator, then discriminator); returns its metrics."""
        started = time.perf_counter()
        step = self.step
        batch = self.batch_for(step)
        generator = torch.Generator().manual_seed(self.config.seed * 1_000_003 + step)
        self.model.train()
        self.discriminator.train()
        with self._autocast():
            run = rollout(self.model, batch, self.config.previous_zero_probability, generator)
            loss_g, metrics = self.objective.generator_loss(run, self.discriminator, batch, step)
        if not torch.isfinite(loss_g):
            raise FloatingPointError(f"step {step}: generator loss is {float(loss_g)} ({metrics})")
        self._backward_step(loss_g, self.optimizer_g)
        if self.config.weights.adversarial > 0 and len(run.predicted) > 1:
            with self._autocast():
                loss_d, d_metrics = self.objective.discriminator_loss(run, self.discriminator)
            self._backward_step(loss_d, self.optimizer_d)
            metrics.update(d_metrics)
        self.step += 1
        self.wall_s += time.perf_counter() - started
        metrics.update(step=self.step, wall_s=round(self.wall_s, 3))
        self.last_metrics = metrics
        self.log.append(metrics)
        return metrics

    # -- checkpoints -------------------------------------------------------------------------
    def training_record(self):
        """What the checkpoint (and later the model's manifest) records about this training."""
        return {
            "steps": self.step,
            "wall_time_s": round(self.wall_s, 1),
            "samples_seen": self.step * self.config.batch_size,
            "hardware": _hardware(self.device),
            "torch": str(torch.__version__),
            "train_config": _jsonable(self.config.to_json()),
            "data": self.data_record,
            "last_losses": {k: v for k, v in self.last_metrics.items() if isinstance(v, float)},
            "initialised_from": self.initialised_from,
        }

    def save(self, path=None):
        payload = checkpoint_payload(self.model, **self.training_record())
        payload["resume"] = {
            "step": self.step,
            "wall_s": self.wall_s,
            "discriminator": self.discriminator.state_dict(),
            "optimizer_g": self.optimizer_g.state_dict(),
            "optimizer_d": self.optimizer_d.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler is not None else {},
        }
        return write_payload(payload, path or self.out_dir / LAST_CHECKPOINT)

    def _initialise(self, path):
        model = load_checkpoint(path)
        # Settings that change no weight (temperatures, size rule) may differ: a new run may,
        # e.g., match at another temperature than the run it starts from.
        ours = dataclasses.replace(model.config, **{k: getattr(self.model.config, k) for k in WEIGHT_FREE})
        if ours != self.model.config:
            raise CheckpointError(f"{path}: made with another lite config ({model.config}); cannot start from it")
        self.model.load_state_dict(model.state_dict())
        self.initialised_from = {  # the checkpoint by name and hash: its path is one machine's
            "checkpoint": Path(path).name,
            "checkpoint_sha256": file_sha256(path),
            "steps": model.train_info.get("steps"),
            "wall_time_s": model.train_info.get("wall_time_s"),
            "train_config": model.train_info.get("train_config"),
            "model_config": model.config.to_json(),
            "initialised_from": model.train_info.get("initialised_from") or None,
        }

    def _resume(self, path):
        model, payload = load_checkpoint(path, with_payload=True)
        if model.config != self.model.config:
            raise CheckpointError(
                f"{path}: made with another lite config ({model.config}); use a new output folder"
            )
        saved = dict(payload["training"].get("train_config", {}))
        asked = _jsonable(self.config.to_json())
        differing = sorted(k for k in asked if k != "steps" and saved.get(k) != asked[k])
        if differing:
            raise CheckpointError(
                f"{path}: the training there used other settings ({', '.join(differing)}); resume it "
                "with the same settings or train into a new output folder"
            )
        resume = payload.get("resume")
        if not isinstance(resume, dict):
            raise CheckpointError(f"{path}: has no resume state (not written by the trainer)")
        self.model.load_state_dict(model.state_dict())
        self.discriminator.load_state_dict(resume["discriminator"])
        self.optimizer_g.load_state_dict(resume["optimizer_g"])
        self.optimizer_d.load_state_dict(resume["optimizer_d"])
        if self.scaler is not None and resume.get("scaler"):
            self.scaler.load_state_dict(resume["scaler"])
        self.step = int(resume["step"])
        self.wall_s = float(resume["wall_s"])
        self.last_metrics = dict(payload["training"].get("last_losses", {}))
        self.initialised_from = dict(payload["training"].get("initialised_from") or {})
        self.log.truncate_after(self.step)
        log.info("resuming %s at step %d", path, self.step)

    # -- the loop ----------------------------------------------------------------------------
    def run(self, progress=None):
        """Train up to config.steps, checkpointing every config.checkpoint_every steps and at
        the end. `progress`: a tqdm-like object with update(n) and set_postfix(dict), or None."""
        while self.step < self.config.steps:
            metrics = self.train_step()
            if progress is not None:
                progress.update(1)
                progress.set_postfix({"loss": f"{metrics['total']:.4f}"}, refresh=False)
            if self.step % self.config.checkpoint_every == 0 or self.step == self.config.steps:
                self.save()
        return self.out_dir / LAST_CHECKPOINT


def _hardware(device):
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (cuda)"
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"


def _jsonable(value):
    """Tuples -> lists, dataclass dicts stay dicts: the form a JSON round trip gives."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
