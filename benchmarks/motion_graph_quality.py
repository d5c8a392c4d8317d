"""The motion graph against OpenCV DIS on every row of the quality benchmark.

    python -m benchmarks.quality --motion graph --out D        # the node with the motion graph
    python -m benchmarks.motion_graph_quality D/quality.json   # -> results/motion_graph_quality.md

results/quality_motion_graph.json is the graph run the committed comparison was made from (its
summary figures; per-frame rows left out).

Both runs are the same benchmark (benchmarks/quality.py, its clips, protocols and methods) with
the node's motion estimator the only change; the DIS run is results/quality.json unless --dis
names another. Rows are matched by clip, protocol and method. The target: no row more than
0.3 dB below DIS (a row above it is as good; the methods that use no motion, such as gray and global, are the same in both and
are left out). Seconds per frame come from two runs made at different times on a shared
machine, so they say only roughly what the graph costs beside DIS; benchmarks/speed_motion.py
times the two estimators side by side.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .quality_report import fmt

RESULTS = Path(__file__).resolve().parent / "results"
TOLERANCE_DB = 0.3
# Methods whose output does not depend on the node's motion estimator.
MOTIONLESS = ("gray", "global", "flow", "floor")


def load(path):
    """(header, {(clip, protocol, method): result}) of a quality.json."""
    data = json.loads(Path(path).read_text())
    return data["header"], {(r["clip"], r["protocol"], r["method"]): r for r in data["results"]}


def compared_rows(dis, graph):
    """[(key, dis result, graph result, PSNR difference graph - DIS)] of the rows both runs have."""
    rows = []
    for key, dis_result in dis.items():
        if key[2] in MOTIONLESS or key not in graph:
            continue
        rows.append((key, dis_result, graph[key], graph[key]["psnr"] - dis_result["psnr"]))
    return rows


def markdown(dis_head, graph_head, rows):
    worst = min(rows, key=lambda row: row[3])
    outside = [row for row in rows if row[3] < -TOLERANCE_DB]
    lines = ["# The motion graph against DIS on every quality benchmark row", "",
             f"- DIS: commit {dis_head['commit']}, {dis_head['date']}, wall {dis_head['wall_seconds']} s",
             f"- motion graph: commit {graph_head['commit']}, {graph_head['date']}, wall {graph_head['wall_seconds']} s",
             f"- machine: {graph_head['machine']}; node device {graph_head['device']}",
             f"- rows compared: {len(rows)}; more than {TOLERANCE_DB} dB below DIS: {len(outside)}; above DIS: "
             f"{sum(row[3] > 0 for row in rows)}; lowest: {fmt(worst[3])} dB ({' '.join(worst[0])})",
             f"- target (no row more than {TOLERANCE_DB} dB below DIS): {'met' if not outside else 'not met'} "
             "(rows below it marked **)",
             "", "Seconds per frame: two runs at different times on a shared machine (a rough ratio only; "
             "benchmarks/speed_motion.py times the estimators side by side).", "",
             "| clip | protocol | method | DIS PSNR | graph PSNR | graph - DIS | keyed min DIS / graph | "
             "s/frame DIS / graph |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for (clip, protocol, method), d, g, delta in rows:
        flag = " **" if delta < -TOLERANCE_DB else ""
        lines.append(f"| {clip.split('.')[0]} | {protocol} | {method} | {fmt(d['psnr'])} | {fmt(g['psnr'])} | "
                     f"{fmt(delta)}{flag} | {fmt(d['keyed_psnr_min'], 1)} / {fmt(g['keyed_psnr_min'], 1)} | "
                     f"{fmt(d['seconds_per_frame'], 3)} / {fmt(g['seconds_per_frame'], 3)} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", type=Path, help="quality.json of `python -m benchmarks.quality --motion graph`")
    parser.add_argument("--dis", type=Path, default=RESULTS / "quality.json", help="quality.json of the DIS run")
    parser.add_argument("--out", type=Path, default=RESULTS / "motion_graph_quality.md")
    args = parser.parse_args(argv)
    dis_head, dis = load(args.dis)
    graph_head, graph = load(args.graph)
    if graph_head.get("motion") != "graph":
        parser.error(f"{args.graph}: not a run with --motion graph (its motion: {graph_head.get('motion', 'dis')})")
    rows = compared_rows(dis, graph)
    if not rows:
        parser.error(f"{args.graph} and {args.dis} share no row of the node")
    args.out.write_text(markdown(dis_head, graph_head, rows))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
