"""``remodel-fit fit`` (NUTS fit of one configured fit to InferenceData) and ``remodel-fit sbc``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

SOURCES = {
    s: {"measurements": f"results/data/{s}/measurements.csv", "conditions": f"results/data/{s}/conditions.csv"}
    for s in ("synthetic", "clinical")
}


def register(subparsers) -> None:
    p = subparsers.add_parser("fit", help="Bayesian calibration of one fit from config (NUTS -> InferenceData netCDF)")
    _common(p)
    p.add_argument("--out", required=True, type=Path, help="results/fit/<name>/idata.nc")
    p.set_defaults(func=run)
    s = subparsers.add_parser("sbc", help="simulation-based calibration of one fit (slow): rank table and histogram")
    _common(s)
    s.add_argument("--outdir", required=True, type=Path, help="results/sbc/<name>")
    s.add_argument("--replicates", type=int, default=None, help="override fit.sbc.replicates")
    s.set_defaults(func=run_sbc)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, type=Path, help="workflow config (YAML)")
    p.add_argument("--fit", required=True, help="fit name under fit.fits")
    p.add_argument("--measurements", type=Path, help="measurement table (default: fit.fits.<name>.data.measurements)")
    p.add_argument("--conditions", type=Path, help="condition table (default: fit.fits.<name>.data.conditions)")


def _prepare(args: argparse.Namespace):
    """Config, spec, model, dataset; host devices and compile cache set before any JAX work."""
    from ..config import load_config

    config = load_config(args.config)
    from ..inference import configure_host_devices, enable_compile_cache, parse_fit

    chains = int(config.get("fit", {}).get("fits", {}).get(args.fit, {}).get("nuts", {}).get("chains", 2))
    configure_host_devices(chains)
    enable_compile_cache()
    from ..data.build import read_dataset
    from ..errors import ConfigError
    from ..model import get_model

    spec = parse_fit(config, args.fit)
    model = get_model(spec.model)
    source = SOURCES.get(spec.data.get("source", ""), {})
    meas = args.measurements or spec.data.get("measurements") or source.get("measurements")
    cond = args.conditions or spec.data.get("conditions") or source.get("conditions")
    if meas is None:
        raise ConfigError(f"fit.fits.{args.fit}.data.measurements is not set and --measurements not given")
    data = read_dataset(meas, cond, model)
    if spec.subjects_per_group is not None:
        data = data.first_per_group(spec.subjects_per_group)
    return config, spec, model, data


def run(args: argparse.Namespace) -> int:
    _, spec, model, data = _prepare(args)
    from ..inference import fit, write_idata

    idata = fit(model, data, spec)
    write_idata(idata, args.out)
    post = idata.posterior
    print(f"fit {spec.name}: {spec.nuts.chains} chains x {spec.nuts.draws} draws in {post.attrs['sampling_seconds']:.1f} s "
          f"({post.attrs['chain_method']}, {post.attrs['gradient']} gradient); "
          f"divergences {int(idata.sample_stats['diverging'].sum())}, "
          f"failed solves {int(idata.sample_stats['failed_solves'].sum())} -> {args.out}")
    laplace = json.loads(post.attrs.get("laplace", "null"))
    if laplace is not None:
        print(f"  Laplace start: {laplace['iterations']} BFGS iterations, converged {laplace['converged']}, "
              f"{post.attrs['laplace_seconds']:.1f} s (included above)")
    return 0


def run_sbc(args: argparse.Namespace) -> int:
    config, spec, model, data = _prepare(args)
    from ..inference.model import FitModel
    from ..inference.sbc import sbc_figure, sbc_ranks, small_budget
    from ..io import save_figure, write_csv
    from ..seeds import stage_key

    settings = config.get("fit", {}).get("sbc", {}) or {}
    spec = small_budget(spec, int(settings.get("warmup", 100)), int(settings.get("draws", 100)))
    replicates = args.replicates or int(settings.get("replicates", 20))
    ranks = sbc_ranks(FitModel(model, data, spec), stage_key(spec.seed, f"sbc:{spec.name}"), replicates)
    write_csv(args.outdir / "ranks.csv", ranks)
    save_figure(args.outdir / "ranks.png", sbc_figure(ranks))
    print(f"sbc {spec.name}: {replicates} replicates -> {args.outdir}")
    return 0
