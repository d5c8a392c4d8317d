"""ONNX Runtime side of the node: the model's graphs in sessions on one device, one network step.

Sessions are created once per node (the device chosen by excolor.ort.providers). On CUDA the
reference codes and the previous-frame state stay on the device as OrtValues and the graphs run
through IO binding; only the small per-frame results (ab and confidence at network size) come
back to the host. onnxruntime is imported
inside `GraphRuntime.__init__` so that importing excolor stays fast (hosts such as Blender import
it when they start; ONNX Runtime's libraries load only when a node is made).
"""
from __future__ import annotations

import logging

import numpy as np

from ..errors import ModelError
from ..ort.providers import CPU_PROVIDER, CUDA_PROVIDER, choose_device, session_options
from ..ort.sessions import graph_session, import_onnxruntime, run_session

log = logging.getLogger(__name__)

# Manifest dtype names -> ONNX Runtime's type strings.
ORT_TYPES = {"float32": "tensor(float)", "float16": "tensor(float16)", "int64": "tensor(int64)"}


def _check_io(name, session, spec, path):
    """The graph's inputs/outputs must be the manifest's, by name, rank and dtype."""
    for kind, actual, declared in (
        ("input", session.get_inputs(), spec.inputs),
        ("output", session.get_outputs(), spec.outputs),
    ):
        actual_by_name = {a.name: a for a in actual}
        declared_names = [d.name for d in declared]
        if sorted(actual_by_name) != sorted(declared_names):
            raise ModelError(
                f"{path}: {kind}s {sorted(actual_by_name)} differ from the manifest's "
                f"{sorted(declared_names)} for the {name} graph"
            )
        for tensor in declared:
            graph_tensor = actual_by_name[tensor.name]
            expected_type = ORT_TYPES.get(tensor.dtype, tensor.dtype)
            if graph_tensor.type != expected_type or len(graph_tensor.shape) != len(tensor.shape):
                raise ModelError(
                    f"{path}: {kind} '{tensor.name}' is {graph_tensor.type} rank "
                    f"{len(graph_tensor.shape)}, the manifest says {tensor.dtype} rank "
                    f"{len(tensor.shape)}"
                )


