"""Model speed: one solve and one value-and-gradient (3 and 10 years, 10 free parameters),
for several solver/adjoint choices side by side, and vmap throughput over 10,000 sets.

Run: .venv/bin/python benchmarks/bench_model.py [--quick]
Writes benchmarks/out/model.md (merged by hand into benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import remodel_fit

remodel_fit.configure()  # float64 and the JAX switches, before any JAX work

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import header, median_time  # noqa: E402

from remodel_fit import SolverConfig, get_model, simulate  # noqa: E402
from remodel_fit.model.inputs import level  # noqa: E402

MODEL = get_model("bone_inflammation")
FREE = ("tnf_e_rankl", "tnf_e_opg", "tnf_e_ob", "il6_e_rankl", "tnf_ec50", "kout_ls", "k_form", "ctx0", "p1np0", "bmd_ls0")
INPUTS = {"tnf": level([0.0], [23.0]), "il6": level([0.0], [30.0])}
OBSERVED = ("bmd_ls", "ctx", "p1np")


def objective(times, config):
    base = MODEL.params()

    def f(theta):
        p = {**base, **{k: jnp.exp(v) for k, v in zip(FREE, theta)}}
        sol = simulate(MODEL, p, times, INPUTS, config=config)
        return sum(jnp.sum(jnp.log(sol.observables[o]) ** 2) for o in OBSERVED)

    theta0 = jnp.log(jnp.array([float(base[k]) for k in FREE]))
    return f, theta0


def value_and_grad(f, adjoint):
    if adjoint == "forward":  # forward-mode sensitivities: one JVP per parameter
        return jax.jit(lambda th: (f(th), jax.jacfwd(f)(th)))
    return jax.jit(jax.value_and_grad(f))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 5 if args.quick else 20
    lines = ["## Model: solve and value-and-gradient (issue 2)", "", header("python benchmarks/bench_model.py"), ""]
    lines += ["| horizon | solver | adjoint | save points | steps | solve (ms) | value+grad (ms) | grad/solve | compile v+g (s) |",
              "|---|---|---|---|---|---|---|---|---|"]
    variants = [("tsit5", "recursive"), ("tsit5", "forward"), ("dopri5", "recursive"), ("kvaerno5", "recursive"), ("kvaerno5", "forward")]
    for years in (3, 10):
        for n_save in (7, 60):
            times = jnp.linspace(0.0, 365.25 * years, n_save)
            for solver, adjoint in variants:
                if n_save == 60 and solver != "tsit5":
                    continue
                config = SolverConfig(solver=solver, adjoint="forward" if adjoint == "forward" else "recursive")
                f, theta0 = objective(times, config)
                solve = jax.jit(f)
                vg = value_and_grad(f, adjoint)
                steps = int(jax.jit(lambda th: simulate(MODEL, {**MODEL.params(), **{k: jnp.exp(v) for k, v in zip(FREE, th)}}, times, INPUTS, config=config).steps)(theta0))
                t0 = time.perf_counter()
                jax.block_until_ready(vg(theta0))
                compile_s = time.perf_counter() - t0
                t_solve = median_time(lambda: solve(theta0), repeats=repeats)
                t_vg = median_time(lambda: vg(theta0), repeats=repeats)
                row = f"| {years} y | {solver} | {adjoint} | {n_save} | {steps} | {1e3 * t_solve:.2f} | {1e3 * t_vg:.2f} | {t_vg / t_solve:.1f} | {compile_s:.1f} |"
                print(row, flush=True)
                lines.append(row)

    lines += ["", "### vmap throughput, 10,000 parameter sets (10-year solve, 7 save points, Tsit5)", "",
              "| chunk | solves/s | failed |", "|---|---|---|"]
    rng = np.random.default_rng(0)
    base = MODEL.params()
    n = 2_000 if args.quick else 10_000
    theta = jnp.asarray(np.log([float(base[k]) for k in FREE]) + 0.3 * rng.standard_normal((n, len(FREE))))
    times = jnp.linspace(0.0, 3652.5, 7)

    def one(th):
        p = {**base, **{k: jnp.exp(v) for k, v in zip(FREE, th)}}
        sol = simulate(MODEL, p, times, INPUTS)
        return sol.observables["bmd_ls_rel"][-1], sol.ok

    batched = jax.jit(jax.vmap(one))
    for chunk in (1_000, 2_500, n):
        jax.block_until_ready(batched(theta[:chunk]))  # compile for this shape
        start = time.perf_counter()
        fails = 0
        for i in range(0, n, chunk):
            out, ok = batched(theta[i : i + chunk])
            fails += int(np.sum(~np.asarray(ok)))
        rate = n / (time.perf_counter() - start)
        row = f"| {chunk} | {rate:,.0f} | {fails} |"
        print(row, flush=True)
        lines.append(row)
    out = Path(__file__).parent / "out" / "model.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
