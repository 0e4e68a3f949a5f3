"""GSA throughput: scipy solve_ivp (LSODA) loop vs chunked jit(vmap) diffrax; Sobol' wall time.

Same model (bone_inflammation through ``model.vector_field``), same 12 cytokine inputs
(3 levels, 9 effect strengths), same outputs (BMD % change, CTX, P1NP, OPG:RANKL at 1, 5,
10 years). Errors of both against a tight Dopri8 reference. Writes benchmarks/out/gsa.md.

    .venv/bin/python benchmarks/bench_gsa.py [--n 8192] [--scipy-solves 100]
"""

from __future__ import annotations

import argparse
import os
import sys

import remodel_fit

remodel_fit.configure(devices=2)

import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from remodel_fit import SolverConfig, get_model  # noqa: E402
from remodel_fit.bone.gsa import PERCENT_CHANGE, bone_problem, cytokine_parameter_names  # noqa: E402
from remodel_fit.model.inputs import LevelSchedule  # noqa: E402
from remodel_fit.sensitivity import MultiProcess, analyze_sobol, evaluate_chunked  # noqa: E402
from remodel_fit.sensitivity.sobol import sample  # noqa: E402
from remodel_fit.settings.gsa import GsaSettings  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from common import publish  # noqa: E402

YEARS = [1.0, 5.0, 10.0]
TIMES = [y * 365.25 for y in YEARS]
OUTPUTS = ("bmd_ls_rel", "bmd_th_rel", "ctx_rel", "p1np_rel", "opg_rankl")
NAMES = cytokine_parameter_names(ec50=False)
BOUNDS = {n: ([5.0, 60.0] if n.endswith("_level") else [0.0, 3.0]) for n in NAMES}


