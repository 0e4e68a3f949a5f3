"""Speed benchmark: NumPyro NUTS (our stack) against Stan (PyStan 3) on one posterior.

Same model, data, priors, initial point, 2 chains in parallel on both sides (see
bench_problem.py). Each side runs in its own subprocess, one after the other, so wall
and CPU time are its own and Stan's forked workers never share a process with JAX:
- ``stan-bdf``: PyStan build (cold: the httpstan model cache entry is deleted first)
  and NUTS with ``ode_bdf_tol``;
- ``stan-rk45``: the same program (build now a cache hit) with ``ode_rk45_tol``;
- ``numpyro-cold``: NumPyro NUTS, ``chain_method='parallel'`` on 2 host devices, with an
  emptied persistent compilation cache; ``numpyro-warm``: the same again, cache filled;
- ``fused-cold``, ``fused-warm``: the same with the package's fused integrator
  (``SolverConfig(engine="fused")``) instead of diffrax.
Compile time: Stan's build; for JAX the union of JAX's own trace/lower/compile events
(``jax.monitoring``), with the process CPU spent inside them.
Also checks that both sides give the same log density (difference between two points)
and gradient.

Run: .venv/bin/pip install -r benchmarks/requirements-stan.txt  (once)
     .venv/bin/python benchmarks/bench_nuts_vs_stan.py [--quick]
Writes benchmarks/out/nuts_vs_stan.md (the lead merges it into benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
JAX_CACHE = REPO / ".jax_cache" / "bench-nuts-vs-stan"
SEED = 1
CHAINS = 2
SIDES = ("stan-bdf", "stan-rk45", "numpyro-cold", "numpyro-warm", "fused-cold", "fused-warm", "fused-dense")
"""numpyro-*: NumPyro with the diffrax solve; fused-*: NumPyro with :mod:`remodel_fit.solve.fused`;
fused-dense: the same with a dense mass matrix (warm cache). Stan's diagonal metric is the only
one PyStan 3 / httpstan offers (its schema admits hmc_nuts_diag_e_adapt and fixed_param)."""


# ----------------------------------------------------------------- CPU accounting
def cpu_seconds() -> float:
    """CPU of this process, its reaped children and its live descendants (user + system)."""
    import psutil

    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    for child in psutil.Process().children(recursive=True):
        try:
            t = child.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


class Phase:
    """Wall and CPU seconds of a with-block."""

    def __enter__(self):
        self.wall0, self.cpu0 = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = cpu_seconds() - self.cpu0


class CompileClock:
    """Union of JAX's trace/lower/compile intervals and the process CPU spent inside them."""

    EVENTS = ("jaxpr_trace_duration", "jaxpr_to_mlir_module_duration", "backend_compile_duration")

    def __init__(self, period: float = 0.02):
        self.intervals: list[tuple[float, float]] = []
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, args=(period,), daemon=True)

    def listener(self, event: str, duration: float, **_) -> None:
        if event.rsplit("/", 1)[-1] in self.EVENTS:
            end = time.perf_counter()
            self.intervals.append((end - duration, end))

    def _poll(self, period: float) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), time.process_time()))
            time.sleep(period)

    def start(self) -> None:
        from jax import monitoring

        monitoring.register_event_duration_secs_listener(self.listener)
        self._thread.start()

    def stop(self) -> tuple[float, float]:
        """(wall, cpu) seconds inside compile intervals."""
        self._stop.set()
        self._thread.join()
        self.samples.append((time.perf_counter(), time.process_time()))
        merged: list[list[float]] = []
        for a, b in sorted(self.intervals):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        import numpy as np

        ts, cs = np.array(self.samples).T
        wall = sum(b - a for a, b in merged)
        cpu = sum(float(np.interp(b, ts, cs) - np.interp(a, ts, cs)) for a, b in merged)
        return wall, cpu


