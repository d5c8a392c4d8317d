"""The benchmarks: quality, speed and preroll of excolor on real footage, their reports in
benchmarks/results/. A package run from the repository root, one module a benchmark:

    python -m benchmarks.quality [--quick --out DIR]
    python -m benchmarks.speed [--quick --out DIR]
    python -m benchmarks.preroll --model LABEL=DIR [--quick --out DIR]
    python -m benchmarks.speed_profile MODEL_DIR
    python -m benchmarks.make_samples

Each `--quick` mode is run end to end by tests/benchmarks/test_NAME.py.
"""