class GraphRuntime:
    """The model's graphs (reference, correspondence, colorization, and fusion where the model
    has it) in ONNX Runtime sessions on one device.

    model_dir: a verified `excolor.engine.models.ModelDir`; device: 'auto' | 'cpu' | 'cuda'.
    io_binding: run through IO binding with values kept as OrtValues on the device; None means
    on CUDA only (on the CPU plain numpy feeds cost nothing; tests set it to cover the path).
    threads: intra-op threads per session but the correspondence graph's, which runs on one so
    that the pixels do not depend on it (None: one per core); timer: an
    `excolor.timing.StageTimer` that gets the correspondence and colorization times, or None.
    """

    def __init__(self, model_dir, device="auto", io_binding=None, threads=None, timer=None):
        ort = import_onnxruntime()  # deferred: see the module doc

        self._ort = ort
        self.ort = ort  # the onnxruntime module, for helper sessions on the same settings
        self.model_dir = model_dir
        self.device = choose_device(device, ort)
        self._timer = timer
        # Providers and session options for helper sessions on the same device and settings.
        self.providers = [CUDA_PROVIDER, CPU_PROVIDER] if self.device == "cuda" else [CPU_PROVIDER]
        self.session_options = session_options(ort, threads)
        # The correspondence graph's attention reads the reference's colours out as a matrix
        # product of 2 rows by thousands of reference pixels, which ONNX Runtime's CPU kernels
        # split into float sums that depend on the thread count (measured: from 4 threads on a
        # 720p plate). On one thread its pixels are the same at any --threads; the other graphs'
        # products split by rows and columns, which leaves every sum whole.
        single = session_options(ort, 1)
        self.sessions = {}
        for name, spec in model_dir.manifest.graphs.items():
            path = model_dir.graph_path(name)
            options = single if name == "correspondence" else self.session_options
            try:
                session = ort.InferenceSession(str(path), options, providers=self.providers)
            except (RuntimeError, ValueError) as error:  # ORT raises its own Fail/InvalidGraph
                raise ModelError(f"{path}: ONNX Runtime cannot load the {name} graph ({error})") from error
            _check_io(name, session, spec, path)
            self.sessions[name] = session
        self.reference_names = model_dir.manifest.graphs["reference"].output_names()
        correspondence_inputs = model_dir.manifest.graphs["correspondence"].input_names()
        unknown = [n for n in correspondence_inputs if n != "frame_l" and n not in self.reference_names]
        if unknown:
            raise ModelError(
                f"{model_dir.path}: the correspondence graph needs inputs this node cannot feed: "
                f"{', '.join(unknown)} (it feeds frame_l and the reference graph's outputs "
                f"{', '.join(self.reference_names)})"
            )
        self._correspondence_inputs = correspondence_inputs
        self._bound = self.device == "cuda" if io_binding is None else bool(io_binding)
        self._concat = self._make_concat() if self._bound else None
        log.info(
            "ONNX Runtime on %s (%s), model %s",
            self.device.upper(),
            ", ".join(self.sessions["colorization"].get_providers()),
            model_dir.path,
        )

    @property
    def io_bound(self):
        """True when graphs run through IO binding with values kept on the device."""
        return self._bound

    # -- device values -------------------------------------------------------------------------
    def to_device(self, array):
        """numpy -> the value a graph input takes here (an OrtValue on the GPU for CUDA)."""
        array = np.ascontiguousarray(array, dtype=np.float32)
        if self._bound:
            return self._ort.OrtValue.ortvalue_from_numpy(array, self.device, 0)
        return array

    def _run(self, name, feeds, output_names):
        """Run one graph; returns outputs as numpy (CPU) or device OrtValues (CUDA)."""
        if self._timer is None or name == "reference":  # the node times the reference stage whole
            return self._run_untimed(name, feeds, output_names)
        with self._timer.stage(name):
            return self._run_untimed(name, feeds, output_names)

    def _run_untimed(self, name, feeds, output_names):
        # Bound: every value stays on the device; the caller fetches what the host needs.
        return run_session(self.sessions[name], feeds, output_names, self.device if self._bound else None,
                           keep=output_names)

    def _make_concat(self):
        """A session of the shipped `previous_lab` graph so that the next previous-frame Lab is
        built on the GPU."""
        return graph_session("previous_lab", self.providers)

    # -- the network ---------------------------------------------------------------------------
    def encode_reference(self, reference_lab):
        """reference_lab (1,3,h,w) float32 centred Lab -> {output name: device value}."""
        outputs = self._run("reference", {"reference_lab": self.to_device(reference_lab)},
                            self.reference_names)
        return dict(zip(self.reference_names, outputs))

    def step(self, frame_l, reference, previous_lab):
        """One frame through correspondence and colorization.

        frame_l: (1,1,H,W) float32 centred L (L - 50) at the network size, numpy.
        reference: `encode_reference`'s result; previous_lab: (1,3,H,W) device value.
        Returns (ab (1,2,H,W) numpy, confidence (1,1,H,W) numpy, next previous_lab device value).
        """
        frame_value = self.to_device(frame_l)
        if self._bound and isinstance(previous_lab, np.ndarray):
            previous_lab = self.to_device(previous_lab)  # a state restored on the host
        feeds = {n: (frame_value if n == "frame_l" else reference[n])
                 for n in self._correspondence_inputs}
        warped_ab, confidence = self._run("correspondence", feeds, ("warped_ab", "confidence"))
        (ab,) = self._run(
            "colorization",
            {"frame_l": frame_value, "warped_ab": warped_ab, "confidence": confidence,
             "previous_lab": previous_lab},
            ("ab",),
        )
        if not self._bound:
            return ab, confidence, np.concatenate([frame_l, ab], axis=1).astype(np.float32)
        (next_previous,) = run_session(self._concat, {"l": frame_value, "ab": ab}, ("lab",), self.device,
                                       keep=("lab",))
        return ab.numpy(), confidence.numpy(), next_previous
