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
    from .common import settings, start, typical_posterior

    config = settings(args.config)
    predict = config.fit.predict
    start()
    import numpy as np

    from ..bone.scenarios import DEFAULT_SCENARIOS
    from ..errors import ConfigError, ModelError
    from ..inference.predict import predict_scenarios
    from ..io import save_figure, write_csv
    from ..plots.predict import prediction_bands

    idata, model, base, draws, solver = typical_posterior(config, args.idata, predict.draws, "predict")
    attrs = idata.posterior.attrs
    times = np.linspace(0.0, predict.horizon_days, predict.points)
    for obs in predict.observables:
        try:
            model.observable(obs)
        except ModelError as err:
            raise ConfigError(f"fit.predict.observables: {err}") from None
    table = predict_scenarios(model, base, draws, predict.scenarios or DEFAULT_SCENARIOS,
                              times, list(predict.observables), solver)
    write_csv(args.outdir / "scenarios.csv", table)
    save_figure(args.outdir / "scenarios.png", prediction_bands(table, {o.name: o.unit for o in model.observables}))
    print(f"predict {attrs['fit_name']}: {table['scenario'].nunique()} scenarios x {len(predict.observables)} "
          f"observables -> {args.outdir}")
    return 0
