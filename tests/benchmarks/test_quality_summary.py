"""The quality report's summary: each target checked on made-up results, met or not met with
the worst figure and where it was measured, and the sections it reads."""
from benchmarks import quality_summary as summary


def _result(clip, protocol, method, psnr, colorfulness_ratio=0.9, auc=None, scan=None):
    """A summarised result with only what the summary reads."""
    result = {"clip": clip, "protocol": protocol, "method": method, "psnr": psnr,
              "colorfulness_ratio": colorfulness_ratio}
    if auc is not None:
        result.update(confidence_auc=auc, usage={}, scan=scan or [])
    return result


def _scan(shot, frame, found, similarity=0.99):
    return {"shot": shot, "frame": frame, "found": found, "best_frame": found, "similarity": similarity}


def _results(unnamed_psnr=37.8, exported_psnr=36.0, cross_found=None, cross_colour=0.7, cross_auc=0.8):
    rows = []
    for clip in ("bigbuckbunny.mp4", "bikes.mp4"):
        rows += [
            _result(clip, "first", "excolor", 38.0, auc=0.9),
            _result(clip, "first_unnamed", "excolor", 38.0 if clip == "bikes.mp4" else unnamed_psnr, auc=0.9,
                    scan=[_scan(0, 0, 0)]),
            _result(clip, "first_exported_pinned", "excolor", 36.0, auc=0.85),
            _result(clip, "first_exported", "excolor", exported_psnr, auc=0.85, scan=[_scan(0, 0, 0, 0.97)]),
        ]
    rows += [
        _result("bikes.mp4", "cross", "global", 32.5, colorfulness_ratio=0.2),
        _result("bikes.mp4", "cross", "excolor_global", 32.9, auc=0.7, scan=[_scan(0, None, cross_found)]),
        _result("bikes.mp4", "cross", "excolor", 33.0, colorfulness_ratio=cross_colour, auc=cross_auc,
                scan=[_scan(0, None, cross_found, 0.4), _scan(1, None, None, 0.3)]),
    ]
    return rows


def _verdicts(results):
    return {target: (measured, where, verdict) for target, measured, where, verdict in summary.checks(results)}


def test_summary_met_when_every_target_is():
    verdicts = _verdicts(_results())
    assert verdicts == {
        "no frame named: PSNR - the pinned same key's >= -0.3 dB": ("-0.20", "bigbuckbunny first_unnamed", "met"),
        "cross: PSNR - the mean colour's >= 0 dB": ("0.50", "bikes cross", "met"),
        "cross: colourfulness >= 60% of the truth's": ("70", "bikes cross", "met"),
        "confidence ROC AUC (right: ab error <= 5) >= 0.75": ("0.80", "bikes cross", "met"),
        "cross: false pins = 0": ("0", "", "met"),
    }


def test_summary_not_met_with_the_worst_figure():
    verdicts = _verdicts(_results(unnamed_psnr=37.75, exported_psnr=35.5, cross_found=7, cross_colour=0.55,
                                  cross_auc=0.7))
    # The exported key is held to the same key pinned (36.0), not to the true key (38.0).
    assert verdicts["no frame named: PSNR - the pinned same key's >= -0.3 dB"] == (
        "-0.50", "bigbuckbunny first_exported", "not met")
    assert verdicts["cross: colourfulness >= 60% of the truth's"] == ("55", "bikes cross", "not met")
    assert verdicts["confidence ROC AUC (right: ab error <= 5) >= 0.75"] == ("0.70", "bikes cross", "not met")
    assert verdicts["cross: false pins = 0"] == ("1", "bikes cross", "not met")
    below = [r for r in _results() if not (r["protocol"] == "cross" and r["method"] == "excolor")]
    below.append(_result("bikes.mp4", "cross", "excolor", 32.0, auc=0.8))
    assert _verdicts(below)["cross: PSNR - the mean colour's >= 0 dB"] == ("-0.50", "bikes cross", "not met")


def test_summary_without_the_model_says_nothing_was_measured():
    baselines = [_result("bikes.mp4", "cross", "global", 32.5), _result("bikes.mp4", "first", "global", 33.0)]
    assert {verdict for _, _, _, verdict in summary.checks(baselines)} == {"n/a"}
    assert summary.scan_section(baselines) == []


def test_sections_show_the_scan_and_the_cross_reference():
    results = _results(cross_found=7)
    scan = "\n".join(summary.scan_section(results))
    assert "| bikes | first_exported | 1 | 0 | shot 0: 0 -> 0 (0.970) |" in scan
    assert ("| bikes | cross | 0 | 1 | shot 0: another shot's -> 7 (0.400); "
            "shot 1: another shot's -> unpinned (0.300) |") in scan
    cross = "\n".join(summary.cross_section(results))
    assert "| bikes | excolor | 33.00 | 0.50 | 0.10 | 70 | 1 |" in cross
    assert "| bikes | global | 32.50 | 0.00 | -0.40 | 20 |  |" in cross
