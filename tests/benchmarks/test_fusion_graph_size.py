"""The fusion-size study's quick run end to end: real clips (bigbuckbunny, a hard-motion clip of
a scikit-image photo), the node rendered with its fusion graph fed a sampled history and the
whole one, each row scored."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_study_scores_both_variants_on_every_clip(tmp_path):
    done = subprocess.run([sys.executable, "-m", "benchmarks.fusion_graph_size", "--quick", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line.split(" | ") for line in (tmp_path / "fusion_graph_size.md").read_text().splitlines()
            if line.startswith(("| bigbuckbunny", "| hard motion"))]
    assert [row[3] for row in rows] == ["sampled", "whole"] * 2
    assert all(row[5] == "+0.00" for row in rows if row[3] == "whole")
    # The quick plates (96 px) are past the quick run's sampling threshold (48 px): the sampled
    # rows are made another way, and stay close to the whole graph's.
    sampled = [float(row[5]) for row in rows if row[3] == "sampled"]
    assert all(-0.5 < gap < 0.5 for gap in sampled) and any(gap != 0 for gap in sampled)
    assert all(float(row[4]) > 30 for row in rows)
