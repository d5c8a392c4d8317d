"""Training settings: frozen dataclasses, filled from the command line by `excolor train`."""
import dataclasses


@dataclasses.dataclass(frozen=True)
class LossWeights:
    """The paper's lambdas (section 4) as the starting point, plus one term beyond the paper.

    warped_l1 (beyond the paper): L1 between the correspondence's warped ab and the true ab on
    same-scene samples. It supervises the matching directly, which is what lets an encoder
    learned from scratch (no pretrained VGG here) find sharp matches within a short CPU run.
    Set it to 0 for the paper's objective exactly.

    foreign_l1 (beyond the paper, 0 by default): L1 of the warped ab and of the predicted ab
    against the true ab on samples whose reference is another picture. The paper gives such
    samples only the contextual term, which rewards using the reference's colours wherever they
    land; this term asks for the frame's true colours, which a wrong match cannot give, so the
    matching learns to spread its attention (towards the reference's common colours) where
    nothing in the reference matches, and the colorization learns to lean on the gray frame.
    """

    l1: float = 2.0
    perceptual: float = 0.001
    contextual: float = 0.2
    smoothness: float = 5.0
    adversarial: float = 0.2
    temporal: float = 0.02
    warped_l1: float = 1.0
    foreign_l1: float = 0.0

    @classmethod
    def parse(cls, text):
        """'l1=2,adversarial=0' -> LossWeights with those fields changed."""
        changes = {}
        names = {f.name for f in dataclasses.fields(cls)}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, _, value = item.partition("=")
            if name not in names or not value:
                raise ValueError(
                    f"bad loss weight {item!r}: use NAME=VALUE with NAME in {', '.join(sorted(names))}"
                )
            changes[name] = float(value)
        return cls(**changes)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """One training (a training directory holds one).

    size: training crop (H, W), multiples of 64 (the discriminator halves six times).
    previous_zero_probability: how often a clip's first frame gets an all-zero previous frame
        (the node's unpinned start) instead of its own true colours (a pinned keyframe start).
    contextual_level_weights: per feature level, coarse last (heavier, as the paper).
    reference_shares: probabilities of the pseudo-videos' reference kinds (self view, similar
        picture, far frame: excolor.model.data.PseudoVideoConfig.p_reference); more "similar"
        trains matching across pictures, the setting of a reference from another shot.
    """

    steps: int = 2000
    batch_size: int = 4
    size: tuple = (128, 192)
    learning_rate: float = 2e-4
    betas: tuple = (0.5, 0.999)
    seed: int = 0
    checkpoint_every: int = 100
    device: str = "cpu"
    precision: str = "fp32"  # fp32 | bf16 | fp16 (autocast; cuda only)
    feature_net: str = "random"
    weights: LossWeights = LossWeights()
    previous_zero_probability: float = 0.5
    contextual_level_weights: tuple = (0.25, 0.5, 1.0)
    adversarial_start: int = 0  # generator ignores the GAN term before this step
    reference_shares: tuple = (0.6, 0.2, 0.2)

    def __post_init__(self):
        height, width = self.size
        if height % 64 or width % 64 or height <= 0 or width <= 0:
            raise ValueError(f"training size must be positive multiples of 64, got {self.size}")
        if self.precision not in ("fp32", "bf16", "fp16"):
            raise ValueError(f"precision must be fp32, bf16 or fp16, got {self.precision!r}")
        if self.precision != "fp32" and not self.device.startswith("cuda"):
            raise ValueError(f"--precision {self.precision} needs --device cuda (autocast on GPU)")
        if len(self.reference_shares) != 3 or min(self.reference_shares) < 0 \
                or abs(sum(self.reference_shares) - 1.0) > 1e-6:
            raise ValueError(f"reference shares must be 3 probabilities summing to 1, got {self.reference_shares}")
        if self.steps < 1 or self.batch_size < 1 or self.checkpoint_every < 1:
            raise ValueError("steps, batch size and checkpoint interval must be >= 1")

    def to_json(self):
        return dataclasses.asdict(self)
