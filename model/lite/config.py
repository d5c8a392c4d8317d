"""LiteConfig: every size of the `lite` network, and the size rule it implies.

The sizes were chosen against two limits of the model's use: at most 20 MB of fp32 weights (it
ships inside the plugin), and at least 10 frames/s end to end for a 640x360 plate on 2 CPU
cores with ONNX Runtime, which leaves the per-frame graphs (correspondence + colorization) a
few tens of milliseconds at the default network long side. The reference graph runs once per
reference and is not on that path.
"""
import dataclasses

from excolor.engine.models import SizeRule

# The deepest level of both the encoder and the colorization U-Net is 1/8 of the network size,
# so H and W must be multiples of 8; matching happens at 1/4.
SIZE_MULTIPLE = 8
MATCH_STRIDE = 4


@dataclasses.dataclass(frozen=True)
class LiteConfig:
    """Sizes of the lite network (all channel counts are per level; levels are 1/2, 1/4, 1/8).

    encoder_widths:     feature encoder (L only, shared by frame and reference) at 1/2, 1/4, 1/8.
    feature_channels:   encoder output at 1/4 (the 1/4 path fused with the upsampled 1/8 context).
    match_channels:     size of the projected matching features (cosine similarity is taken in
                        this space; the all-pairs cost is linear in it).
    temperature:        softmax temperature of the matching (paper: 0.01).
    colorizer_widths:   colorization U-Net at 1/2, 1/4, 1/8.
    head_channels:      the full-resolution 1x1 head that reads L at the network size.
    motion_radius:      search radius (in 1/4-resolution cells) of the local matching that
                        aligns the previous frame's colour with the current frame before the U-Net
                        sees it; 0 feeds the previous frame as is (the paper's design).
    motion_channels:    feature size of that local matching.
    motion_temperature: softmax temperature of the local matching.
    ab_scale:           tanh output times this is the predicted ab.
    default_long_side:  network long side the node uses unless told otherwise.
    """

    encoder_widths: tuple = (16, 32, 64)
    feature_channels: int = 64
    match_channels: int = 32
    temperature: float = 0.01
    colorizer_widths: tuple = (24, 48, 96)
    head_channels: int = 16
    motion_radius: int = 3
    motion_channels: int = 16
    motion_temperature: float = 0.05
    ab_scale: float = 110.0
    default_long_side: int = 256
    min_side: int = 32
    max_side: int = 2048

    def __post_init__(self):
        for name in ("encoder_widths", "colorizer_widths"):
            widths = getattr(self, name)
            if len(widths) != 3 or any(int(w) <= 0 for w in widths):
                raise ValueError(f"LiteConfig.{name} must be 3 positive widths, got {widths!r}")
            object.__setattr__(self, name, tuple(int(w) for w in widths))
        for name in ("feature_channels", "match_channels", "head_channels", "motion_channels"):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"LiteConfig.{name} must be positive, got {getattr(self, name)!r}")
        if self.temperature <= 0 or self.motion_temperature <= 0:
            raise ValueError("LiteConfig temperatures must be > 0 (the lite model is soft-matched)")
        if self.motion_radius < 0:
            raise ValueError(f"LiteConfig.motion_radius must be >= 0, got {self.motion_radius}")
        if not self.min_side <= self.default_long_side <= self.max_side:
            raise ValueError(
                f"LiteConfig.default_long_side {self.default_long_side} outside "
                f"{self.min_side}..{self.max_side}"
            )
        if self.min_side % SIZE_MULTIPLE or self.default_long_side % SIZE_MULTIPLE:
            raise ValueError(f"LiteConfig sides must be multiples of {SIZE_MULTIPLE}")

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ValueError(f"unknown LiteConfig keys: {', '.join(unknown)}")
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**data)

    def size_rule(self):
        return SizeRule(
            multiple_h=SIZE_MULTIPLE,
            multiple_w=SIZE_MULTIPLE,
            min_side=self.min_side,
            max_side=self.max_side,
            default_long_side=self.default_long_side,
        )
