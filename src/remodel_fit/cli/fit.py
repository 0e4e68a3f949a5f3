"""``remodel-fit fit`` (NUTS fit of one configured fit to InferenceData) and ``remodel-fit sbc``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("fit", help="Bayesian calibration of one fit from config (NUTS -> InferenceData netCDF)",
                              epilog="example: remodel-fit fit --config config/config.yaml --fit synthetic "
                              "--out results/fit/synthetic/idata.nc")
    _common(p)
    p.add_argument("--out", required=True, type=Path, help="results/fit/<name>/idata.nc")
    p.set_defaults(func=run)
    s = subparsers.add_parser("sbc", help="simulation-based calibration of one fit (slow): rank table and histogram",
                              epilog="example: remodel-fit sbc --config config/config.yaml --fit synthetic "
                              "--outdir results/sbc/synthetic --replicates 20")
    _common(s)
    s.add_argument("--outdir", required=True, type=Path, help="results/sbc/<name>")
    s.add_argument("--replicates", type=int, default=None, help="override fit.sbc.replicates")
    s.set_defaults(func=run_sbc)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, type=Path, help="workflow config (YAML)")
    p.add_argument("--fit", required=True, help="fit name under fit.fits")
    p.add_argument("--measurements", type=Path, help="measurement table (default: the fit's data)")
    p.add_argument("--conditions", type=Path, help="condition table (default: the fit's data)")


def _prepare(args: argparse.Namespace):
    """Settings, fit options, model, dataset; host devices and compile cache set before any JAX work."""
    from .common import settings, start

    config = settings(args.config)
    options = config.fit_options(args.fit)
    start(devices=options.nuts.chains)
    from ..data.build import read_dataset

    model = config.fit_model(args.fit)
    tables = config.fit_tables(args.fit)
    meas = args.measurements or tables["measurements"]
    cond = args.conditions or tables.get("conditions")
    data = read_dataset(meas, cond, model)
    per_group = config.fit.fits[args.fit].subjects_per_group
    if per_group is not None:
        data = data.first_per_group(per_group)
    return config, options, model, data


def run(args: argparse.Namespace) -> int:
    _, options, model, data = _prepare(args)
    from ..inference import fit, write_idata

    idata = fit(model, data, options)
    write_idata(idata, args.out)
    post = idata.posterior
    print(f"fit {options.name}: {options.nuts.chains} chains x {options.nuts.draws} draws in "
          f"{post.attrs['sampling_seconds']:.1f} s ({post.attrs['chain_method']}, {post.attrs['gradient']} gradient); "
          f"divergences {int(idata.sample_stats['diverging'].sum())}, "
          f"failed solves {int(idata.sample_stats['failed_solves'].sum())} -> {args.out}")
    laplace = json.loads(post.attrs.get("laplace", "null"))
    if laplace is not None:
        print(f"  Laplace start: {laplace['iterations']} BFGS iterations, converged {laplace['converged']}, "
              f"{post.attrs['laplace_seconds']:.1f} s (included above)")
    return 0


def run_sbc(args: argparse.Namespace) -> int:
    config, options, model, data = _prepare(args)
    from ..inference.fit_model import FitModel
    from ..inference.sbc import sbc_ranks
    from ..io import save_figure, write_csv
    from ..plots.sbc import sbc_figure
    from ..seeds import stage_key

    sbc = config.fit.sbc
    options = options.with_budget(sbc.warmup, sbc.draws)
    replicates = args.replicates or sbc.replicates
    ranks = sbc_ranks(FitModel(model, data, options), stage_key(options.seed, f"sbc:{options.name}"), replicates)
    write_csv(args.outdir / "ranks.csv", ranks)
    save_figure(args.outdir / "ranks.png", sbc_figure(ranks))
    print(f"sbc {options.name}: {replicates} replicates -> {args.outdir}")
    return 0
