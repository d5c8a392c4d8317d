"""The loss log: one CSV row per step, every loss term a column; resumable."""
import csv
from pathlib import Path

COLUMNS = (
    "step", "wall_s", "total", "l1", "warped_l1", "smoothness", "perceptual", "contextual",
    "temporal", "adversarial", "discriminator", "d_real", "d_fake", "l1_ab_units",
    "warped_l1_ab_units",
    "temporal_ab_units", "contextual_0", "contextual_1", "contextual_2",
    "foreign_l1", "foreign_l1_ab_units",
)


class CsvLog:
    """Appends rows to `path`; `truncate_after(step)` drops rows a resumed training will redo."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.exists():
            with self.path.open("w", newline="") as handle:
                csv.writer(handle).writerow(COLUMNS)

    def truncate_after(self, step):
        """Keep only rows with step <= `step` (a crash may have logged steps never saved)."""
        rows = read_log(self.path)
        with self.path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS)
            writer.writeheader()
            for row in rows:
                if int(row["step"]) <= step:
                    writer.writerow(row)

    def append(self, metrics):
        with self.path.open("a", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS, extrasaction="ignore")
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in metrics.items()})


def read_log(path):
    """The rows of a loss log as dicts of strings."""
    with Path(path).open(newline="") as handle:
        return list(csv.DictReader(handle))
