"""The fit's gradient with the diffrax and the fused engine, side by side (issue 7, goal 1).

For three potentials (the NUTS-vs-Stan benchmark problem, the default synthetic fit, the
clinical fit when the shared data are present) the jitted value and gradient of the NumPyro
potential energy at the same point, with ``solver.engine`` diffrax and fused: medians of
repeated calls, the two engines alternated in rounds so that load hits both alike; compile
time of the first call; the largest relative difference of the gradients. Writes benchmarks/out/fused.md.

Run: .venv/bin/python benchmarks/bench_fused.py [--rounds 3] [--repeats 15]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import remodel_fit

remodel_fit.configure()
import jax
import jax.numpy as jnp
import numpy as np
from numpyro.infer import init_to_median
from numpyro.infer.util import initialize_model, potential_energy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import command_line, header, publish  # noqa: E402

ENGINES = ("diffrax", "fused")


def bench_problem_potentials() -> dict:
    """engine -> (value-and-grad, point) for the NUTS-vs-Stan problem."""
    import bench_problem as bp

    data = bp.make_data()
    y = jnp.asarray(data["values"])
    point = {"log_theta": jnp.asarray(bp.prior_mean())}
    out = {}
    for engine in ENGINES:
        model = bp.numpyro_model(data, engine=engine)
        out[engine] = (jax.jit(jax.value_and_grad(lambda z, m=model: potential_energy(m, (), {"y": y}, z))), point)
    return out


def fit_potentials(config_path: Path, fit: str, data_loader) -> dict:
    """engine -> (value-and-grad, point at the prior median) for fit ``fit`` of a workflow config."""
    from remodel_fit.inference.fit_model import FitModel
    from remodel_fit.registry import get_model
    from remodel_fit.settings import load_settings

    config = load_settings(config_path)
    spec = config.fit_options(fit)
    model = get_model(spec.model)
    data = data_loader(config, model)
    out = {}
    for engine in ENGINES:
        s = dataclasses.replace(spec, solver=dataclasses.replace(spec.solver, engine=engine),
                                nuts=dataclasses.replace(spec.nuts, gradient="forward"))
        fm = FitModel(model, data, s)
        info = initialize_model(jax.random.PRNGKey(0), fm, model_kwargs={"y": fm.values},
                                init_strategy=init_to_median(num_samples=15))
        vg = jax.jit(jax.value_and_grad(lambda z, fm=fm: potential_energy(fm, (), {"y": fm.values}, z)))
        out[engine] = (vg, info.param_info.z)
    return out


def synthetic_data(config, model):
    from remodel_fit.data.synthetic import make_cohort

    return make_cohort(model, config.synthetic, config.seed).dataset


def clinical_data(config, model):
    from remodel_fit.data.build import build_dataset
    from remodel_fit.data.clinical import read_clinical_arms
    from remodel_fit.data.validate import validate_conditions, validate_measurements

    meas, cond = read_clinical_arms(HERE.parent / config.data.clinical_dir, config.data.patterns, drugs=config.data.clinical_drugs)
    meas = validate_measurements(meas, model, "<clinical measurements>")
    cond = validate_conditions(cond, model, meas, "<clinical conditions>", "<clinical measurements>")
    return build_dataset(meas, cond, model)


def measure(potentials: dict, rounds: int, repeats: int) -> dict:
    """engine -> compile s, median ms, gradient; engines alternated per round."""
    res = {e: {"times": []} for e in potentials}
    for engine, (fn, z) in potentials.items():
        start = time.perf_counter()
        value, grad = jax.block_until_ready(fn(z))
        res[engine]["compile_s"] = time.perf_counter() - start
        res[engine]["value"] = float(value)
        res[engine]["grad"] = np.concatenate([np.ravel(g) for g in jax.tree_util.tree_leaves(grad)])
    for _ in range(rounds):
        for engine, (fn, z) in potentials.items():
            for _ in range(repeats):
                start = time.perf_counter()
                jax.block_until_ready(fn(z))
                res[engine]["times"].append(time.perf_counter() - start)
    for r in res.values():
        r["ms"] = 1e3 * statistics.median(r["times"])
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    head = header(command_line())
    cases = {"NUTS-vs-Stan problem (6 parameters, 1 solve of 3 years, 7 visits)": bench_problem_potentials,
             "default synthetic fit (3 schedules unrolled, 3 years)": lambda: fit_potentials(
                 HERE.parent / "config/config.yaml", "synthetic", synthetic_data)}
    if (HERE.parent / "../shared/data/clinical").is_dir():
        cases["clinical fit (8 arms vmapped, 4 years, 65 save times)"] = lambda: fit_potentials(
            HERE.parent / "config/clinical.yaml", "denosumab", clinical_data)
    lines = ["### Value and gradient of the fit's potential: diffrax vs fused (bench_fused.py)", "", head.rstrip(),
             f"- medians of {args.rounds} rounds x {args.repeats} calls, engines alternated per round; compile = first call",
             "", "| potential | diffrax ms | fused ms | speed-up | compile s (diffrax / fused) | max gradient difference (relative) |",
             "|---|---|---|---|---|---|"]
    for name, build in cases.items():
        res = measure(build(), args.rounds, args.repeats)
        d, f = res["diffrax"], res["fused"]
        diff = float(np.max(np.abs(f["grad"] - d["grad"]) / np.maximum(np.abs(d["grad"]), 1e-8 * np.max(np.abs(d["grad"])))))
        lines.append(f"| {name} | {d['ms']:.2f} | {f['ms']:.2f} | {d['ms'] / f['ms']:.2f}x | "
                     f"{d['compile_s']:.1f} / {f['compile_s']:.1f} | {diff:.1e} |")
        print(lines[-1], flush=True)
    publish("fused.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
