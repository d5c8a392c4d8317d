"""Training FusionNet on recorded candidate clips, through whole clips (back-propagation
through time): each frame's history candidate is the network's own previous output carried
along the clip's recorded motion, as at inference, so the network learns what drift costs.

The loss per fused frame: a smooth L1 on ab against the truth (its beta in ab units, one for
keyed and one for unkeyed clips: FusionTrainConfig), plus a binary cross-entropy teaching the
matte to predict whether the fused ab is within MATTE_THRESHOLD of the truth. Batches are a pure function of (seed, step), so a resumed training
continues exactly as an uninterrupted one.
"""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from excolor.errors import CheckpointError
from excolor.files import replacing

from excolor.engine.fusion import CANDIDATES, FusionSettings

from .network import FusionNet, FusionNetConfig

# ab error (Euclidean, CIELAB units) above which a pixel counts as wrong for the matte.
MATTE_THRESHOLD = 5.0


@dataclasses.dataclass(frozen=True)
class FusionTrainConfig:
    """steps, batch (clips per step, all keyed or all unkeyed), learning_rate (Adam, cosine
    decay to 5 % at `decay_steps`, flat after it: a training extended to more steps keeps the
    schedule it had), matte_weight (the matte's loss against the chroma's), keyed_beta and
    unkeyed_beta (the chroma loss's smooth-L1 beta, ab units, for keyed and unkeyed clips: a
    large beta is a squared error, which pays for hedging between candidates that may both be
    wrong, as an unpinned reference's exemplar and global colour are; a small one keeps a
    keyed run's carried colours sharp),
    global_floor_weight (unkeyed clips: the weight of a frame's excess of ab error over the
    global candidate's own, so that a reference whose exemplar match is wrong costs no more
    than the colour by lightness alone; 0: no such term),
    val_clips (the last clips of the folder, held out), crop (side of the square window each
    step trains on, the same through a clip), margin (pixels inside a crop's edges not
    scored), checkpoint_every, seed, net."""

    steps: int = 3000
    decay_steps: int = 3000
    batch: int = 2
    learning_rate: float = 3e-3
    matte_weight: float = 0.1
    keyed_beta: float = 2.0
    unkeyed_beta: float = 12.0
    global_floor_weight: float = 0.0
    val_clips: int = 24
    crop: int = 112
    margin: int = 12
    checkpoint_every: int = 50
    seed: int = 0
    net: FusionNetConfig = FusionNetConfig()


# Settings added after checkpoints were first written, with the value those checkpoints were
# trained with (they resume only under it).
SETTINGS_BEFORE_THEY_WERE_RECORDED = {"global_floor_weight": 0.0}


def load_clip(path):
    """A recorded clip (excolor.model.fusion.clips) as float32 torch tensors."""
    with np.load(path) as data:
        return {name: torch.from_numpy(np.asarray(data[name], np.float32)) for name in data.files}


def _stack(clips, name):
    return torch.stack([clip[name] for clip in clips])


def _carry(previous_ab, offset):
    """previous_ab (B,2,H,W) carried along offsets (B,2,H,W), bilinear with edge replication
    (cv2.remap's INTER_LINEAR / BORDER_REPLICATE, as the node carries)."""
    _, _, height, width = previous_ab.shape
    ys, xs = torch.meshgrid(torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32),
                            indexing="ij")
    grid = torch.stack([(xs + offset[:, 0]) / (width - 1) * 2 - 1, (ys + offset[:, 1]) / (height - 1) * 2 - 1], -1)
    return F.grid_sample(previous_ab, grid, mode="bilinear", padding_mode="border", align_corners=True)