# ----------------------------------------------------------------- workers
def stan_worker(args, problem: dict) -> dict:
    """Build (optionally cold) and sample with PyStan; no JAX in this process."""
    import httpstan.cache
    import httpstan.models
    import numpy as np
    import stan

    code = (HERE / "stan" / "bone_inflammation.stan").read_text()
    data = problem["stan"] | {"use_bdf": int(args.worker == "stan-bdf")}
    name = httpstan.models.calculate_model_name(code)
    cached = httpstan.cache.model_directory(name).exists()
    if args.stan_cold and cached:
        httpstan.cache.delete_model_directory(name)
        cached = False
    with Phase() as build:
        posterior = stan.build(code, data=data, random_seed=SEED)
    init = [{"log_theta": data["mu"]} for _ in range(CHAINS)]
    with Phase() as sample:
        fit = posterior.sample(num_chains=CHAINS, num_warmup=args.warmup, num_samples=args.draws, init=init)
    names = list(fit.sample_and_sampler_param_names)
    draws = fit._draws  # (param, draw, chain)
    theta = draws[list(fit._parameter_indexes("log_theta"))].transpose(2, 1, 0)
    points = [problem["points"][k] for k in ("prior_mean", "truth")]
    with Phase() as check:
        log_prob = [posterior.log_prob(list(x)) for x in points]
        grad = posterior.grad_log_prob(list(points[0]))
    return {
        "log_theta": theta.tolist(),
        "diverging": draws[names.index("divergent__")].T.tolist(),
        "leapfrog": int(np.sum(draws[names.index("n_leapfrog__")])),
        "compile_wall": build.wall, "compile_cpu": build.cpu, "compile_cached": cached,
        "sample_wall": sample.wall, "sample_cpu": sample.cpu,
        "log_prob": log_prob, "grad": grad, "check_wall": check.wall, "check_cpu": check.cpu,
    }


