"""ColorizeNode: the pull-based runtime node (ONNX Runtime + OpenColorIO, never torch).

The host sets `source` (frame number -> float32 HxWxC plate in its working space) and `shots`,
then asks `render(n)`. Before it plans, the node finds the frame of each keyframe that asks for it
(`find_reference_frames`, excolor.engine.found_frames). Internally each shot is split into runs
(`excolor.engine.runs`); a frame is the blend of one or two runs' results (`RunFrame`, chroma
at the history size: the plate's up to 2K), finished at the plate's full resolution
(`excolor.engine.finishing`). Each run step is the method's figure (`ColorizeNode.step`): gather
the frame's candidates (the run's history carried by motion, a pinned keyframe carried from its
own frame, the network's exemplar, the reference's global colour: `excolor.engine.candidates`),
fuse them (`excolor.engine.fusion`), and output the fused chroma, which is also the run's next
history; at the frame a keyframe is pinned to, the output is the key. Every frame's chroma is
channels first, (2, h, w) float32, from the candidates to the state and the result. The
lower-level API (`initial_state`, `step`, `compose`) is what batch and farm drivers use;
`render` is built on it, so both give the same pixels. See docs/node-api.md.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from ..colour.management import ColourConverter
from ..colour.upsample import GuidedChromaUpsampler
from ..colour.work_graphs import GraphColourWork
from ..errors import InputError, StateError
from ..timing import StageTimer
from .candidates import carried_candidates, exemplar_candidate, global_candidate
from .exemplar import MAX_SATURATION, ExemplarNetwork
from .finishing import FrameResult, finish_frame, refuse_other_size
from .found_frames import FoundFrame, find_frames
from .fusion import Candidates, CandidateUsage, Fused, FusionSettings
from .fusion_graph import make_fusion
from .graph_runtime import GraphRuntime
from .key_suggestions import SUGGESTED_KEYS, ConfidenceLog, KeySuggestion, suggest_keys
from .keyframe_colours import KeyChromas
from .models import ModelDir, find_model
from .plates import NetworkLayout, Plates, checked_plate, network_layout
from .references import ReferenceBank
from .render_hooks import RenderCancelled, RenderHooks
from .runs import Keyframe, Run, Shot, contributions, plan_runs
from .state import KeptCache, RunFrame, RunState, blend_frames
from .tuning import NodeTuning, colour_work_for, motion_for

__all__ = [
    "ColorizeNode", "NodeTuning", "FusionSettings", "Shot", "Keyframe", "Run", "RunFrame", "RunState", "FrameResult",
    "FoundFrame", "NetworkLayout", "NodeStats", "plan_runs", "contributions", "blend_frames", "KeySuggestion",
    "RenderCancelled",
]

PINNED_STARTS = ("reference", "zeros")


@dataclasses.dataclass(frozen=True)
class NodeStats:
    steps: int
    reference_encodes: int
    reference_cache_hits: int
    kept_bytes: int
    kept_items: int


class ColorizeNode:
    """Exemplar-based colorization of shots of frames pulled from `source` (docs/node-api.md).

    The arguments say what the node computes (model, device, working space, network size, kept
    memory); `tuning` (a NodeTuning) only how it runs on the machine at hand.
    Not thread-safe: it keeps per-run state between calls; use one node per host thread.
    """

    def __init__(self, model=None, device="auto", network_long_side=None, ocio_config=None,
                 input_space=None, saturation=None, memory_budget_mb=512,
                 pinned_start="reference", input_kind="video", *, fusion=None, tuning=None):
        tuning = NodeTuning() if tuning is None else tuning
        if not isinstance(tuning, NodeTuning):
            raise TypeError(f"tuning must be a NodeTuning, got {type(tuning).__name__}")
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
        if not 0 <= self.saturation <= MAX_SATURATION:
            raise ValueError(f"saturation must be in 0..{MAX_SATURATION:g}, got {saturation}")
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
        # One upsampler session per node: the exemplar's way to the history size and, on the
        # host, the chroma's to plates beyond the history cap.
        self._upsampler = GuidedChromaUpsampler(providers=self._runtime.providers,
                                                session_options=self._runtime.session_options)
        self._colour_work = colour_work_for(tuning, self._colour, self._runtime, self._upsampler, self._timer)
        self._plates = Plates(self._colour_work, self.network_size, self._timer)
        self._references = ReferenceBank(self._colour, self._runtime, rule, self.network_long_side)
        self._network = ExemplarNetwork(self._runtime, self._references, self.saturation, self._timer)
        self._keys = KeyChromas(self._references, display_plates=self._colour.works_in_model_space)
        self._motion = motion_for(tuning, self._runtime)
        # FusionSettings, or a caller's own fusion: a callable Candidates -> Fused with a
        # `settings` attribute (a FusionSettings: which candidates it weighs).
        fusion = FusionSettings() if fusion is None else fusion
        self._fusion = make_fusion(fusion, self._runtime.sessions) if isinstance(fusion, FusionSettings) else fusion
        self._usage = CandidateUsage()
        self._kept = KeptCache(int(memory_budget_mb * 2**20))
        self._confidences = ConfidenceLog()  # every finished frame's, for key_suggestions()
        self._given_shots = ()  # the shots as the host set them
        self._forget_plan()
        self._finished = None

    # -- inputs --------------------------------------------------------------------------------
    @property
    def source(self):
        return self._plates.source

    @source.setter
    def source(self, source):
        if source is not None and not callable(source):
            raise ValueError(f"source must be a callable frame -> image, got {type(source).__name__}")
        self._plates.source = source
        self._forget_plan()  # an auto keyframe's frame is found in the source's pixels
        self.clear_cache()

    @property
    def shots(self):
        """The shots as set, each auto keyframe replaced by the keyframe it resolved to once
        `find_reference_frames` ran (the node runs it before it first plans its runs)."""
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
        # A shot equal to the one set before at its index keeps its runs' names (shot index
        # and keyframe) and so its kept states and results; the rest are forgotten.
        runs = self._runs or ()
        keep = {run.name for index, shot in enumerate(self._given_shots[:len(shots)])
                if index < len(runs) and shots[index] == shot for run in runs[index]}
        self._given_shots = shots
        self._forget_plan()
        self._references.forget_images()
        self._keys.clear()
        self._confidences.forget()
        self._finished = None
        self._kept.keep_only(lambda entry: entry[1] in keep)

    def _forget_plan(self):
        """Back to the shots as given: auto keyframes not resolved, no runs planned."""
        self._shots = self._given_shots
        self._found = None
        self._runs = None

    def find_reference_frames(self, read=None):
        """Find the frame of every auto keyframe of `shots` (`Keyframe.find_frame`), once ->
        (FoundFrame, ...) in shot order (excolor.engine.found_frames).

        Each shot with an auto keyframe is scanned: its frames, read through `read` (frame ->
        plate; default the node's source) and shown through `colour.to_display`, against the
        keyframe's image. The keyframe becomes pinned to the frame found where the scan is
        sure, else never pinned; `shots` holds the result and the runs are planned from it.
        Later calls return the same findings until `shots` or `source` is set again. The node
        calls this itself before it first plans (runs, contributions, render), so a host need not.
        """
        if self._found is None:
            read = self.source if read is None else read
            if read is None and any(k.find_frame for shot in self._given_shots for k in shot.keyframes):
                raise InputError("the node has no source to find its keyframes' frames in: set "
                                 "node.source = callable(frame) -> image")
            self._shots, self._found = find_frames(
                self._given_shots, lambda keyframe: self._references.display(keyframe)[1],
                lambda frame: checked_plate(frame, read(frame)), self._colour.to_display)
            self._runs = tuple(plan_runs(shot, i) for i, shot in enumerate(self._shots))
        return self._found

    def _planned_runs(self):
        """Every shot's runs, planned once the auto keyframes are resolved."""
        if self._runs is None:
            self.find_reference_frames()
        return self._runs

    def clear_cache(self):
        """Forget kept states and results (call when the source's pixels changed upstream)."""
        self._kept.clear()
        self._keys.clear()
        self._plates.forget()
        self._confidences.forget()
        self._finished = None

    @property
    def colour_graphs(self):
        """True when the full-resolution colour work runs as ONNX graphs on the node's device
        (excolor.colour.work_graphs), False when it runs in numpy on the host's cores."""
        return isinstance(self._colour_work, GraphColourWork)

    @property
    def motion(self):
        """The motion estimator in use, NodeTuning.motion's word: "dis" (OpenCV's DIS on the
        host) or "graph" (the motion graph on the node's device)."""
        return self._motion.name

    @property
    def colour(self):
        """The node's ColourConverter (working space <-> display sRGB, luma coefficients)."""
        return self._colour

    @property
    def timings(self):
        """{stage: excolor.timing.StageTime} accumulated since the node was made or
        `reset_timings()`: read, colour_in, reference, correspondence, colorization, motion,
        fusion, chroma, colour_out (wall seconds and calls; ONNX Runtime's calls are synchronous,
        CUDA included)."""
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
        return NodeStats(self._network.steps, self._references.encodes, self._references.cache_hits,
                         self._kept.bytes, len(self._kept))

    # -- layout and plates ---------------------------------------------------------------------
    def network_size(self, plate_height, plate_width):
        """The NetworkLayout for a plate size (aspect kept, padded up to the model's multiples)."""
        return network_layout(self.model.manifest.size_rule, self.network_long_side, plate_height, plate_width)

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
        """The runs of shot `shot_index` (FORWARD and BACKWARD from its keyframes' anchors)."""
        return self._planned_runs()[shot_index]

    def contributions(self, frame):
        """((Run, weight), ...) that make up `frame`: one run, or two blended by distance."""
        return contributions(self._planned_runs()[self._shot_of(frame)], frame)

    def _keyframe(self, run):
        return self._shots[run.shot].keyframes[run.keyframe]

    def initial_state(self, run):
        """The state before a run's first frame: empty (L=50, ab=0), or, for a run starting at a
        pinned keyframe with pinned_start='reference', the keyframe itself (propagation)."""
        layout = self._plates.pull(run.start).layout
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
        """Render the run's next frame: -> (RunFrame, RunState after that frame).

        The method's figure, top to bottom: gather the frame's candidates (the run's history
        carried by motion, a pinned keyframe carried from its own frame, the network's
        exemplar, the reference's global colour: those the fusion weighs for this run), fuse
        them into one chroma and a confidence, and output that chroma, which is also the run's
        next history. A pinned keyframe's own frame is not fused: keyframes are law.
        """
        frame, plate = self._next_plate(run, state)
        keyframe = self._keyframe(run)
        settings = self._fusion.settings
        uses = settings.candidates_for(run.from_pinned)
        key = self._key_chroma(keyframe, plate) if run.from_pinned else None
        # The network runs only where the exemplar is used, a keyed frame included: its
        # previous-frame Lab is the state the run's next frame goes on from.
        exemplar, previous_lab = None, state.previous_lab
        if settings.needs_exemplar(run.from_pinned, state.history_ab is not None):
            exemplar, previous_lab = self._network(plate, keyframe, state.previous_lab)
        if key is not None and frame == keyframe.frame:
            fused = Fused.keyed(key.ab)  # the key's own frame is the key; the run goes on from it
        else:
            lightness, carried = plate.l_history, {}
            if "history" in uses and state.history_ab is not None:
                carried["history"] = (state.history_ab, state.history_l)
            if "keyframe" in uses and key is not None:
                carried["keyframe"] = (key.ab, key.lightness)
            with self._timer.stage("motion"):
                gathered = carried_candidates(self._motion, carried, lightness) if carried else {}
            with self._timer.stage("fusion"):
                if exemplar is not None:
                    gathered["exemplar"] = exemplar_candidate(self._upsampler, exemplar, lightness)
                if "global" in uses:
                    gathered["global"] = global_candidate(self._keys.lightness_chroma(keyframe), lightness)
                fused = self._fusion(Candidates(lightness, gathered))
            self._usage.add(fused.weights)
        return (RunFrame(run.name, frame, fused.ab, fused.confidence[None]),
                RunState(run.name, frame, previous_lab, fused.ab, plate.l_history))

    def _next_plate(self, run, state):
        """(the run's next frame, its Plate), checked against the run and its state."""
        if state.run_name != run.name:
            raise StateError(f"state of run {state.run_name} given to run {run.name}")
        frame = state.frame + run.direction
        if not run.covers(frame):
            raise ValueError(f"run {run.name} has rendered its last frame {run.end}")
        plate = self._plates.pull(frame)
        layout = plate.layout
        if state.shape != (1, 3, layout.net_h, layout.net_w):
            raise InputError(f"frame {frame}: plate size {plate.full.width}x{plate.full.height} gives "
                             f"network size {layout.net_w}x{layout.net_h}, but run {run.name} runs at "
                             f"{state.shape[3]}x{state.shape[2]} (plates of one shot must share a size)")
        return frame, plate

    def _key_chroma(self, keyframe, plate):
        """A pinned keyframe's KeyChroma for this plate's size (its frame's plate pulled once)."""
        def lightness():
            return (plate if plate.frame == keyframe.frame else self._plates.pull(keyframe.frame)).l_history
        return self._keys.get(keyframe, plate.full.height, plate.full.width, lightness)

    def compose(self, frame, results):
        """The finished frame from its runs' RunFrames ({run name: RunFrame}); pulls the plate."""
        pairs = []
        for run, weight in self.contributions(frame):
            result = results.get(run.name)
            if result is None:
                raise StateError(f"frame {frame}: no result of run {run.name} to compose")
            if result.frame != frame:
                raise StateError(f"frame {frame}: the result of run {run.name} is for frame {result.frame}")
            pairs.append((result, weight))
        blended = blend_frames(pairs, frame)
        plate = self._plates.pull(frame)
        refuse_other_size(blended, plate)
        shot = self._shots[self._shot_of(frame)]
        pinned = [k for k in shot.keyframes if k.frame == frame]
        key = self._key_chroma(pinned[0], plate) if pinned else None
        kind = self._keys.luma_kind(shot, self._plates.pull)
        finished = finish_frame(self._colour_work, plate, blended, key, kind)
        self._confidences.record(frame, finished.confidence)
        return finished

    # -- pull API (hosts) ----------------------------------------------------------------------
    def _replay_start(self, run, frame):
        """(kept RunFrame, None) when the run's result for `frame` is kept, else (None, the
        nearest kept RunState before it, or None for the run's initial state)."""
        cached = self._kept.get(("result", run.name, frame))
        if cached is not None:
            return cached, None
        for kept_frame in range(frame - run.direction, run.start - 2 * run.direction, -run.direction):
            state = self._kept.get(("state", run.name, kept_frame))
            if state is not None:
                return None, state
        return None, None

    def _replay(self, run, frame, state, hooks):
        """Step `run` from `state` (None: its initial state) to `frame`, keeping every step."""
        if state is None:
            state = self.initial_state(run)
        while state.frame != frame:
            hooks.before_step(frame)
            result, state = self.step(run, state)
            self._kept.put(("state", run.name, state.frame), state)
            self._kept.put(("result", run.name, state.frame), result)
            hooks.after_step()
        return result

    def render_result(self, frame, progress=None, cancel=None):
        """FrameResult (image and confidence) for `frame`; progress and cancel as in `render`."""
        frame = int(frame)
        hooks = RenderHooks(progress, cancel)
        if self._finished is not None and self._finished.frame == frame:
            hooks.begin(0)
            return self._finished
        starts = {run.name: (run, *self._replay_start(run, frame)) for run, _ in self.contributions(frame)}
        hooks.begin(sum(abs(frame - (run.start - run.direction if state is None else state.frame))
                        for run, cached, state in starts.values() if cached is None))
        results = {name: cached if cached is not None else self._replay(run, frame, state, hooks)
                   for name, (run, cached, state) in starts.items()}
        self._finished = self.compose(frame, results)
        return self._finished

    def render(self, frame, progress=None, cancel=None):
        """The colorized frame: float32 HxWxC, same size and channels as the plate.

        progress: None or callable(done, total), called with the run steps this call makes
        (replaying from the nearest kept state), once before the first and after each.
        cancel: None, a threading.Event (anything with is_set()) or a callable returning True
        to stop: checked before each run step; stopping raises RenderCancelled, keeps every
        step made, and leaves the node usable.
        """
        return self.render_result(frame, progress, cancel).image

    def confidence(self, frame):
        """The fusion's confidence for `frame` at the plate's size: float32 HxW in 0..1 (1 at a
        frame a keyframe is pinned to)."""
        return self.render_result(frame).confidence

    def key_suggestions(self, shot_index=None, count=SUGGESTED_KEYS):
        """Where to key next: of the frames finished since `shots` or `source` was set (render or
        compose), up to `count` per shot where the mean confidence is lowest, spaced apart and
        never a pinned frame (excolor.engine.key_suggestions) -> tuple of KeySuggestion, shot by
        shot, least sure first. shot_index: one shot's (an index into `shots`), None for all."""
        if shot_index is not None and not 0 <= shot_index < len(self._shots):
            raise IndexError(f"shot_index {shot_index}: the node has {len(self._shots)} shot(s)")
        indices = range(len(self._shots)) if shot_index is None else (shot_index,)
        summaries = self._confidences.summaries()
        return tuple(s for i in indices for s in suggest_keys(self._shots[i], i, summaries, count))

    # -- reference files read by the caller (a render job reads and hashes each once) -----------
    def use_reference_files(self, files):
        """{Path: (pixels, PixelFormat, sha256 of the file)}, pixels as excolor.io.read_reference
        gives them: a keyframe whose image is one of these paths takes these pixels, and the
        file's sha256 as its content hash, instead of reading and hashing the file again."""
        self._references.files = dict(files)
