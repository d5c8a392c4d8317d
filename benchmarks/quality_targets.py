"""What the node must reach, checked against the benchmark's results, and the report sections
that show it: keyed frames, the node's candidate usage and confidence matte, the targets table.

Targets, per clip and protocol, for the default excolor:
  PSNR >= flow's + 1 dB and >= the floor's (pinned protocols)
  PSNR in every distance bin >= flow's in that bin
  ab MAE <= flow's
  warp error <= 1.1x the truth's; colourfulness within 10 % of the truth's
  PSNR >= global's + 2 dB (cross: no flow there)
  every keyed frame >= 45 dB (the key is the truth: it must come back as itself; not for an
  exported key, which is not)
  the frame after a key within 2 dB of flow's
  ROC AUC of the confidence as a detector of right pixels (ab error <= 5) >= 0.75
A protocol with no frame named is checked against its pinned twin at the report's top
(quality_summary.py); here, like cross, it has no flow to compare with.
"""
from __future__ import annotations

import numpy as np

from .quality_protocols import PROTOCOLS

DISTANCE_BINS = ((0, 9), (10, 29), (30, 59), (60, 10**6))
FLOW_MARGIN_DB = 1.0
CROSS_MARGIN_DB = 2.0
KEYED_MIN_DB = 45.0
AFTER_KEY_SLACK_DB = 2.0
WARP_RATIO_MAX = 1.1
COLOURFULNESS_TOLERANCE = 0.10
AUC_MIN = 0.75
DEFAULT = "excolor"


def bin_label(lo, hi):
    return f"{lo}-{hi if hi < 10**6 else ''}"


def fmt(value, digits=2):
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _by_method(results):
    """{(clip, protocol): {method: result}} in the results' order."""
    grouped = {}
    for r in results:
        grouped.setdefault((r["clip"], r["protocol"]), {})[r["method"]] = r
    return grouped


def _check(name, value, bound, met, detail=""):
    """A targets-table row: (target, measured, bound, 'met'/'missed'/'n/a')."""
    finite = all(v is not None and np.isfinite(v) for v in (value, bound))
    verdict = ("met" if met else "missed") if finite else "n/a"
    return name, fmt(value) + detail, fmt(bound), verdict


def checks(methods, key_is_truth=True):
    """Targets-table rows for one (clip, protocol) given {method: result}; [] without excolor.
    key_is_truth: False under a protocol whose key is exported (no longer the truth)."""
    mine = methods.get(DEFAULT)
    if mine is None:
        return []
    rows = []
    flow, floor, glob = methods.get("flow"), methods.get("floor"), methods.get("global")
    if flow is not None:
        bound = flow["psnr"] + FLOW_MARGIN_DB
        rows.append(_check("PSNR >= flow + 1 dB", mine["psnr"], bound, mine["psnr"] >= bound))
        for lo, hi in DISTANCE_BINS:
            label = bin_label(lo, hi)
            if label in flow["psnr_by_distance"] and label in mine["psnr_by_distance"]:
                value, bound = mine["psnr_by_distance"][label], flow["psnr_by_distance"][label]
                rows.append(_check(f"PSNR {label} frames from a key >= flow", value, bound, value >= bound))
        rows.append(_check("ab MAE <= flow's", mine["ab_mae"], flow["ab_mae"], mine["ab_mae"] <= flow["ab_mae"]))
        slack = flow["after_key_psnr"] - AFTER_KEY_SLACK_DB
        rows.append(_check("frame after a key >= flow's - 2 dB", mine["after_key_psnr"], slack,
                           mine["after_key_psnr"] >= slack))
    if floor is not None:
        rows.append(_check("PSNR >= floor", mine["psnr"], floor["psnr"], mine["psnr"] >= floor["psnr"]))
    if flow is None and glob is not None:
        bound = glob["psnr"] + CROSS_MARGIN_DB
        rows.append(_check("PSNR >= global + 2 dB", mine["psnr"], bound, mine["psnr"] >= bound))
    bound = WARP_RATIO_MAX * mine["truth_warp_error"]
    rows.append(_check("warp error <= 1.1x truth's", mine["warp_error"], bound, mine["warp_error"] <= bound))
    ratio = mine["colorfulness_ratio"]
    rows.append(_check("colourfulness within 10 % of truth's", mine["colorfulness"], mine["truth_colorfulness"],
                       abs(ratio - 1.0) <= COLOURFULNESS_TOLERANCE, f" ({fmt(100 * ratio, 0)} %)"))
    if mine["keyed"] and key_is_truth:
        rows.append(_check("every keyed frame >= 45 dB (lowest)", mine["keyed_psnr_min"], KEYED_MIN_DB,
                           mine["keyed_psnr_min"] >= KEYED_MIN_DB))
    auc = mine.get("confidence_auc", float("nan"))
    rows.append(_check(f"confidence AUC (right: ab error <= 5) >= {AUC_MIN}", auc, AUC_MIN, auc >= AUC_MIN))
    return rows


def _table(title, note, header, rows):
    """A markdown section, or nothing when it has no rows (e.g. no model run)."""
    if not rows:
        return []
    return ["", f"## {title}", "", note, "", header, "|" + "---|" * (header.count("|") - 1), *rows]


def sections(results):
    """Markdown lines: keyed frames, the node's candidates and matte, the targets table."""
    grouped = _by_method(results)
    keyed, usage, verdicts = [], [], []
    for (clip, protocol), methods in grouped.items():
        name = clip.split(".")[0]
        for method, r in methods.items():
            if r["keyed"]:
                frames = ", ".join(f"{k['frame']}: {fmt(k['psnr'])}" for k in r["keyed"])
                keyed.append(f"| {name} | {protocol} | {method} | {frames} | {fmt(r['after_key_psnr'])} | "
                             f"{fmt(r['between_keys_psnr'])} |")
            if "usage" in r:
                weights = ", ".join(f"{c} {fmt(w)}" for c, w in r["usage"].items())
                usage.append(f"| {name} | {protocol} | {method} | {weights} | {fmt(r['confidence_auc'])} |")
        rows = checks(methods, not PROTOCOLS[protocol].exported)
        verdicts += [f"| {name} | {protocol} | {t} | {v} | {b} | {ok} |" for t, v, b, ok in rows]
    return (
        _table("Keyed frames and the frame after a key",
               "A keyed frame is one a key is the true colour of (pinned there, or given with no frame): PSNR of "
               "each, mean PSNR of the frames just after a key and of the frames between two keys.",
               "| clip | protocol | method | keyed frames: PSNR dB | frame after a key | between keys |", keyed)
        + _table("The node's candidates and confidence matte",
                 "Mean per-pixel weight of each candidate over the fused frames (keyed frames excluded); "
                 "ROC AUC of the confidence as a detector of right pixels (ab error <= 5) over every "
                 "scored frame of the protocol (every 2nd pixel each way).",
                 "| clip | protocol | method | candidate usage | confidence AUC |", usage)
        + _table(f"Targets ({DEFAULT}, default candidates)",
                 "Each target for the node with all its candidates, met or missed, with the numbers.",
                 "| clip | protocol | target | measured | bound | verdict |", verdicts)
    )
