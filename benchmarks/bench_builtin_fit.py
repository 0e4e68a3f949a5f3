"""The default fit at two revisions of the package, side by side (issue 19: "nothing slower for
the built-in models").

Each revision is extracted with ``git archive`` into ``benchmarks/out/trees/<rev>`` and run in
its own worker processes (``PYTHONPATH=<tree>/src``, its own ``config/config.yaml``), the
revisions alternating round by round so that the machine's load falls on both alike. A worker
times, for the fit ``synthetic`` (data generated in-process from the config's seed):

- the potential's value and gradient, jitted: compile (first call less the second) and the
  median of 30 calls;
- a short NumPyro NUTS run (2 chains, 50 + 50 iterations, ``init: median``, no progress bar):
  wall time including its compile, and the posterior mean of every latent (equal means say the
  two revisions sample the same chain).

Run: .venv/bin/python benchmarks/bench_builtin_fit.py --revs 99731aa HEAD --rounds 3
(writes benchmarks/out/builtin_fit.md)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
FIT = "synthetic"
CALLS = 30


def worker(tree: Path) -> dict:
    import dataclasses

    import remodel_fit

    remodel_fit.configure(devices=2)
    import jax
    import numpy as np
    from numpyro.infer import init_to_median
    from numpyro.infer.util import initialize_model, potential_energy

    from remodel_fit.data.synthetic import make_cohort
    from remodel_fit.inference import run_nuts
    from remodel_fit.inference.fit_model import FitModel
    from remodel_fit.settings import load_settings

    config = load_settings(tree / "config" / "config.yaml")
    model = config.model_value()
    data = make_cohort(model, config.synthetic, config.seed).dataset
    fm = FitModel(model, data, config.fit_options(FIT))
    info = initialize_model(jax.random.PRNGKey(0), fm, model_kwargs={"y": fm.values},
                            init_strategy=init_to_median(num_samples=15))
    fn = jax.jit(jax.value_and_grad(lambda z: potential_energy(fm, (), {"y": fm.values}, z)))
    z = info.param_info.z
    start = time.perf_counter()
    jax.block_until_ready(fn(z))
    first = time.perf_counter() - start
    calls = []
    for _ in range(CALLS):
        start = time.perf_counter()
        jax.block_until_ready(fn(z))
        calls.append(time.perf_counter() - start)
    nuts = dataclasses.replace(fm.options.nuts, warmup=50, draws=50, init="median", progress_bar=False)
    small = FitModel(model, data, dataclasses.replace(fm.options, nuts=nuts))
    start = time.perf_counter()
    run = run_nuts(small, jax.random.PRNGKey(2))
    nuts_s = time.perf_counter() - start
    samples = run.mcmc.get_samples()
    means = {k: float(np.mean(np.asarray(v))) for k, v in samples.items() if np.ndim(v) == 1}
    return {"compile_s": first - statistics.median(calls), "call_ms": 1e3 * statistics.median(calls),
            "nuts_s": nuts_s, "means": means}


def extract(rev: str) -> tuple[str, Path]:
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.strip()
    tree = OUT / "trees" / sha
    if not (tree / "src").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as tmp:
            subprocess.run(["git", "archive", sha], cwd=REPO, stdout=tmp, check=True)
            tmp.seek(0)
            tarfile.open(fileobj=tmp).extractall(tree, filter="data")
    return sha, tree


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--revs", nargs=2, default=["99731aa", "HEAD"], help="the revision before and after")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=OUT / "builtin_fit.md")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    sys.path.insert(0, str(HERE))
    from common import header, publish

    trees = [extract(rev) for rev in args.revs]
    results: dict[str, list[dict]] = {sha: [] for sha, _ in trees}
    for r in range(args.rounds):
        for sha, tree in trees if r % 2 == 0 else trees[::-1]:
            env = {**os.environ, "PYTHONPATH": str(tree / "src"), "REMODEL_FIT_JAX_CACHE": str(OUT / "trees" / f"cache-{sha}-{r}")}
            proc = subprocess.run([sys.executable, __file__, "--worker", str(tree)], capture_output=True, text=True,
                                  env=env, cwd=tree)
            if proc.returncode:
                raise SystemExit(f"worker {sha} failed:\n{proc.stderr[-3000:]}")
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            results[sha].append(res)
            print(sha, r, {k: v for k, v in res.items() if k != "means"}, f"load {os.getloadavg()[0]:.2f}", flush=True)
    lines = ["## The default fit before and after (bench_builtin_fit.py)", "",
             header(f"python benchmarks/bench_builtin_fit.py --revs {' '.join(args.revs)} --rounds {args.rounds}").rstrip(),
             f"- fit `{FIT}` of each revision's config/config.yaml; each cell: median over {args.rounds} alternating "
             "rounds, one fresh process and an empty compile cache each", "",
             "| revision | potential compile s | value+gradient ms | NUTS 2 x (50 + 50) s | max posterior-mean difference |",
             "|---|---|---|---|---|"]
    ref = results[trees[0][0]][0]["means"]
    for sha, _ in trees:
        rs = results[sha]
        diff = max(abs(rs[0]["means"][k] - ref[k]) for k in ref if k in rs[0]["means"])
        lines.append(f"| {sha} | {statistics.median(x['compile_s'] for x in rs):.1f} | "
                     f"{statistics.median(x['call_ms'] for x in rs):.2f} | {statistics.median(x['nuts_s'] for x in rs):.1f} | "
                     f"{diff:.2e} |")
    publish(args.out, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
