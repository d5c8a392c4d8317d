"""One scene's link to the core node: rebuilt only when what it depends on changes.

Plain Python (no bpy). Blender calls the add-on's handlers on every frame change and render
frame; each call hands the session the scene's current settings, and the session keeps the
node (and so its kept run states: scrubbing replays from the nearest one) as long as model,
device, network size, saturation, source and shots stay the same.
"""
import dataclasses
import hashlib
import os

import numpy as np

import excolor
from excolor import io
from excolor.errors import InputError
from excolor import ColorizeNode, Shot

from .source import input_kind


@dataclasses.dataclass(frozen=True)
class NodeSettings:
    """The node's settings as the panel holds them.

    model: a model name or directory, or None for the packaged default.
    device: "auto" | "cpu" | "cuda". network_long_side: pixels, or None for the model's default.
    saturation: chroma gain, or None for the manifest's.
    """

    model: str | None = None
    device: str = "auto"
    network_long_side: int | None = None
    saturation: float | None = None


@dataclasses.dataclass(frozen=True)
class HostFrame:
    """What the add-on shows for a scene frame.

    image: float32 HxWxC in the source's working space (the plate itself where no shot covers
    the frame; transparent black, HxWx4, where the source has no frame). confidence: float32 HxW in 0..1 (zeros where no shot covers the frame).
    covered: whether a shot covers the frame (False: image is the untouched plate).
    """

    frame: int
    image: np.ndarray
    confidence: np.ndarray
    covered: bool


class HostSession:
    """Holds a ColorizeNode and the reader of its source for one scene.

    configure(settings, source, shots) before each frame(n); only what changed is rebuilt.
    """

    def __init__(self):
        self._settings = None
        self._source_spec = None
        self._resolved = None
        self._reader = None
        self._kind = None
        self._node = None
        self._node_kind = None
        self._shots = None
        self._on_pull = None

    @property
    def node(self):
        """The current ColorizeNode (None before the first configure)."""
        return self._node

    def configure(self, settings, source, shots):
        """Bring the node up to date. settings: NodeSettings; source: SourceSpec; shots: list
        of excolor.Shot in scene frames. Errors: excolor.errors.ExcolorError subclasses
        (missing file, bad model) and InputError for settings the node refuses."""
        self.set_source(source)
        if settings != self._settings or self._node is None or self._node_kind != self._kind:
            self._node = self._make_node(settings)
            self._settings = settings
            self._node_kind = self._kind
            self._node.source = self._pull
            self._shots = None
        shots = self._fit(shots)
        if shots != self._shots:
            self._node.shots = shots
            self._shots = shots

    def source_frames(self):
        """(first, last) scene frames that show a frame of the source."""
        return (self._resolved.scene_frame(self._reader.first),
                self._resolved.scene_frame(self._reader.last))

    def _fit(self, shots):
        """Shots cut to the scene frames the source has: a scene often runs past its clip (the
        last marker's shot then ends with the clip); a shot wholly outside it is an error."""
        first, last = self.source_frames()
        fitted = []
        for shot in shots:
            if shot.last < first or shot.first > last:
                raise InputError(
                    f"shot {shot.first}-{shot.last} is outside the source's frames {first}-{last} "
                    f"({self._reader.name})"
                )
            try:
                fitted.append(Shot(max(shot.first, first), min(shot.last, last), shot.keyframes))
            except ValueError as error:
                raise InputError(f"shot {shot.first}-{shot.last} cut to the source's frames "
                                 f"{first}-{last}: {error}") from error
        return fitted

    def set_source(self, source):
        """Open `source` (a SourceSpec) unless it is the one already open."""
        if source == self._source_spec:
            return
        reader = io.open_input(source.path)
        self.close()
        self._reader = reader
        self._source_spec = source
        self._resolved = source.resolved(reader.first)
        self._kind = input_kind(reader)
        if self._node is not None:
            # The node's kept states were made from the old file's pixels.
            self._node.source = self._pull

    def _make_node(self, settings):
        try:
            return ColorizeNode(
                model=settings.model, device=settings.device,
                network_long_side=settings.network_long_side, saturation=settings.saturation,
                input_kind=self._kind,
            )
        except ValueError as error:
            raise InputError(f"excolor settings: {error}") from error

    def _pull(self, scene_frame):
        """The node's source: scene frame -> the file's frame, as excolor.io reads it."""
        if self._on_pull is not None:
            self._on_pull(scene_frame)
        file_frame = self._resolved.file_frame(scene_frame)
        if not self._reader.first <= file_frame <= self._reader.last:
            raise InputError(
                f"scene frame {scene_frame} shows frame {file_frame} of {self._reader.name}, "
                f"which has frames {self._reader.first}-{self._reader.last}"
            )
        return self._reader.read(file_frame)

    @property
    def input_kind(self):
        """"video" (display-referred sRGB plates) or "scene_linear" (float files)."""
        return self._kind

    def plate_size(self):
        """(height, width) of the source's frames."""
        return self._reader.height, self._reader.width

    def fingerprint(self):
        """A hex digest of everything the frames depend on (excolor's version, settings, the
        model's graph hashes, source and its mapping, shots, and each reference file's size and
        modification time): a baked frame is valid while the fingerprint stays the same."""
        references = []
        for shot in self._shots:
            for keyframe in shot.keyframes:
                if isinstance(keyframe.image, (str, os.PathLike)):
                    stat = os.stat(keyframe.image)
                    references.append((str(keyframe.image), stat.st_size, stat.st_mtime_ns))
        graphs = sorted(graph.sha256 for graph in self._node.model.manifest.graphs.values())
        described = repr((excolor.__version__, self._settings, graphs, self._resolved, self._kind, self._shots,
                          references))
        return hashlib.sha256(described.encode()).hexdigest()

    def covered_frames(self, first, last):
        """The scene frames in first..last that a shot covers and the source has, in order."""
        source_first, source_last = self.source_frames()
        return [frame for frame in range(max(first, source_first), min(last, source_last) + 1)
                if self._node.shot_index(frame) is not None]

    def frame(self, scene_frame, on_pull=None):
        """The HostFrame for `scene_frame` (the node renders it, replaying from kept state).

        on_pull: called with each scene frame the node reads meanwhile (more than one: the node
        is replaying), for a host's progress display.
        """
        self._on_pull = on_pull
        try:
            return self._frame(int(scene_frame))
        finally:
            self._on_pull = None

    def _frame(self, scene_frame):
        first, last = self.source_frames()
        if not first <= scene_frame <= last:
            # Past the clip's ends Blender shows nothing: transparent black, an empty matte.
            height, width = self.plate_size()
            return HostFrame(scene_frame, np.zeros((height, width, 4), np.float32),
                             np.zeros((height, width), np.float32), False)
        if self._node.shot_index(scene_frame) is None:
            plate = self._pull(scene_frame)
            return HostFrame(scene_frame, plate, np.zeros(plate.shape[:2], np.float32), False)
        result = self._node.render_result(scene_frame)
        return HostFrame(scene_frame, result.image, result.confidence, True)

    def close(self):
        """Close the source reader (the node is dropped with the session)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
            self._source_spec = None
