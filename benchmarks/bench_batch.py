"""Solving a fit's subjects: ``lax.map`` against ``vmap``, each solve ended at its last visit or not.

For the default synthetic fit (3 schedules), the clinical fit (8 arms, old core) and the
clinical_v2 fit (13 arms, bone_inflammation_v2) when the shared data are present: the jitted
value and gradient of the NumPyro potential at the prior median with
``fit_model.BATCH`` = map / vmap and the save times clipped to each schedule's last visit (the
default) or the whole grid; medians of repeated calls with the variants alternated per round,
compile = first call (a fresh persistent cache, so cold). Writes benchmarks/out/batch.md.

Run: .venv/bin/python benchmarks/bench_batch.py [--rounds 3] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ["REMODEL_FIT_JAX_CACHE"] = tempfile.mkdtemp(prefix="bench_batch_")
import remodel_fit  # noqa: E402

remodel_fit.configure()
import jax  # noqa: E402
import numpy as np  # noqa: E402
from numpyro.infer import init_to_median  # noqa: E402
from numpyro.infer.util import initialize_model, potential_energy  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_fused import clinical_data, measure, synthetic_data  # noqa: E402
from common import command_line, header, publish  # noqa: E402

VARIANTS = (("map", True), ("vmap", True), ("map", False), ("vmap", False))


def potentials(config_path: Path, fit: str, data_loader) -> dict:
    """(batch, clipped) -> (value-and-grad, point at the prior median) of fit ``fit``."""
    import remodel_fit.inference.fit_model as fit_model
    from remodel_fit.registry import get_model
    from remodel_fit.settings import load_settings

    config = load_settings(config_path)
    spec = config.fit_options(fit)
    model = get_model(spec.model)
    data = data_loader(config, model)
    out = {}
    for batch, clipped in VARIANTS:
        fm = fit_model.FitModel(model, data, spec)
        if not clipped:
            fm.subject_times = np.broadcast_to(np.asarray(data.times), fm.subject_times.shape)
            if fm.schedule_times is not None:
                fm.schedule_times = np.broadcast_to(np.asarray(data.times), fm.schedule_times.shape)
        info = initialize_model(jax.random.PRNGKey(0), fm, model_kwargs={"y": fm.values},
                                init_strategy=init_to_median(num_samples=15))

        def vg(z, fm=fm, batch=batch):
            fit_model.BATCH = batch  # read while tracing, i.e. at the first call
            return potential_energy(fm, (), {"y": fm.values}, z)

        out[batch, clipped] = (jax.jit(jax.value_and_grad(vg)), info.param_info.z)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    head = header(command_line())
    root = HERE.parent
    cases = {"default synthetic fit (3 schedules, 2 years)": lambda: potentials(root / "config/config.yaml", "synthetic", synthetic_data)}
    if (root / "../shared/data/clinical").is_dir():
        cases["clinical fit (8 arms, old core)"] = lambda: potentials(root / "config/clinical.yaml", "denosumab", clinical_data)
        cases["clinical_v2 fit (13 arms, v2 core, 1-9 years)"] = lambda: potentials(
            root / "config/clinical_v2.yaml", "clinical_v2", clinical_data)
    cols = [f"{b}{'' if c else ', whole grid'}" for b, c in VARIANTS]
    lines = ["### Solving subjects: lax.map against vmap (bench_batch.py)", "", head.rstrip(),
             f"- medians of {args.rounds} rounds x {args.repeats} calls of value and gradient, variants alternated; "
             "compile = first call, cold", "",
             "| potential | " + " | ".join(f"{c} ms" for c in cols) + " | compile s (" + " / ".join(cols) + ") | max |value diff| |",
             "|---|" + "---|" * (len(cols) + 2)]
    for name, build in cases.items():
        res = measure(build(), args.rounds, args.repeats)
        values = [r["value"] for r in res.values()]
        lines.append(f"| {name} | " + " | ".join(f"{r['ms']:.1f}" for r in res.values()) + " | "
                     + " / ".join(f"{r['compile_s']:.1f}" for r in res.values()) + f" | {max(values) - min(values):.1e} |")
        print(lines[-1], flush=True)
    publish("batch.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
