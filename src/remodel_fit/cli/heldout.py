"""``remodel-fit heldout``: a fit's posterior-predictive coverage of held-out arms it never saw."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("heldout", help="coverage of held-out arms by a fit's posterior-predictive band",
                              epilog="example: remodel-fit heldout --config config/clinical_v2.yaml --fit clinical_v2 "
                              "--idata results/fit/clinical_v2/idata.nc --measurements results/data/heldout/measurements.csv "
                              "--conditions results/data/heldout/conditions.csv --outdir results/heldout/clinical_v2")
    p.add_argument("--config", required=True, type=Path, help="workflow config (YAML; sections fit.fits.<fit>, fit.heldout)")
    p.add_argument("--fit", required=True, help="name of the fit under fit.fits")
    p.add_argument("--idata", required=True, type=Path, help="results/fit/<fit>/idata.nc")
    p.add_argument("--measurements", required=True, type=Path, help="held-out measurement table (never fitted)")
    p.add_argument("--conditions", type=Path, help="held-out condition table (doses, levels)")
    p.add_argument("--outdir", required=True, type=Path, help="results/heldout/<fit>")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import require_file, settings, start

    config = settings(args.config)
    options = config.fit_options(args.fit)
    heldout = config.fit.heldout
    for path in (args.idata, args.measurements, args.conditions):
        if path is not None:
            require_file(path)
    start()
    import numpy as np

    from ..data.build import read_dataset
    from ..errors import DataError
    from ..inference.fit_model import FitModel
    from ..inference.heldout import heldout_coverage
    from ..inference.idata import read_idata
    from ..io import save_figure, write_csv, write_json
    from ..plots.heldout import heldout_bands
    from ..seeds import stage_key

    idata = read_idata(args.idata)
    model = config.fit_model(args.fit)
    data = read_dataset(args.measurements, args.conditions, model)
    fitted = set(np.asarray(idata.observed_data["subject"].values, dtype=str))
    seen = sorted(fitted & set(data.subjects))
    if seen:
        raise DataError(f"{args.measurements}: arm {seen[0]!r} was fitted by {args.idata}; held-out arms are never fitted")
    fm = FitModel(model, data, options)
    table, summary, headline = heldout_coverage(fm, idata.posterior, stage_key(options.seed, f"heldout:{args.fit}"),
                                                draws=heldout.draws, level=heldout.level)
    write_csv(args.outdir / "points.csv", table)
    write_csv(args.outdir / "coverage.csv", summary)
    write_json(args.outdir / "coverage.json", {"fit": args.fit, **headline})
    save_figure(args.outdir / "heldout.png", heldout_bands(table, heldout.level))
    print(f"heldout {args.fit}: {headline['inside']} of {headline['points']} points "
          f"({headline['fraction_inside']:.0%}) inside the {heldout.level:.0%} band over {headline['draws']} draws "
          f"-> {args.outdir}")
    return 0
