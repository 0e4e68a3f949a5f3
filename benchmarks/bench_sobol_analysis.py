"""Sobol' analysis of one output: SALib's ``sobol.analyze`` against ``sensitivity.saltelli``, side by side.

d = 12 inputs, second order, 100 bootstrap resamples, N = 8192 base points (212,992 rows) by
default, the GSA benchmark's design size; the output is a cheap closed form (Ishigami in the
first three inputs plus interactions with the rest), so only the analysis is timed. Reports
median seconds of each (alternating, 3 runs each) and the largest difference of any index.

    .venv/bin/python benchmarks/bench_sobol_analysis.py [--n 8192]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import remodel_fit

remodel_fit.configure()  # float64 and the JAX switches, before any JAX work

import numpy as np
from SALib.analyze import sobol as salib_sobol

from remodel_fit.sensitivity.saltelli import bootstrap_rows, sobol_indices
from remodel_fit.sensitivity.sobol import sample

sys.path.insert(0, str(Path(__file__).parent))
from common import command_line, header, publish  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=8192)
    args = ap.parse_args()
    d = 12
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[-np.pi, np.pi]] * d}
    X = sample(problem, args.n, seed=3, second_order=True)
    y = np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0]) + 0.3 * X[:, 3:].sum(1) * X[:, 0]
    rows = bootstrap_rows(args.n, 100, 11)
    times = {"SALib sobol.analyze": [], "sensitivity.saltelli": []}
    for _ in range(3):
        t0 = time.perf_counter()
        ref = salib_sobol.analyze(problem, y, calc_second_order=True, num_resamples=100, seed=11)
        times["SALib sobol.analyze"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ours = sobol_indices(y, d, second_order=True, rows=rows)
        times["sensitivity.saltelli"].append(time.perf_counter() - t0)
    diff = max(float(np.nanmax(np.abs(np.asarray(ref[k]) - v))) for k, v in ours.items())
    salib, fast = (float(np.median(v)) for v in times.values())
    lines = [
        "## Sobol' analysis of one output: SALib vs vectorised (benchmarks/bench_sobol_analysis.py)", "",
        header(command_line()),
        f"- d = {d}, N = {args.n} ({len(y):,} rows), S1/ST/S2 with 100 bootstrap resamples, one output:",
        f"  SALib {salib:.2f} s, sensitivity.saltelli {fast:.3f} s (medians of 3, alternating): {salib / fast:.0f}x;",
        f"  largest difference of any index or half-width: {diff:.1e}",
    ]
    publish("sobol_analysis.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