def run_clips(net, clips, settings=FusionSettings()):
    """Fuse a batch of clips (all keyed or all unkeyed) frame by frame, with the candidates
    `settings` (excolor.engine.fusion.FusionSettings) lets the node weigh for such a run.

    Returns [(t, ab (B,2,H,W), matte (B,1,H,W), weights (B,K,H,W))] for every fused frame (a
    keyed clip's frame 0 is the key, not fused)."""
    keyed = bool(clips[0]["keyed"])
    uses = settings.candidates_for(keyed)
    stacked = {name: _stack(clips, name) for name in clips[0] if name != "keyed"}
    truth = stacked["truth_ab"]
    frames, batch = truth.shape[1], truth.shape[0]
    previous = truth[:, 0] if keyed else None
    outputs = []
    for t in range(1 if keyed else 0, frames):
        at = {name: value[:, t] for name, value in stacked.items()}
        zeros1 = torch.zeros_like(at["lightness"][:, None])
        has_history = previous is not None
        history = _carry(previous, at["history_offset"]) if has_history else torch.zeros_like(at["truth_ab"])
        candidate_ab = torch.cat([history, at["keyframe_ab"], at["exemplar_ab"], at["global_ab"]], 1)
        errors = torch.cat([at["history_error"][:, None] if has_history else zeros1,
                            at["keyframe_error"][:, None], zeros1, zeros1], 1)
        quality = torch.cat([at["history_quality"][:, None] if has_history else zeros1,
                             at["keyframe_quality"][:, None], at["exemplar_quality"][:, None],
                             at["global_quality"][:, None]], 1)
        available = {"history": has_history, "keyframe": keyed, "exemplar": True, "global": True}
        present = torch.tensor([float(available[n] and n in uses) for n in CANDIDATES])
        present = present.view(1, -1, 1, 1).expand(batch, -1, 1, 1).contiguous()
        # An absent candidate's inputs are zeros, as the node feeds them.
        ab, weights, matte = net(at["lightness"][:, None], candidate_ab * present.repeat_interleave(2, dim=1),
                                 errors * present, quality * present, present)
        outputs.append((t, ab, matte, weights))
        previous = ab
    return outputs


def clip_loss(net, clips, config, margin=0, settings=FusionSettings()):
    """(loss, {term: float}) of a batch of clips fused with the candidates `settings` lets a
    run weigh (run_clips), scored `margin` pixels inside their edges (a crop's history near
    its edge misses what moved in from outside it)."""
    inner = (Ellipsis, slice(margin, -margin or None), slice(margin, -margin or None))
    truth = _stack(clips, "truth_ab")[inner]
    keyed = bool(clips[0]["keyed"])
    floor_weight = 0.0 if keyed else config.global_floor_weight
    if floor_weight:
        global_ab = _stack(clips, "global_ab")[inner]
    chroma, matte_loss, error_sum, count = 0.0, 0.0, 0.0, 0
    beta = config.keyed_beta if keyed else config.unkeyed_beta
    for t, ab, matte, _ in run_clips(net, clips, settings):
        ab, matte = ab[inner], matte[inner]
        chroma = chroma + F.smooth_l1_loss(ab, truth[:, t], beta=beta)
        if floor_weight:
            # Per clip: the fused frame's mean ab error beyond the global candidate's.
            fused_error = torch.sqrt(((ab - truth[:, t]) ** 2).sum(1) + 1e-6).mean(dim=(1, 2))
            floor = torch.sqrt(((global_ab[:, t] - truth[:, t]) ** 2).sum(1) + 1e-6).mean(dim=(1, 2))
            chroma = chroma + floor_weight * F.relu(fused_error - floor).mean()
        error = torch.sqrt(((ab.detach() - truth[:, t]) ** 2).sum(1, keepdim=True))
        right = (error <= MATTE_THRESHOLD).float()
        matte_loss = matte_loss + F.binary_cross_entropy(matte.clamp(1e-6, 1 - 1e-6), right)
        error_sum += float(error.mean())
        count += 1
    loss = (chroma + config.matte_weight * matte_loss) / count
    return loss, {"loss": float(loss.detach()), "chroma": float(chroma.detach()) / count,
                  "matte": float(matte_loss.detach()) / count,
                  "ab_error": error_sum / count}


