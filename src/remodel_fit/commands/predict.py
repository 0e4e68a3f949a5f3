"""``remodel-fit predict``: posterior predictive trajectories of a typical subject under scenarios."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("predict", help="scenario trajectories (quantile bands) over posterior draws of a fit")
    p.add_argument("--config", required=True, type=Path, help="workflow config (YAML; section fit.predict)")
    p.add_argument("--idata", required=True, type=Path, help="results/fit/<name>/idata.nc")
    p.add_argument("--outdir", required=True, type=Path, help="results/predict/<name>")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    import matplotlib

    matplotlib.use("Agg")
    from ..config import load_config

    settings = dict(load_config(args.config).get("fit", {}).get("predict", {}) or {})
    from ..inference import enable_compile_cache

    enable_compile_cache()
    import arviz as az
    import numpy as np

    from ..inference.predict import DEFAULT_SCENARIOS, fit_base, predict_scenarios, scenario_figure, typical_draws
    from ..io import save_figure, write_csv
    from ..model import get_model
    from ..seeds import stage_key
    from ..simulate import SolverConfig

    if not args.idata.is_file():
        raise FileNotFoundError(2, "no such file", str(args.idata))
    idata = az.from_netcdf(args.idata)
    attrs = idata.posterior.attrs
    model = get_model(attrs["model"])
    free = json.loads(attrs["free_parameters"])
    draws = typical_draws(idata.posterior, free, int(settings.get("draws", 200)),
                          stage_key(int(attrs["seed"]), f"predict:{attrs['fit_name']}"))
    times = np.linspace(0.0, float(settings.get("horizon_days", 1095)), int(settings.get("points", 121)))
    observables = list(settings.get("observables", ["bmd_ls_rel", "ctx_rel", "p1np_rel"]))
    for obs in observables:
        model.observable(obs)
    solver = SolverConfig(**json.loads(attrs.get("solver", "{}")))
    table = predict_scenarios(model, fit_base(idata), draws, settings.get("scenarios") or DEFAULT_SCENARIOS,
                              times, observables, solver)
    write_csv(args.outdir / "scenarios.csv", table)
    save_figure(args.outdir / "scenarios.png", scenario_figure(table))
    print(f"predict {attrs['fit_name']}: {table['scenario'].nunique()} scenarios x {len(observables)} observables -> {args.outdir}")
    return 0
