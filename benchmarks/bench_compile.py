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
less a second call; cache hits and misses counted from JAX's monitoring events.

Run: .venv/bin/python benchmarks/bench_compile.py   (writes benchmarks/out/compile.md)
"""

from __future__ import annotations

import argparse
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


def worker(perturb: bool) -> dict:
    import os

    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    import jax
    import jax.numpy as jnp
    from numpyro.infer import init_to_median
    from numpyro.infer.util import initialize_model, potential_energy

    from remodel_fit.config import load_config, model_from
    from remodel_fit.data.synthetic import make_cohort, synthetic_config
    from remodel_fit.inference import enable_compile_cache, parse_fit
    from remodel_fit.inference.model import FitModel

    enable_compile_cache(CACHE)
    events = {"hits": 0, "misses": 0}

    def on_event(name, **_):
        if name.endswith("cache_hits"):
            events["hits"] += 1
        elif name.endswith("cache_misses"):
            events["misses"] += 1

    jax.monitoring.register_event_listener(on_event)
    config = load_config(CONFIG)
    model = model_from(config)
    data = make_cohort(model, synthetic_config(config, CONFIG), config["seed"]).dataset
    fm = FitModel(model, data, parse_fit(config, FIT))
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
    ap.add_argument("--out", type=Path, default=OUT / "compile.md")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker == "perturbed")))
        return
    sys.path.insert(0, str(HERE))
    from common import header

    shutil.rmtree(CACHE, ignore_errors=True)
    lines = ["## Compile time of the fit's log density and gradient (bench_compile.py)", "",
             header("python benchmarks/bench_compile.py").rstrip(),
             f"- potential: fit `{FIT}` of config/config.yaml (data generated in-process from its seed), "
             "value and gradient (forward-mode Jacobian in a custom VJP), jitted", "",
             "| run | data | form | compile s | cache hits | cache misses | call ms |", "|---|---|---|---|---|---|---|"]
    for run, perturb in RUNS:
        proc = subprocess.run([sys.executable, __file__, "--worker", "perturbed" if perturb else "plain"],
                              capture_output=True, text=True, check=True)
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        for form, r in res.items():
            lines.append(f"| {run} | {'perturbed' if perturb else 'as generated'} | {form} | {r['seconds']:.1f} | "
                         f"{r['hits']} | {r['misses']} | {r['call_ms']:.1f} |")
        print(lines[-2], lines[-1], sep="\n", flush=True)
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
