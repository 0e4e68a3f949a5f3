"""``remodel-fit predict``: posterior predictive trajectories of a typical subject under scenarios."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("predict", help="scenario trajectories (quantile bands) over posterior draws of a fit",
                              epilog="example: remodel-fit predict --config config/config.yaml "
                              "--idata results/fit/synthetic/idata.nc --outdir results/predict/synthetic")
    p.add_argument("--config", required=True, type=Path, help="workflow config (YAML; section fit.predict)")
    p.add_argument("--idata", required=True, type=Path, help="results/fit/<name>/idata.nc")
    p.add_argument("--outdir", required=True, type=Path, help="results/predict/<name>")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from .common import settings, start

    config = settings(args.config)
    predict = config.fit.predict
    start()
    import numpy as np

    from ..bone.scenarios import DEFAULT_SCENARIOS
    from ..errors import ConfigError, ModelError
    from ..inference.idata import read_idata
    from ..inference.predict import fit_base, predict_scenarios, typical_draws
    from ..validation import validated
    from ..io import save_figure, write_csv
    from ..plots.predict import prediction_bands
    from ..registry import get_model
    from ..seeds import stage_key
    from ..solve.options import SolverConfig

    idata = read_idata(args.idata)
    attrs = idata.posterior.attrs
    fit = config.fit.fits.get(attrs["fit_name"])
    model = get_model(fit.model if fit is not None else attrs["model"])
    free = json.loads(attrs["free_parameters"])
    draws = typical_draws(idata.posterior, free, predict.draws, stage_key(int(attrs["seed"]), f"predict:{attrs['fit_name']}"))
    times = np.linspace(0.0, predict.horizon_days, predict.points)
    for obs in predict.observables:
        try:
            model.observable(obs)
        except ModelError as err:
            raise ConfigError(f"fit.predict.observables: {err}") from None
    solver = validated(SolverConfig, json.loads(attrs.get("solver", "{}")), f"{args.idata}: attribute solver")
    table = predict_scenarios(model, fit_base(idata), draws, predict.scenarios or DEFAULT_SCENARIOS,
                              times, list(predict.observables), solver)
    write_csv(args.outdir / "scenarios.csv", table)
    save_figure(args.outdir / "scenarios.png", prediction_bands(table, {o.name: o.unit for o in model.observables}))
    print(f"predict {attrs['fit_name']}: {table['scenario'].nunique()} scenarios x {len(predict.observables)} "
          f"observables -> {args.outdir}")
    return 0
