"""Morris elementary effects (mu, mu*, mu* CI, sigma) with SALib's sampler and analysis."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

from .evaluate import BatchFunction, FailurePolicy, apply_policy
from .evaluators import Evaluator, InProcess
from .problem import check_problem, output_labels


def morris(
    f: BatchFunction,
    problem: dict,
    *,
    trajectories: int,
    seed: int,
    levels: int = 4,
    output_names: Sequence[str] | None = None,
    failure_policy: FailurePolicy = "exclude",
    evaluator: Evaluator = InProcess(),
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Tidy Morris screening: ``parameter, output, mu, mu_star, mu_star_conf, sigma``.

    A failed evaluation drops its whole trajectory (``d + 1`` rows) under 'exclude'.
    """
    problem = check_problem(problem)
    X = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    ev = evaluator.evaluate(f, X, desc="morris")
    keep, report = apply_policy(ev.failed, block_size=problem["num_vars"] + 1, policy=failure_policy, method="morris")
    names = output_labels(output_names, ev.values.shape[1])
    frames = []
    for j, name in enumerate(names):
        res = morris_analyze.analyze(
            problem, X[keep], ev.values[keep, j], num_resamples=num_resamples, conf_level=conf_level,
            num_levels=levels, seed=seed, print_to_console=False,
        )
        frames.append(
            pd.DataFrame(
                {"parameter": problem["names"], "output": name, "mu": np.asarray(res["mu"]),
                 "mu_star": np.asarray(res["mu_star"]), "mu_star_conf": np.asarray(res["mu_star_conf"]),
                 "sigma": np.asarray(res["sigma"])}
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame["ci_overlaps_zero"] = ~(frame["mu_star"] - frame["mu_star_conf"] > 0)
    frame.attrs["failures"] = report.as_dict()
    return frame