def _batch(paths_keyed, paths_unkeyed, config, step):
    """The step's clips, each cropped to the same random window (a pure function of the step)."""
    rng = np.random.default_rng([config.seed, step])
    pool = paths_keyed if step % 2 == 0 else paths_unkeyed
    clips = [load_clip(pool[i]) for i in rng.choice(len(pool), size=config.batch, replace=False)]
    height, width = clips[0]["lightness"].shape[1:]
    crop = min(config.crop, height, width)
    top, left = int(rng.integers(0, height - crop + 1)), int(rng.integers(0, width - crop + 1))
    return [{name: (value if value.ndim == 0 else value[..., top:top + crop, left:left + crop])
             for name, value in clip.items()} for clip in clips]


def split(paths, config):
    """(train, val) paths: the last `val_clips` held out."""
    paths = sorted(paths)
    return paths[:-config.val_clips], paths[-config.val_clips:]


def evaluate(net, paths, settings=FusionSettings()):
    """Mean terms over clips `paths`, one clip at a time, without gradients."""
    totals = {}
    with torch.no_grad():
        for path in paths:
            clip = load_clip(path)
            _, terms = clip_loss(net, [clip], FusionTrainConfig(), settings=settings)
            for name, value in terms.items():
                totals[name] = totals.get(name, 0.0) + value / len(paths)
    return totals


def train(clip_paths, out_dir, config=FusionTrainConfig(), log=print, progress=None, settings=FusionSettings()):
    """Train (or resume from out_dir/last.pt, made with the same config but for `steps`) to
    config.steps, the clips fused with the candidates `settings` lets a run weigh (a study of
    FusionSettings.from_pinned; the node's default unless given); returns the checkpoint dict.
    `log(line)` gets the running and held-out losses, `progress(step)` each step."""
    torch.set_num_threads(1)  # per-pixel ops this small run slower split over threads
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_paths, val_paths = split(clip_paths, config)
    keyed = [p for p in train_paths if bool(np.load(p)["keyed"])]
    unkeyed = [p for p in train_paths if p not in set(keyed)]
    torch.manual_seed(config.seed)
    net = FusionNet(config.net)
    optimizer = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    state = {"step": 0, "wall_time_s": 0.0, "history": []}
    checkpoint_path = out_dir / "last.pt"
    if checkpoint_path.exists():
        saved = torch.load(checkpoint_path, weights_only=False)
        asked = json.loads(json.dumps(dataclasses.asdict(config)))  # tuples as the saved lists
        trained_with = {**SETTINGS_BEFORE_THEY_WERE_RECORDED, **saved["config"]}
        differing = sorted(k for k in asked if k != "steps" and trained_with.get(k) != asked[k])
        if differing:
            raise CheckpointError(f"{checkpoint_path}: the training there used other settings "
                                  f"({', '.join(differing)}); resume it with the same settings or "
                                  "train into a new training directory")
        net.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state = saved["state"]
    def schedule(step):
        return 0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(step, config.decay_steps) / config.decay_steps))

    started = time.perf_counter()
    while state["step"] < config.steps:
        step = state["step"]
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * schedule(step)
        loss, terms = clip_loss(net, _batch(keyed, unkeyed, config, step), config, config.margin, settings)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state["step"] = step + 1
        state["history"].append({"step": step + 1, **terms})
        if progress is not None:
            progress(state["step"])
        if state["step"] % config.checkpoint_every == 0 or state["step"] == config.steps:
            state["wall_time_s"] += time.perf_counter() - started
            started = time.perf_counter()
            if state["step"] == config.steps or state["step"] % (10 * config.checkpoint_every) == 0:
                state["val"] = {"step": state["step"], **evaluate(net, val_paths, settings)}
                log(f"step {state['step']}: val {state['val']}")
            saved = {"model": net.state_dict(), "optimizer": optimizer.state_dict(), "state": state,
                     "config": dataclasses.asdict(config)}
            with replacing(checkpoint_path) as temporary:
                torch.save(saved, temporary)
            recent = state["history"][-config.checkpoint_every:]
            log(f"step {state['step']}: loss {np.mean([h['loss'] for h in recent]):.4f} "
                f"ab_error {np.mean([h['ab_error'] for h in recent]):.3f} ({state['wall_time_s']:.0f} s)")
    return torch.load(checkpoint_path, weights_only=False)