def numpyro_worker(args, problem: dict) -> dict:
    """NumPyro NUTS over 2 host devices, persistent compile cache in JAX_CACHE."""
    import remodel_fit

    remodel_fit.configure(devices=CHAINS)
    import jax
    import jax.numpy as jnp
    import numpy as np
    from numpyro.infer import MCMC, NUTS, init_to_value
    from numpyro.infer.util import log_density

    sys.path.insert(0, str(HERE))
    import bench_problem

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_compilation_cache_dir", str(JAX_CACHE))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    data = {k: np.asarray(v) if k != "observables" else tuple(v) for k, v in problem["data"].items()}
    y = jnp.asarray(data["values"])
    engine = "fused" if args.worker.startswith("fused") else "diffrax"
    model = bench_problem.numpyro_model(data, gradient=args.gradient, engine=engine)
    mu = jnp.asarray(bench_problem.prior_mean())
    dense = args.worker == "fused-dense"
    kernel = NUTS(model, init_strategy=init_to_value(values={"log_theta": mu}), dense_mass=dense)
    mcmc = MCMC(kernel, num_warmup=args.warmup, num_samples=args.draws, num_chains=CHAINS,
                chain_method=args.chain_method, progress_bar=False)
    clock = CompileClock()
    clock.start()
    with Phase() as total:
        mcmc.run(jax.random.PRNGKey(SEED), y=y, extra_fields=("diverging", "num_steps"))
        samples = jax.block_until_ready(mcmc.get_samples(group_by_chain=True))
    compile_wall, compile_cpu = clock.stop()
    extra = mcmc.get_extra_fields(group_by_chain=True)

    def logp(x):
        return log_density(model, (), {"y": y}, {"log_theta": x})[0]

    points = [jnp.asarray(problem["points"][k]) for k in ("prior_mean", "truth")]
    with Phase() as check:
        log_prob = [float(logp(x)) for x in points]
        grad = np.asarray(jax.grad(logp)(points[0])).tolist()
        draws = np.asarray(samples["log_theta"]).reshape(-1, len(points[0]))
        error = bench_problem.solver_error(data, engine, [*points, *draws[:: max(1, len(draws) // 8)]])
    return {
        "log_theta": np.asarray(samples["log_theta"]).tolist(),
        "diverging": np.asarray(extra["diverging"]).astype(int).tolist(),
        "leapfrog": int(np.sum(extra["num_steps"])),
        "compile_wall": compile_wall, "compile_cpu": compile_cpu,
        "sample_wall": total.wall - compile_wall, "sample_cpu": total.cpu - compile_cpu,
        "total_wall": total.wall, "total_cpu": total.cpu,
        "log_prob": log_prob, "grad": grad, "check_wall": check.wall, "check_cpu": check.cpu,
        "devices": jax.local_device_count(), "chain_method": args.chain_method, "gradient": args.gradient,
        "engine": engine, "solver_error": error, "dense_mass": dense,
    }


# ----------------------------------------------------------------- driver
def make_problem(path: Path) -> dict:
    """Data, Stan data and check points (in a JSON the workers read, so Stan never imports JAX)."""
    import numpy as np

    import remodel_fit

    remodel_fit.configure()  # float64 before the first solve
    sys.path.insert(0, str(HERE))
    import bench_problem as bp

    data = bp.make_data()
    problem = {
        "data": {k: (v.tolist() if isinstance(v, np.ndarray) else list(v)) for k, v in data.items()},
        "stan": bp.stan_data(data, use_bdf=True),
        "free": list(bp.FREE),
        "points": {"prior_mean": bp.prior_mean().tolist(), "truth": np.log([bp.TRUE[n] for n in bp.FREE]).tolist()},
    }
    path.write_text(json.dumps(problem))
    return problem


def run_side(side: str, args, problem_path: Path, work: Path) -> dict:
    out = work / f"{side}.json"
    cmd = [sys.executable, __file__, "--worker", side, "--problem", str(problem_path), "--result", str(out),
           "--warmup", str(args.warmup), "--draws", str(args.draws), "--gradient", args.gradient,
           "--chain-method", args.chain_method, "--stan-cold" if args.stan_cold else "--no-stan-cold"]
    if side.endswith("-cold") and not side.startswith("stan"):
        shutil.rmtree(JAX_CACHE, ignore_errors=True)
    print(f"[{time.strftime('%H:%M:%S')}] {side} ...", flush=True)
    with Phase() as ph, open(work / f"{side}.log", "w") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = (work / f"{side}.log").read_text()[-3000:]
        raise SystemExit(f"{side} failed (exit {proc.returncode}); log {work / f'{side}.log'}:\n{tail}")
    res = json.loads(out.read_text())
    # the whole subprocess (imports, data, build or compile, sampling) less the density check
    res["process_wall"], res["process_cpu"] = ph.wall - res["check_wall"], ph.cpu - res["check_cpu"]
    out.write_text(json.dumps(res))
    print(f"    done in {ph.wall:.1f} s wall, {ph.cpu:.1f} s CPU", flush=True)
    return res


def diagnostics(res: dict, free: list[str]) -> dict:
    import arviz as az
    import numpy as np

    draws = np.asarray(res["log_theta"])  # (chain, draw, param)
    import xarray as xr

    posterior = xr.Dataset({"log_theta": (("chain", "draw", "p"), draws)}, coords={"p": free})
    ess = az.ess(posterior, method="bulk")["log_theta"].values
    ess_tail = az.ess(posterior, method="tail")["log_theta"].values
    rhat = az.rhat(posterior)["log_theta"].values
    return {
        "ess": ess, "min_ess": float(ess.min()), "min_ess_tail": float(ess_tail.min()), "rhat": float(rhat.max()),
        "mean": draws.reshape(-1, len(free)).mean(0), "sd": draws.reshape(-1, len(free)).std(0, ddof=1),
        "divergences": int(np.sum(res["diverging"])),
    }


NOTES = """
What each side solves and where they differ:
- Both: the Pivonka 2008 core (OBp, OBa, OCa) with the cytokine arm factors of
  `remodel_fit.bone.cytokines` (TNF-a and IL-6 constant from day 0, IL-1 at its reference), the
  formation-marker compartment and lumbar-spine BMD, from the healthy steady state (80 log-bisection
  iterations on the OCa residual), states normalised by the steady state, rtol 1e-6 / atol 1e-8, at
  most 16384 steps; log-normal likelihood with known sds; the same priors, initial point, data.
- NumPyro solves the package model itself (`remodel_fit.solve.simulate`, Tsit5, 7 states: the denosumab state
  stays 0 without doses and the total-hip BMD state is solved but not observed), steady state recomputed
  each call (plus its Newton step); gradient by forward mode (`jax.jacfwd` through diffrax `ForwardMode`,
  6 tangents) wrapped in a custom VJP, because reverse mode (`RecursiveCheckpointAdjoint`) still crashes
  under `chain_method='parallel'` (equinox "Closure-converted function called with different dynamic
  arguments"); a failed solve adds -1e8 to the log density. `numpyro-*` integrate with diffrax; `fused-*` with
  the package's fused engine (`remodel_fit.solve.fused`: one XLA while loop of Tsit5 steps ending on the visit
  times, the tangents by the forward sensitivity equations with the states' step sizes, as CVODES does;
  the fits' default since session 13).
- Stan solves the 5 states that matter (benchmarks/stan/bone_inflammation.stan), steady state once in
  transformed data (no free parameter enters it); `ode_bdf_tol` (CVODES BDF, forward sensitivities inside
  its error control) or `ode_rk45_tol` (Boost Dormand-Prince on states and sensitivities together); a
  failed solve rejects the proposal.
- Error norms differ: diffrax's RMS over 7 states on the states only; CVODES a weighted RMS over states and
  sensitivities; Boost's rk45 a max norm. The check above: the two log densities agree to ~2e-5.
- Times: compile = Stan's `stan.build` (stanc + g++; "cold" after deleting the httpstan cache entry) or
  the union of JAX's trace/lower/compile events during `mcmc.run` (cold: empty persistent cache; warm: the
  cache the cold run filled, `EQX_ON_ERROR=nan`); sampling = the rest of `posterior.sample` / `mcmc.run`
  (PyStan's includes writing and parsing its output). Process = the side's whole subprocess (imports,
  build or compile, sampling) less the density check. CPU = user + system of the process and its children
  (Stan's chains run in forked workers); the machine is shared, so CPU seconds are the steadier figure.
- min-ESS: ArviZ bulk ESS of the 6 log-parameters, the smallest; per wall s of sampling (in brackets: of
  compile + sampling) and per CPU s of sampling.
"""


def report(results: dict, problem: dict, args, command: str, header_text: str) -> str:
    import numpy as np

    free = problem["free"]
    d = {side: diagnostics(r, free) for side, r in results.items()}
    lines = [
        "## NUTS vs Stan: min bulk-ESS per second (bench_nuts_vs_stan.py)",
        "",
        header_text.rstrip(),
        f"- problem: bone_inflammation, one inflamed group (TNF-a 23, IL-6 30 pg/mL from day 0), "
        f"{len(problem['data']['values'])} points (ctx_rel, p1np_rel at 7 visits; bmd_ls_rel at 6) over 3 years, "
        f"known log-normal noise; {len(free)} free parameters on the log scale ({', '.join(free)}), "
        "Normal(log default, 0.5) priors; rtol 1e-6, atol 1e-8 on steady-state-normalised states",
        f"- NUTS: {CHAINS} chains x {args.warmup} warm-up + {args.draws} draws, in parallel on 2 cores on both sides, "
        "diagonal mass (fused-dense: dense), target acceptance 0.8, max tree depth 10, init at the prior median, seed 1",
        f"- NumPyro: package `simulate` (Tsit5, 7 states), chain_method={args.chain_method!r}, gradient={args.gradient!r}; "
        "Stan: the same equations for 5 states (bench stan file), PyStan 3 / httpstan",
        "",
        "| side | compile wall s | compile CPU s | sampling wall s | sampling CPU s | process wall s | process CPU s "
        "| leapfrog steps | ms CPU / leapfrog step | min bulk ESS | min tail ESS | max R-hat | divergences "
        "| min-ESS / wall s | min-ESS / CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for side, r in results.items():
        x = d[side]
        per_grad = 1e3 * r["sample_cpu"] / max(r["leapfrog"], 1)
        cached = " (cached)" if r.get("compile_cached") else ""
        lines.append(
            f"| {side} | {r['compile_wall']:.1f}{cached} | {r['compile_cpu']:.1f} | {r['sample_wall']:.1f} | "
            f"{r['sample_cpu']:.1f} | {r['process_wall']:.1f} | {r['process_cpu']:.1f} | {r['leapfrog']} | {per_grad:.2f} | "
            f"{x['min_ess']:.0f} | {x['min_ess_tail']:.0f} | {x['rhat']:.3f} | {x['divergences']} | "
            f"{x['min_ess'] / r['sample_wall']:.2f} (with compile {x['min_ess'] / (r['sample_wall'] + r['compile_wall']):.2f}) | "
            f"{x['min_ess'] / r['sample_cpu']:.2f} |"
        )
    def rank(key):
        return ", ".join(f"{s} {v:.2f}" for s, v in sorted(key.items(), key=lambda kv: -kv[1]))

    lines += ["", "Ranking, min-ESS per second of sampling: wall " + rank({s: d[s]["min_ess"] / r["sample_wall"]
              for s, r in results.items()}) + "; CPU " + rank({s: d[s]["min_ess"] / r["sample_cpu"]
              for s, r in results.items()}) + "."]
    lines += ["", "Posterior of log_theta, mean (sd), per side:", "",
              "| parameter | truth | " + " | ".join(results) + " |", "|---|---|" + "---|" * len(results)]
    for i, name in enumerate(free):
        cells = " | ".join(f"{d[s]['mean'][i]:.3f} ({d[s]['sd'][i]:.3f})" for s in results)
        lines.append(f"| {name} | {problem['points']['truth'][i]:.3f} | {cells} |")
    check = [s for s in results if "log_prob" in results[s]]
    if check:
        lines += ["", "Same posterior? log density at the truth minus at the prior median, and its gradient at the "
                  "prior median (Stan drops constants, so only differences compare):", ""]
        for s in check:
            lp = results[s]["log_prob"]
            grad = ", ".join(f"{g:.4g}" for g in results[s]["grad"])
            error = results[s].get("solver_error")
            error = "" if error is None else f"; solver error {error:.1e} (max relative, predictions vs Dopri8 rtol 1e-12)"
            lines.append(f"- {s}: {lp[1] - lp[0]:.5f}; gradient [{grad}]{error}")
    lines.append(NOTES)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 x 300 warm-up + 300 draws")
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--sides", default=",".join(SIDES), help=f"comma-separated subset of {SIDES}")
    ap.add_argument("--gradient", default="forward", choices=("forward", "reverse"),
                    help="NumPyro gradient: forward-mode custom VJP (works under pmap) or diffrax reverse mode")
    ap.add_argument("--chain-method", default="parallel", choices=("parallel", "vectorized", "sequential"))
    ap.add_argument("--stan-cold", action=argparse.BooleanOptionalAction, default=True,
                    help="delete the httpstan cache entry before stan-bdf's build (rk45 then builds from cache)")
    ap.add_argument("--out", type=Path, default=OUT / "nuts_vs_stan.md")
    ap.add_argument("--report-only", action="store_true", help="rewrite the markdown from the last run's side results")
    ap.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    ap.add_argument("--problem", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.warmup, args.draws = 300, 300
    if args.worker:
        problem = json.loads(args.problem.read_text())
        if args.worker.startswith("stan"):
            args.stan_cold = args.stan_cold and args.worker == "stan-bdf"
            res = stan_worker(args, problem)
        else:
            res = numpyro_worker(args, problem)
        args.result.write_text(json.dumps(res))
        return

    sys.path.insert(0, str(HERE))
    from common import header, publish

    command = "python benchmarks/bench_nuts_vs_stan.py " + " ".join(sys.argv[1:])
    work = args.out.parent / f"{args.out.stem}_work"
    work.mkdir(parents=True, exist_ok=True)
    sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    if args.report_only:  # the header (machine, load, command) and the counts of the run that made the results
        problem = json.loads((work / "problem.json").read_text())
        results = {side: json.loads((work / f"{side}.json").read_text()) for side in sides}
        head = (work / "header.md").read_text()
        args.warmup, args.draws = json.loads((work / "counts.json").read_text())
    else:
        head = header(command)  # load average before anything runs
        (work / "counts.json").write_text(json.dumps([args.warmup, args.draws]))
        problem = make_problem(work / "problem.json")
        results = {side: run_side(side, args, work / "problem.json", work) for side in sides}
        head += f"- load average {os.getloadavg()[0]:.1f} at the end\n"
        (work / "header.md").write_text(head)
    publish(args.out, report(results, problem, args, command, head))


if __name__ == "__main__":
    main()
