"""ColorizeNode: the pull-based runtime node (ONNX Runtime + OpenColorIO, never torch).

The host sets `source` (frame number -> float32 HxWxC plate in its working space) and `shots`,
then asks `render(n)`. Internally each shot is split into runs (`excolor.engine.runs`); a frame is the
blend of one or two runs' results (`RunFrame`, chroma at the history size: the plate's up to
2K), finished at the plate's full resolution. Each run step fuses the run's history carried by
motion, a pinned keyframe carried from its own frame, the network's exemplar match and the
reference's global colour (`excolor.engine.propagation`); at the frame a keyframe is pinned to, the
output is the key. The lower-level API (`initial_state`, `step`, `compose`) is what batch and
farm drivers use; `render` is built on it, so both give the same pixels. See docs/node-api.md.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from ..colour.management import ColourConverter
from ..colour.resample import pad_edge
from ..colour.upsample import GuidedChromaUpsampler
from ..colour.work_graphs import GraphColourWork
from ..errors import InputError, StateError
from ..timing import StageTimer
from .fusion import FusionSettings
from .fusion_graph import make_fusion
from .models import ModelDir, find_model
from .graph_runtime import GraphRuntime
from .plates import checked_plate
from .propagation import CandidateUsage, Exemplar, KeyChromas, Propagation, history_lightness
from .references import L_OFFSET, ReferenceBank
from .runs import Keyframe, Run, Shot, contributions, plan_runs
from .state import KeptCache, RunFrame, RunState, blend_frames
from .tuning import NodeTuning, colour_work_for

__all__ = [
    "ColorizeNode", "NodeTuning", "FusionSettings", "Shot", "Keyframe", "Run", "RunFrame", "RunState", "FrameResult",
    "NetworkLayout", "NodeStats", "plan_runs", "contributions", "blend_frames",
]

PINNED_STARTS = ("reference", "zeros")


@dataclasses.dataclass(frozen=True)
class NetworkLayout:
    """A plate at network size: scaled to content_h x content_w, edge-padded to net_h x net_w."""

    net_h: int
    net_w: int
    content_h: int
    content_w: int


@dataclasses.dataclass(frozen=True, eq=False)
class FrameResult:
    """A finished frame: image (H,W,C) float32 like the plate; confidence (H,W) float32 0..1."""

    frame: int
    image: np.ndarray
    confidence: np.ndarray


@dataclasses.dataclass(frozen=True)
class NodeStats:
    steps: int
    reference_encodes: int
    reference_cache_hits: int
    kept_bytes: int
    kept_items: int


@dataclasses.dataclass(frozen=True, eq=False)
class _Plate:
    """One source frame prepared for the network (memoised for the frame last pulled)."""

    frame: int
    full: object  # excolor.colour.work.FullPlate: as pulled (float32, RGB sanitised) and its L
    l_content: np.ndarray  # (content_h, content_w) L 0..100
    l_history: np.ndarray  # (h, w) L 0..100 at the history size, on the host (motion runs there)
    frame_l: np.ndarray  # (1,1,net_h,net_w) centred L, edge-padded
    layout: NetworkLayout


class ColorizeNode:
    """Exemplar-based colorization of shots of frames pulled from `source` (docs/node-api.md).

    The arguments say what the node computes (model, device, working space, network size, kept
    memory); `tuning` (a NodeTuning) only how it runs on the machine at hand.
    Not thread-safe: it keeps per-run state between calls; use one node per host thread.
    """

    def __init__(self, model=None, device="auto", network_long_side=None, ocio_config=None,
                 input_space=None, saturation=None, memory_budget_mb=512,
                 pinned_start="reference", input_kind="video", *, fusion=None, tuning=None, **deprecated):
        # io_binding=, threads= and colour_graphs= were keywords before NodeTuning.
        tuning = NodeTuning.from_arguments(tuning, deprecated)
        self.model = model if isinstance(model, ModelDir) else find_model(model)
        manifest = self.model.manifest
        rule = manifest.size_rule
        self.network_long_side = rule.default_long_side if network_long_side is None else int(network_long_side)
        if not rule.min_side <= self.network_long_side <= rule.max_side:
            raise ValueError(
                f"network_long_side {self.network_long_side} is outside this model's range "
                f"{rule.min_side}..{rule.max_side}"
            )
        if pinned_start not in PINNED_STARTS:
            raise ValueError(f"pinned_start must be one of {PINNED_STARTS}, got {pinned_start!r}")
        if memory_budget_mb is None or memory_budget_mb < 0:
            raise ValueError(f"memory_budget_mb must be >= 0, got {memory_budget_mb}")
        self.pinned_start = pinned_start
        self.saturation = float(manifest.saturation if saturation is None else saturation)
        if not self.saturation >= 0:
            raise ValueError(f"saturation must be >= 0, got {saturation}")
        self._timer = StageTimer()
        self._runtime = GraphRuntime(self.model, device, io_binding=tuning.io_binding, threads=tuning.threads,
                                     timer=self._timer)
        self.device = self._runtime.device
        if manifest.precision == "fp16" and self.device == "cpu":
            # ONNX Runtime's CPU kernels compute most fp16 ops in fp32 between casts.
            warnings.warn(f"{self.model.path}: an fp16 model on the CPU runs slower than the same "
                          "model exported at fp32 (fp16 model directories are for GPUs)")
        self._colour = ColourConverter(config=ocio_config, input_space=input_space,
                                       input_kind=input_kind)
        upsampler = GuidedChromaUpsampler(providers=self._runtime.providers,
                                          session_options=self._runtime.session_options)
        self._colour_work = colour_work_for(tuning, self._colour, self._runtime, upsampler, self._timer)
        self._references = ReferenceBank(self._colour, self._runtime, rule, self.network_long_side)
        # FusionSettings, or a caller's own fusion (excolor.engine.propagation.Propagation says what).
        fusion = FusionSettings() if fusion is None else fusion
        fusion = make_fusion(fusion, self._runtime.sessions) if isinstance(fusion, FusionSettings) else fusion
        self._propagation = Propagation(upsampler, fusion, self._timer)
        self._usage = CandidateUsage()
        self._keys = KeyChromas(self._references)
        self._kept = KeptCache(int(memory_budget_mb * 2**20))
        self._source = None
        self._shots = ()
        self._runs = ()
        self._plate = None
        self._finished = None
        self._steps = 0

    # -- inputs --------------------------------------------------------------------------------
    @property
    def source(self):
        return self._source

    @source.setter
    def source(self, source):
        if source is not None and not callable(source):
            raise ValueError(f"source must be a callable frame -> image, got {type(source).__name__}")
        self._source = source
        self.clear_cache()

    @property
    def shots(self):
        return list(self._shots)

    @shots.setter
    def shots(self, shots):
        shots = tuple(shots)
        for shot in shots:
            if not isinstance(shot, Shot):
                raise ValueError(f"shots must be Shot objects, got {type(shot).__name__}")
        ordered = sorted(shots, key=lambda s: s.first)
        for before, after in zip(ordered, ordered[1:]):
            if after.first <= before.last:
                raise InputError(f"shots {before.first}-{before.last} and {after.first}-{after.last} overlap")
        self._shots = shots
        self._runs = tuple(plan_runs(shot, i) for i, shot in enumerate(shots))
        self._references.forget_images()
        self.clear_cache()

    def clear_cache(self):
        """Forget kept states and results (call when the source's pixels changed upstream)."""
        self._kept.clear()
        self._keys.clear()
        self._plate = None
        self._finished = None

    @property
    def colour_graphs(self):
        """True when the full-resolution colour work runs as ONNX graphs on the node's device
        (excolor.colour.work_graphs), False when it runs in numpy on the host's cores."""
        return isinstance(self._colour_work, GraphColourWork)

    @property
    def colour(self):
        """The node's ColourConverter (working space <-> display sRGB, luma coefficients)."""
        return self._colour

    @property
    def timings(self):
        """{stage: excolor.timing.StageTime} accumulated since the node was made or
        `reset_timings()`: read, colour_in, reference, correspondence, colorization, motion,
        fusion, chroma, colour_out (wall seconds and calls; ORT runs are synchronous, CUDA included)."""
        return self._timer.snapshot()

    def reset_timings(self):
        self._timer.reset()

    def candidate_usage(self):
        """{candidate: mean per-pixel weight} over the frames fused since the node was made or
        `reset_candidate_usage()` (keyed frames, which are not fused, left out); names from
        excolor.engine.fusion.CANDIDATES."""
        return self._usage.means()

    def reset_candidate_usage(self):
        self._usage.reset()

    @property
    def stats(self):
        return NodeStats(self._steps, self._references.encodes, self._references.cache_hits,
                         self._kept.bytes, len(self._kept))

    # -- layout and plates ---------------------------------------------------------------------
    def network_size(self, plate_height, plate_width):
        """The NetworkLayout for a plate size (aspect kept, padded up to the model's multiples)."""
        rule = self.model.manifest.size_rule
        net_h, net_w = rule.fit(plate_height, plate_width, self.network_long_side)
        scale = min(net_h / plate_height, net_w / plate_width)
        content_h = min(net_h, max(1, round(plate_height * scale)))
        content_w = min(net_w, max(1, round(plate_width * scale)))
        return NetworkLayout(net_h, net_w, content_h, content_w)

    def _pull(self, frame):
        """The prepared plate for a frame (memoised for the last frame pulled)."""
        if self._plate is not None and self._plate.frame == frame:
            return self._plate
        if self._source is None:
            raise InputError("the node has no source: set node.source = callable(frame) -> image")
        with self._timer.stage("read"):
            plate = self._source(frame)
        with self._timer.stage("colour_in"):
            self._plate = self._prepare(frame, plate)
        return self._plate

    def _prepare(self, frame, plate):
        """A pulled image -> _Plate (checked, sanitised, display L at full and network size)."""
        plate = checked_plate(frame, plate)
        layout = self.network_size(*plate.shape[:2])
        full, l_content = self._colour_work.lightness(plate, layout.content_h, layout.content_w)
        frame_l = pad_edge(l_content - np.float32(L_OFFSET), layout.net_h, layout.net_w)
        l_history = history_lightness(full.lightness_on_host(), full.height, full.width)
        return _Plate(frame, full, l_content, l_history,
                      np.ascontiguousarray(frame_l[None, None], dtype=np.float32), layout)

    def shot_index(self, frame):
        """Index in `shots` of the shot holding `frame`, or None."""
        for index, shot in enumerate(self._shots):
            if frame in shot:
                return index
        return None

    def _shot_of(self, frame):
        index = self.shot_index(frame)
        if index is None:
            ranges = ", ".join(f"{s.first}-{s.last}" for s in self._shots) or "none"
            raise InputError(f"frame {frame} is in no shot (shots: {ranges})")
        return index

    # -- runs (batch / farm API) ---------------------------------------------------------------
    def runs(self, shot_index):
        """The runs of shot `shot_index` (forward and backward chains from its keyframes)."""
        return self._runs[shot_index]

    def contributions(self, frame):
        """((Run, weight), ...) that make up `frame`: one run, or two blended by distance."""
        return contributions(self._runs[self._shot_of(frame)], frame)

    def _keyframe(self, run):
        return self._shots[run.shot].keyframes[run.keyframe]

    def initial_state(self, run):
        """The state before a run's first frame: empty (L=50, ab=0), or, for a run starting at a
        pinned keyframe with pinned_start='reference', the keyframe itself (propagation)."""
        layout = self._pull(run.start).layout
        if run.from_pinned and self.pinned_start == "reference":
            with self._timer.stage("reference"):
                previous = self._references.start_lab(self._keyframe(run), layout)
        else:
            previous = np.zeros((1, 3, layout.net_h, layout.net_w), np.float32)
        return RunState(run.name, run.start - run.direction, self._runtime.to_device(previous))

    def state_from_arrays(self, run, arrays, where=None):
        """A RunState from `RunState.to_arrays()` output, checked against `run`."""
        where = where or f"state of {run.name}"
        state = RunState.from_arrays(arrays, where)
        if state.run_name != run.name:
            raise StateError(f"{where}: belongs to run {state.run_name}, not {run.name}")
        if not (run.covers(state.frame) or state.frame == run.start - run.direction):
            raise StateError(f"{where}: frame {state.frame} is outside run {run.name}")
        return RunState(run.name, state.frame, self._runtime.to_device(state.previous_lab),
                        state.history_ab, state.history_l)

    def step(self, run, state):
        """Render the run's next frame: -> (RunFrame, RunState after that frame)."""
        if state.run_name != run.name:
            raise StateError(f"state of run {state.run_name} given to run {run.name}")
        frame = state.frame + run.direction
        if not run.covers(frame):
            raise ValueError(f"run {run.name} has rendered its last frame {run.end}")
        plate = self._pull(frame)
        layout = plate.layout
        if state.shape != (1, 3, layout.net_h, layout.net_w):
            raise InputError(f"frame {frame}: plate size {plate.full.width}x{plate.full.height} gives "
                             f"network size {layout.net_w}x{layout.net_h}, but run {run.name} runs at "
                             f"{state.shape[3]}x{state.shape[2]} (plates of one shot must share a size)")
        exemplar, previous = None, state.previous_lab
        if self._propagation.needs_exemplar(state.history_ab is not None, run.from_pinned):  # else no network
            with self._timer.stage("reference"):
                code = self._references.code(self._keyframe(run))
            ab, confidence, previous = self._runtime.step(plate.frame_l, code, state.previous_lab)
            self._steps += 1
            crop = (0, slice(None), slice(0, layout.content_h), slice(0, layout.content_w))
            exemplar = Exemplar(plate.l_content, ab[crop] * np.float32(self.saturation), confidence[crop][0])
        key = self._key_chroma(self._keyframe(run), plate) if run.from_pinned else None
        if key is not None and frame == self._keyframe(run).frame:
            # Keyframes are law: the key's own frame is the key, and the run goes on from it.
            fused_ab, matte = key.ab, np.ones(key.ab.shape[1:], np.float32)
        else:
            history = None if state.history_ab is None else (state.history_ab, state.history_l)
            global_chroma = self._keys.lightness_chroma(self._keyframe(run))
            propagated = self._propagation.frame(plate.l_history, history, key, exemplar, global_chroma)
            self._usage.add(propagated.weights)
            fused_ab, matte = propagated.ab, propagated.matte
        result = RunFrame(run.name, frame, fused_ab, matte[None])
        return result, RunState(run.name, frame, previous, fused_ab, plate.l_history)

    def _key_chroma(self, keyframe, plate):
        """A pinned keyframe's KeyChroma for this plate's size (its frame's plate pulled once)."""
        def lightness():
            return (plate if plate.frame == keyframe.frame else self._pull(keyframe.frame)).l_history
        return self._keys.get(keyframe, plate.full.height, plate.full.width, lightness)

    def compose(self, frame, results):
        """The finished frame from its runs' RunFrames ({run key: RunFrame}); pulls the plate."""
        pairs = []
        for run, weight in self.contributions(frame):
            result = results.get(run.name)
            if result is None:
                raise StateError(f"frame {frame}: no result of run {run.name} to compose")
            if result.frame != frame:
                raise StateError(f"frame {frame}: the result of run {run.name} is for frame {result.frame}")
            pairs.append((result, weight))
        return self._finish(frame, blend_frames(pairs, frame))

    def _finish(self, frame, blended):
        plate = self._pull(frame)
        if blended.ab.shape[1:] != plate.l_history.shape:
            raise StateError(
                f"frame {frame}: result at {blended.ab.shape[1:]} does not fit this plate's "
                f"history size {plate.l_history.shape}"
            )
        pinned = [k for k in self._shots[self._shot_of(frame)].keyframes if k.frame == frame]
        if pinned:  # keyframes are law, at the plate's resolution beyond the history cap too
            key = self._key_chroma(pinned[0], plate)
            image, confidence = self._colour_work.finish_full(plate.full, key.ab_plate,
                                                              np.ones(key.ab_plate.shape[1:], np.float32))
        elif blended.ab.shape[1:] == (plate.full.height, plate.full.width):
            image, confidence = self._colour_work.finish_full(plate.full, blended.ab, blended.confidence[0])
        else:
            image, confidence = self._colour_work.finish(plate.full, plate.l_history, blended.ab,
                                                         blended.confidence[0])
        return FrameResult(frame, image, confidence)

    # -- pull API (hosts) ----------------------------------------------------------------------
    def _run_frame(self, run, frame):
        """One run's RunFrame for `frame`, from the cache or replayed from its nearest kept state."""
        cached = self._kept.get(("result", run.name, frame))
        if cached is not None:
            return cached
        state = None
        for kept_frame in range(frame - run.direction, run.start - 2 * run.direction, -run.direction):
            state = self._kept.get(("state", run.name, kept_frame))
            if state is not None:
                break
        if state is None:
            state = self.initial_state(run)
        while state.frame != frame:
            result, state = self.step(run, state)
            self._kept.put(("state", run.name, state.frame), state)
            self._kept.put(("result", run.name, state.frame), result)
        return result

    def render_result(self, frame):
        """FrameResult (image and confidence matte) for `frame`."""
        frame = int(frame)
        if self._finished is not None and self._finished.frame == frame:
            return self._finished
        results = {run.name: self._run_frame(run, frame) for run, _ in self.contributions(frame)}
        self._finished = self.compose(frame, results)
        return self._finished

    def render(self, frame):
        """The colorized frame: float32 HxWxC, same size and channels as the plate."""
        return self.render_result(frame).image

    def confidence(self, frame):
        """The correspondence confidence matte for `frame`: float32 HxW in 0..1."""
        return self.render_result(frame).confidence
