"""The report's top: a reference given with no frame checked against the same reference pinned,
and the cross reference against its mean colour, for the default excolor; with the sections
they read (the node's scan of each shot, the cross reference's table).

Targets, each met or not met with the worst measured figure and where it was measured:
  a key given with no frame (`*_unnamed`, `*_exported`) scores at most 0.3 dB below the same
    key pinned (its twin protocol), on every clip and protocol
  cross: PSNR never below the reference's mean colour (the `global` method)
  cross: colourfulness >= 60 % of the truth's
  the confidence's ROC AUC (right pixels: ab error <= 5) >= 0.75 on every clip and protocol
  cross: the scan never pins the reference (it is another shot's frame): false pins 0
"""
from __future__ import annotations

import numpy as np

from .quality_protocols import PROTOCOLS
from .quality_targets import AUC_MIN, DEFAULT, fmt

UNNAMED_SLACK_DB = 0.3
CROSS_COLOURFULNESS_MIN = 0.6
MEAN_COLOUR = "global"  # the method colouring every pixel with the reference's mean ab
GLOBAL_CANDIDATE = f"{DEFAULT}_global"  # the node with its global candidate alone


def _short(clip):
    return clip.split(".")[0]


def _index(results):
    return {(r["clip"], r["protocol"], r["method"]): r for r in results}


def _worst(measures):
    """(value, where) of the lowest finite value among [(value, where)], or (nan, '')."""
    finite = [m for m in measures if m[0] is not None and np.isfinite(m[0])]
    return min(finite, key=lambda m: m[0]) if finite else (float("nan"), "")


def _row(target, measured, where, met, digits=2):
    verdict = "n/a" if not np.isfinite(measured) else ("met" if met else "not met")
    return target, fmt(measured, digits), where, verdict


def false_pins(result):
    """How many keys of another shot the scan pinned (a `scan` record with no true frame)."""
    return sum(1 for record in result.get("scan", []) if record["frame"] is None and record["found"] is not None)


def checks(results):
    """Summary rows (target, measured, where the worst was measured, 'met'/'not met'/'n/a')."""
    index = _index(results)
    unnamed, cross, colour, auc, pins = [], [], [], [], []
    for r in results:
        if r["method"] != DEFAULT:
            continue
        where = f"{_short(r['clip'])} {r['protocol']}"
        auc.append((r.get("confidence_auc", float("nan")), where))
        twin = PROTOCOLS[r["protocol"]].twin
        pinned = index.get((r["clip"], twin, DEFAULT)) if twin else None
        if pinned is not None:
            unnamed.append((r["psnr"] - pinned["psnr"], where))
        if r["protocol"] == "cross":
            mean = index.get((r["clip"], "cross", MEAN_COLOUR))
            if mean is not None:
                cross.append((r["psnr"] - mean["psnr"], where))
            colour.append((r["colorfulness_ratio"], where))
            pins.append((-false_pins(r), where))
    rows = []
    value, where = _worst(unnamed)
    rows.append(_row(f"no frame named: PSNR - the pinned same key's >= -{UNNAMED_SLACK_DB} dB", value, where,
                     value >= -UNNAMED_SLACK_DB))
    value, where = _worst(cross)
    rows.append(_row("cross: PSNR - the mean colour's >= 0 dB", value, where, value >= 0.0))
    value, where = _worst(colour)
    rows.append(_row(f"cross: colourfulness >= {CROSS_COLOURFULNESS_MIN:.0%} of the truth's", 100 * value, where,
                     value >= CROSS_COLOURFULNESS_MIN, 0))
    value, where = _worst(auc)
    rows.append(_row(f"confidence ROC AUC (right: ab error <= 5) >= {AUC_MIN}", value, where, value >= AUC_MIN))
    value, where = _worst(pins)
    rows.append(_row("cross: false pins = 0", -value, where if value else "", value == 0, 0))
    return rows


def summary_lines(results):
    """The report's summary section (markdown lines)."""
    lines = ["", f"## Summary ({DEFAULT}, default candidates)", "",
             "Each target, met or not met, with the worst measured figure (colourfulness in % of the "
             "truth's) and the clip and protocol it was measured on.", "",
             "| target | measured (worst) | where | verdict |", "|---|---:|---|---|"]
    lines += [f"| {target} | {value} | {where} | {verdict} |" for target, value, where, verdict in checks(results)]
    return lines


def _describe_scan(record):
    """One key's scan as a cell: 'shot 0: 12 -> 12 (0.998)', '... -> unpinned (best 14, 0.812)'."""
    truth = "another shot's" if record["frame"] is None else str(record["frame"])
    found = "unpinned" if record["found"] is None else str(record["found"])
    best = "" if record["found"] is not None or record["best_frame"] is None else f"best {record['best_frame']}, "
    return f"shot {record['shot']}: {truth} -> {found} ({best}{fmt(record['similarity'], 3)})"


def scan_section(results):
    """Where the default node's scan pinned each key given with no frame (the scan reads only
    the key and the plates: every node method finds the same)."""
    rows = []
    for r in results:
        if r["method"] != DEFAULT or not r.get("scan"):
            continue
        right = sum(1 for s in r["scan"] if s["frame"] is not None and s["found"] == s["frame"])
        wrong = sum(1 for s in r["scan"] if s["found"] is not None and s["found"] != s["frame"])
        cells = "; ".join(_describe_scan(s) for s in r["scan"])
        rows.append(f"| {_short(r['clip'])} | {r['protocol']} | {right} | {wrong} | {cells} |")
    if not rows:
        return []
    return ["", "## The node's scan for a key given with no frame", "",
            "Per shot: the frame the key is the true colour of -> where the scan pinned it (similarity); "
            "for a key it kept unpinned, its best frame. Right: pinned to the key's own frame; "
            "wrong: pinned anywhere else (a cross key pinned at all is a false pin).", "",
            "| clip | protocol | right | wrong | shots |", "|---|---|---:|---:|---|", *rows]


def cross_section(results):
    """Every method under cross against the reference's mean colour and the global candidate."""
    index = _index(results)
    rows = []
    for r in results:
        if r["protocol"] != "cross" or r["method"] == "gray":
            continue
        mean = index.get((r["clip"], "cross", MEAN_COLOUR))
        candidate = index.get((r["clip"], "cross", GLOBAL_CANDIDATE))
        versus = [fmt(r["psnr"] - other["psnr"]) if other else "n/a" for other in (mean, candidate)]
        pins = str(false_pins(r)) if "scan" in r else ""
        rows.append(f"| {_short(r['clip'])} | {r['method']} | {fmt(r['psnr'])} | {versus[0]} | {versus[1]} | "
                    f"{fmt(100 * r['colorfulness_ratio'], 0)} | {pins} |")
    if not rows:
        return []
    return ["", "## Cross reference: against its mean colour", "",
            f"The key is another shot's frame. vs mean colour: PSNR minus `{MEAN_COLOUR}`'s (the reference's "
            f"mean ab everywhere); vs global candidate: minus `{GLOBAL_CANDIDATE}`'s (the node fusing its global "
            "candidate alone); colourfulness in % of the truth's; false pins: shots whose scan pinned the key.", "",
            "| clip | method | PSNR dB | vs mean colour dB | vs global candidate dB | colourfulness % | false pins |",
            "|---|---|---:|---:|---:|---:|---:|", *rows]
