"""Sensitivity error control in the fused engine: the v2 clinical potential with and without it.

The potential of ``config/clinical_v2.yaml`` (its calibration arms, priors, solver) at points drawn
from the prior (seeded; the prior median first) and, with ``--idata``, at posterior draws of a
fit of it: for each side, ``solver.sensitivity_control`` false (the states alone set the steps) or
true (the tangents too, CVODES' errconS) with the tangents' tolerance at 1, 10 and 100 times the
states' (``solver.sensitivity_tolerance``), the median time of one value and gradient, and how far
the gradient's directional derivative along a random unit direction is from central differences
of the value (steps 1e-3 and 1e-5; the value itself is smooth to ~1e-7). Every side is compiled
before any is timed, and the sides are timed in turn at each point.

    .venv/bin/python benchmarks/bench_sensitivity.py [--points 4] [--repeats 5] [--idata results/fit/clinical_v2/idata.nc]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import remodel_fit

remodel_fit.configure()  # float64 and the JAX switches, before any JAX work

import jax
import numpy as np
import xarray as xr
from jax.flatten_util import ravel_pytree
from numpyro.infer import init_to_median, init_to_sample
from numpyro.infer.util import initialize_model, unconstrain_fn

from remodel_fit.data.build import dataset_from_frames
from remodel_fit.data.clinical import read_clinical_arms
from remodel_fit.inference.fit_model import FitModel
from remodel_fit.settings import load_settings

sys.path.insert(0, str(Path(__file__).parent))
from common import command_line, header, median_time, publish  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "clinical_v2.yaml"
FIT = "clinical_v2"


SIDES = {"states": (False, 1.0), "sensitivities 1x": (True, 1.0), "sensitivities 10x": (True, 10.0),
         "sensitivities 100x": (True, 100.0)}
"""Side name: (``sensitivity_control``, ``sensitivity_tolerance``)."""


def potential(settings, control: bool, loosen: float, data, key):
    """``(value_and_grad, fit model, x0, unravel)`` of the fit's potential with ``sensitivity_control=control``
    and ``sensitivity_tolerance=loosen``."""
    options = settings.fit_options(FIT)
    solver = dataclasses.replace(options.solver, sensitivity_control=control, sensitivity_tolerance=loosen)
    options = dataclasses.replace(options, solver=solver)
    fm = FitModel(settings.fit_model(FIT), data, options)
    info = initialize_model(key, fm, model_kwargs={"y": np.asarray(data.values)}, init_strategy=init_to_median(num_samples=15))
    flat, unravel = ravel_pytree(info.param_info.z)
    return jax.jit(jax.value_and_grad(lambda x: info.potential_fn(unravel(x)))), fm, flat, unravel


def prior_points(fm, n: int, key) -> list[np.ndarray]:
    """The prior median and ``n - 1`` prior draws, unconstrained and flattened."""
    points = []
    for i, k in enumerate(jax.random.split(key, n)):
        strategy = init_to_median(num_samples=15) if i == 0 else init_to_sample
        info = initialize_model(k, fm, model_kwargs={"y": np.asarray(fm.data.values)}, init_strategy=strategy)
        points.append(np.asarray(ravel_pytree(info.param_info.z)[0]))
    return points


def posterior_points(fm, sites, path: Path, n: int) -> list[np.ndarray]:
    """``n`` draws of the fit in ``path`` spread evenly over its chains and draws, unconstrained and flattened
    in the order of ``sites`` (the potential's unconstrained sample sites)."""
    posterior = xr.open_datatree(path)["posterior"]
    y = np.asarray(fm.data.values)
    missing = sorted(set(sites) - set(posterior.data_vars))
    if missing:
        raise SystemExit(f"{path}: the posterior lacks the fit's sample sites {missing}")
    n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    per_chain = -(-n // n_chain)
    points = []
    for j in range(n):
        chain, draw = j % n_chain, (2 * (j // n_chain) + 1) * n_draw // (2 * per_chain)
        params = {name: np.asarray(posterior[name].values[chain, draw]) for name in sites}
        z = unconstrain_fn(fm, (), {"y": y}, params)
        points.append(np.asarray(ravel_pytree({name: z[name] for name in sites})[0]))
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--idata", type=Path, help="a fit of config/clinical_v2.yaml: its posterior draws are points too")
    parser.add_argument("--posterior-points", type=int, default=4)
    args = parser.parse_args()
    head = header(command_line())
    settings = load_settings(CONFIG)
    model = settings.fit_model(FIT)
    meas, cond = read_clinical_arms((ROOT / settings.data.clinical_dir).resolve(), settings.data.clinical_pattern,
                                    drugs=settings.data.clinical_drugs)
    data = dataset_from_frames(meas, cond, model)
    key = jax.random.PRNGKey(settings.seed)
    sides = {name: potential(settings, control, loosen, data, key) for name, (control, loosen) in SIDES.items()}
    _, fm, x0, unravel = sides["states"]
    points = [("prior", x) for x in prior_points(fm, args.points, jax.random.fold_in(key, 1))]
    if args.idata is not None:
        points += [("posterior", x) for x in posterior_points(fm, unravel(x0), args.idata, args.posterior_points)]
    rng = np.random.default_rng(settings.seed)
    for vg, *_ in sides.values():  # compile every side before timing any
        jax.block_until_ready(vg(points[0][1]))
    rows = []
    for i, (where, x) in enumerate(points):
        d = rng.normal(size=x.size)
        d /= np.linalg.norm(d)
        for name, (vg, *_) in sides.items():
            value, grad = vg(x)
            directional = float(np.asarray(grad) @ d)
            fd = {h: (float(vg(x + h * d)[0]) - float(vg(x - h * d)[0])) / (2 * h) for h in (1e-3, 1e-5)}
            ms = 1e3 * median_time(lambda: vg(x), repeats=args.repeats, warmup=1)
            rows.append((f"{i} ({where})", name, float(value), directional, fd[1e-3], fd[1e-5], ms))
    lines = ["| point | steps set by | potential | grad . d | central diff h=1e-3 | h=1e-5 | ms per value+grad |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {i} | {n} | {v:.4f} | {g:.5g} | {a:.5g} | {b:.5g} | {ms:.1f} |" for i, n, v, g, a, b, ms in rows]
    by_side = {n: np.median([r[6] for r in rows if r[1] == n]) for n in sides}
    lines.append("\nmedian ms per value+grad: " + ", ".join(
        f"{n} {ms:.1f} ({ms / by_side['states']:.2f}x states)" for n, ms in by_side.items()))
    publish("sensitivity_control.md", head + "\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