def scipy_evaluator(model):
    """The loop a user would write: jitted RHS/observe, LSODA per sample (normalised states)."""
    defaults = {k: float(v) for k, v in model.defaults().items()}

    def setup(x):
        p = {**defaults, **{n: float(x[i]) for i, n in enumerate(NAMES) if not n.endswith("_level")}}
        inputs = {n[: -len("_level")]: LevelSchedule(jnp.zeros(1), jnp.asarray([x[i]])) for i, n in enumerate(NAMES) if n.endswith("_level")}
        return p, inputs

    prepare = jax.jit(lambda p, inputs: model.prepared(p, inputs))
    init = jax.jit(lambda p, inputs: model.initial_state(p, inputs))
    rhs = jax.jit(lambda t, z, scale, p, inputs: model.vector_field(t, z * scale, p, inputs) / scale)
    observe = jax.jit(lambda t, y, y0, p, inputs: model.observe(t, y, y0, p, inputs))

    def solve(x):
        p, inputs = setup(x)
        p = prepare(p, inputs)
        y0 = np.asarray(init(p, inputs))
        scale = np.where(np.abs(y0) > 0, np.abs(y0), np.asarray(model.state_scales))
        sol = solve_ivp(
            lambda t, z: np.asarray(rhs(t, z, scale, p, inputs)), (0.0, TIMES[-1]), y0 / scale,
            method="LSODA", rtol=1e-6, atol=1e-8, t_eval=TIMES,
        )
        out = []
        for o in OUTPUTS:
            vals = [float(observe(t, sol.y[:, j] * scale, jnp.asarray(y0), p, inputs)[o]) for j, t in enumerate(TIMES)]
            out += [100 * (v - 1) if o in PERCENT_CHANGE else v for v in vals]
        return np.asarray(out), sol.success

    return solve


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=8192)
    ap.add_argument("--scipy-solves", type=int, default=100)
    ap.add_argument("--sweep-rows", type=int, default=8192)
    ap.add_argument("--chunks", type=int, nargs="+", default=[1024, 4096])
    ap.add_argument("--solvers", nargs="+", default=["tsit5", "kvaerno4", "rodas4p"])
    args = ap.parse_args()
    model = get_model("bone_inflammation")
    problem = {"names": NAMES, "bounds": [BOUNDS[n] for n in NAMES]}
    X = sample(problem, args.n, seed=1, second_order=True)
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        print(line, file=sys.stderr, flush=True)


    # accuracy: every side against a tight reference on the first 16 rows
    ref = bone_problem(BOUNDS, times_days=TIMES, outputs=OUTPUTS, solver=SolverConfig("dopri8", rtol=1e-12, atol=1e-14, adjoint="forward"))
    solvers = {"tsit5": SolverConfig(adjoint="forward"), "kvaerno4": SolverConfig("kvaerno4", adjoint="forward"),
               "rodas4p": GsaSettings().solver_config({})}
    solvers = {name: cfg for name, cfg in solvers.items() if name in args.solvers}
    ours = {name: bone_problem(BOUNDS, times_days=TIMES, outputs=OUTPUTS, solver=cfg) for name, cfg in solvers.items()}
    sub = X[:16]
    y_ref = evaluate_chunked(ref.f, sub, progress=False, devices=1).values

    solve = scipy_evaluator(model)
    solve(X[0])  # compile the jitted pieces
    m = args.scipy_solves
    t0 = time.perf_counter()
    y_sp = np.stack([solve(x)[0] for x in X[:m]])
    scipy_rate = m / (time.perf_counter() - t0)

    def err(y):
        return float(np.max(np.abs(y - y_ref[: len(y)]) / np.maximum(np.abs(y_ref[: len(y)]), 1e-2)))

    errors = {name: err(evaluate_chunked(g.f, sub, progress=False, devices=1).values) for name, g in ours.items()}
    log(f"- accuracy (max relative error over {len(sub)} samples x {y_ref.shape[1]} outputs vs Dopri8 rtol 1e-12), rtol 1e-6 each: "
        + "; ".join(f"diffrax {name}: {e:.1e}" for name, e in errors.items()) + f"; scipy LSODA: {err(y_sp[:16]):.1e}")
    log(f"- scipy solve_ivp LSODA loop (jitted RHS): {scipy_rate:.1f} solves/s ({m} solves)")

    # sweep: solver x devices x chunk on a fixed subset
    rows = X[: args.sweep_rows]
    best = None

    def evaluator(name: str, devices: int, processes: int):
        """rows, chunk -> Evaluation: in this process over ``devices`` host devices, or spread over
        ``processes`` worker processes of one device each (a new pool per call, as in the study)."""
        if processes > 1:
            return lambda Y, chunk, progress=False: MultiProcess(processes, chunk, progress).evaluate(ours[name].f, Y)
        return lambda Y, chunk, progress=False: evaluate_chunked(ours[name].f, Y, chunk=chunk, devices=devices, progress=progress)

    for name in ours:
        # Kvaerno: lineax fails under shard_map, so two cores means two processes
        layouts = ((1, 1), (1, 2)) if solvers[name].uses_lineax else ((1, 1), (2, 1))
        for devices, processes in layouts:
            run = evaluator(name, devices, processes)
            for chunk in args.chunks:
                _, compile_s = timed(run, rows[: chunk * processes], chunk)
                ev, dt = timed(run, rows, chunk)
                rate = len(rows) / dt
                where = f"processes={processes}" if processes > 1 else f"devices={devices}"
                log(f"- diffrax {name} jit(vmap) {where} chunk={chunk}: {rate:.0f} solves/s "
                    f"(first call incl. compile {compile_s:.1f} s; failed {ev.n_failed})")
                if best is None or rate > best[0]:
                    best = (rate, name, devices, processes, chunk)
    rate, name, devices, processes, chunk = best
    log(f"- best: {name}, devices={devices}, processes={processes}, chunk={chunk}: {rate:.0f} solves/s = "
        f"{rate / scipy_rate:.0f}x the scipy loop")
    columns = ours[name].columns

    # full Sobol' at N (sample + evaluate + analyse every output with S2)
    t0 = time.perf_counter()
    Xn = sample(problem, args.n, seed=1, second_order=True)
    ev = evaluator(name, devices, processes)(Xn, chunk, progress=True)
    t_eval = time.perf_counter() - t0
    frame = analyze_sobol(problem, ev.values, ev.failed, seed=1, output_names=columns["column"].tolist())
    total = time.perf_counter() - t0
    log(f"- Sobol' d=12, N={args.n} ({len(Xn):,} solves, S1/ST/S2 of {ev.values.shape[1]} outputs): "
                 f"{total:.0f} s wall ({t_eval:.0f} s sampling+evaluation with {name}, {total - t_eval:.1f} s analysis (sensitivity.saltelli, 100 bootstrap resamples); "
                 f"{'worker processes started and their programs loaded from the cache inside it' if processes > 1 else 'compiled already'}); "
                 f"{len(Xn) / t_eval:.0f} solves/s; failed {ev.n_failed}")
    top = frame[(frame.kind == "first_total") & (frame.output == "bmd_ls_rel@3652.5d")].nlargest(3, "ST")
    log("- top ST for lumbar-spine BMD at 10 y: " + ", ".join(f"{r.parameter} {r.ST:.2f}" for r in top.itertuples()))

    head = [
        "## Global sensitivity analysis (benchmarks/bench_gsa.py)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with other jobs), {platform.python_version()}; "
        f"jax {jax.__version__}, diffrax {__import__('diffrax').__version__}, SALib "
        f"{__import__('importlib.metadata').metadata.version('SALib')}, scipy {__import__('scipy').__version__}, remodel_fit {remodel_fit.__version__}.",
        f"Command: `{' '.join([Path(sys.executable).name, *sys.argv])}`. Model bone_inflammation, 10-year horizon, 12 inputs.",
        "",
    ]
    publish("gsa.md", "\n".join(head + lines) + "\n")


if __name__ == "__main__":
    main()
