"""Per-frame latency figures shared by the speed benchmark's CPU cases and their GPU half."""
import statistics

import numpy as np


def summary(seconds):
    """{median_ms, p95_ms, fps} of per-frame latencies (seconds)."""
    ms = sorted(s * 1000.0 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(np.ceil(0.95 * len(ms))) - 1)]
    median = statistics.median(ms)
    return {"median_ms": median, "p95_ms": p95, "fps": 1000.0 / median, "frames": len(ms)}
