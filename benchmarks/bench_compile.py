"""Compile time of the default fit's log density and gradient: cold, from the persistent cache,
and for new data of the same shape (issue 7, goal 2).

Each measurement runs in its own process (a fresh JAX, as a rerun of the workflow would be),
all sharing one persistent compilation cache that the first process starts empty:

1. ``cold``: empty cache;
2. ``cached``: the same program again (cache filled by 1);
3. ``new data``: the measurement values perturbed (same shape), from the cache.

Two forms of the potential are timed in each process: ``closed`` (the data are constants of
the program, as NumPyro builds it from ``model_kwargs``) and ``argument`` (the values are an
argument of the jitted function). Time = trace + lower + compile or cache load + first call,
less a second call; cache hits and misses counted from JAX's monitoring events. Then the same
three runs of a short NumPyro NUTS fit (the whole ``run_nuts``: sampler compile plus 10
iterations), which holds the data as constants of its program.

All of it twice: closed-over arrays embedded in the compiled programs, and hoisted into their
arguments (``JAX_USE_SIMPLIFIED_JAXPR_CONSTANTS``, which the package turns on).

Run: .venv/bin/python benchmarks/bench_compile.py   (writes benchmarks/out/compile.md)
"""

from __future__ import annotations

import argparse
import os
import dataclasses
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CACHE = OUT / "compile_cache"
CONFIG = HERE.parent / "config" / "config.yaml"
FIT = "synthetic"
RUNS = (("cold", False), ("cached", False), ("new data", True))


def worker(perturb: bool, sampler: bool) -> dict:
    import remodel_fit

    remodel_fit.configure(devices=2)
    import jax
    import jax.numpy as jnp
    from numpyro.infer import init_to_median
    from numpyro.infer.util import initialize_model, potential_energy

    from remodel_fit.data.synthetic import make_cohort
    from remodel_fit.inference import run_nuts
    from remodel_fit.inference.fit_model import FitModel
    from remodel_fit.runtime import enable_compile_cache
    from remodel_fit.settings import load_settings

    enable_compile_cache(CACHE)
    events = {"hits": 0, "misses": 0}

    def on_event(name, **_):
        if name.endswith("cache_hits"):
            events["hits"] += 1
        elif name.endswith("cache_misses"):
            events["misses"] += 1

    jax.monitoring.register_event_listener(on_event)
    config = load_settings(CONFIG)
    model = config.model_value()
    data = make_cohort(model, config.synthetic, config.seed).dataset
    fm = FitModel(model, data, config.fit_options(FIT))
    y = fm.values
    if perturb:
        y = y * jnp.exp(0.01 * jax.random.normal(jax.random.PRNGKey(1), y.shape))
    info = initialize_model(jax.random.PRNGKey(0), fm, model_kwargs={"y": fm.values}, init_strategy=init_to_median(num_samples=15))
    z = info.param_info.z
    forms = {
        "closed": (jax.jit(jax.value_and_grad(lambda z: potential_energy(fm, (), {"y": y}, z))), (z,)),
        "argument": (jax.jit(jax.value_and_grad(lambda z, y: potential_energy(fm, (), {"y": y}, z))), (z, y)),
    }
    out = {}
    if sampler:
        spec = dataclasses.replace(fm.options, nuts=dataclasses.replace(fm.options.nuts, warmup=5, draws=5, init="median", progress_bar=False))
        fm_small = FitModel(model, data, spec)
        before = dict(events)
        start = time.perf_counter()
        run = run_nuts(fm_small, jax.random.PRNGKey(2), y=y)
        out["NUTS sampler (2 chains x 5 + 5)"] = {"seconds": time.perf_counter() - start, "call_ms": float("nan"),
                                                  "value": 0.0, "hits": events["hits"] - before["hits"],
                                                  "misses": events["misses"] - before["misses"]}
        return out
    for name, (fn, args) in forms.items():
        before = dict(events)
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        first = time.perf_counter() - start
        start = time.perf_counter()
        value = jax.block_until_ready(fn(*args))[0]
        second = time.perf_counter() - start
        out[name] = {"seconds": first - second, "call_ms": 1e3 * second, "value": float(value),
                     "hits": events["hits"] - before["hits"], "misses": events["misses"] - before["misses"]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker", choices=("plain", "perturbed"), help=argparse.SUPPRESS)
    ap.add_argument("--sampler", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=OUT / "compile.md")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker == "perturbed", args.sampler)))
        return
    sys.path.insert(0, str(HERE))
    from common import header, publish

    lines = ["## Compile time of the fit's log density and gradient (bench_compile.py)", "",
             header("python benchmarks/bench_compile.py").rstrip(),
             f"- potential: fit `{FIT}` of config/config.yaml (data generated in-process from its seed), "
             "value and gradient (forward-mode Jacobian in a custom VJP), jitted; then NumPyro NUTS "
             "(2 parallel chains, 5 + 5 iterations) in its own process; constants: closed-over arrays embedded in "
             "the programs (JAX_USE_SIMPLIFIED_JAXPR_CONSTANTS=false) or hoisted into arguments (true), each with "
             "its own emptied cache", "",
             "| constants | run | data | form | compile s | cache hits | cache misses | call ms |", "|---|---|---|---|---|---|---|---|"]
    for hoisted in (False, True):
        shutil.rmtree(CACHE, ignore_errors=True)
        env = {**os.environ, "JAX_USE_SIMPLIFIED_JAXPR_CONSTANTS": "true" if hoisted else "false"}
        constants = "hoisted (package default)" if hoisted else "embedded"
        for sampler in (False, True):
            for run, perturb in RUNS:
                cmd = [sys.executable, __file__, "--worker", "perturbed" if perturb else "plain"] + (["--sampler"] if sampler else [])
                proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
                res = json.loads(proc.stdout.strip().splitlines()[-1])
                for form, r in res.items():
                    lines.append(f"| {constants} | {run} | {'perturbed' if perturb else 'as generated'} | {form} | "
                                 f"{r['seconds']:.1f} | {r['hits']} | {r['misses']} | {r['call_ms']:.1f} |")
                    print(lines[-1], flush=True)
    publish(args.out, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
