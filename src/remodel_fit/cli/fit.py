"""``remodel-fit fit`` (NUTS fit of one configured fit, or of a PEtab problem, to InferenceData) and
``remodel-fit sbc``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("fit", help="Bayesian calibration of one fit from config, or of a PEtab problem "
                              "(NUTS -> InferenceData netCDF)",
                              epilog="example: remodel-fit fit --config config/config.yaml --fit synthetic "
                              "--out results/fit/synthetic/idata.nc\n"
                              "example: remodel-fit fit --petab problem.yaml --out results/fit/problem/idata.nc "
                              "(NUTS options and seed: --config with --fit NAME of a PEtab fit, else the defaults)",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, help="workflow config (YAML); required unless --petab")
    p.add_argument("--fit", help="fit name under fit.fits (a model fit, or a PEtab fit with petab: PROBLEM.yaml)")
    p.add_argument("--petab", type=Path, metavar="PROBLEM.yaml", help="a PEtab v1 problem to fit (overrides the "
                   "fit's petab key; without --fit: default NUTS options, seed from --config or 0)")
    p.add_argument("--measurements", type=Path, help="measurement table (default: the fit's data; not with PEtab)")
    p.add_argument("--conditions", type=Path, help="condition table (default: the fit's data; not with PEtab)")
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


def _prepare(args: argparse.Namespace, config=None):
    """Settings, fit options, model, dataset; host devices and compile cache set before any JAX work."""
    from .common import settings, start

    config = config or settings(args.config)
    options = config.fit_options(args.fit)
    start(devices=options.nuts.chains)
    from ..data.build import read_dataset

    model = config.fit_model(args.fit)
    if config.fit.fits[args.fit].data.source == "inflammation" and args.measurements is None:
        return config, options, model, inflammation_design(config, model).dataset
    tables = config.fit_tables(args.fit)
    meas = args.measurements or tables["measurements"]
    cond = args.conditions or tables.get("conditions")
    data = read_dataset(meas, cond, model)
    per_group = config.fit.fits[args.fit].subjects_per_group
    if per_group is not None:
        data = data.first_per_group(per_group)
    return config, options, model, data


def inflammation_design(config, model):
    """The meta-analysis design of the config's arm table (``inflammation`` section) for ``model``."""
    from ..bone.mbma import read_design

    s = config.inflammation
    return read_design(s.arms, model, s.median_se_factor, s.run_in_days, s.treatment_ec50)


def run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from .common import settings

    config = settings(args.config) if args.config is not None else None
    if args.petab is not None or (config is not None and args.fit is not None and config.is_petab_fit(args.fit)):
        return run_petab(args, config)
    if config is None or args.fit is None:
        raise ConfigError("--config and --fit are required (or --petab PROBLEM.yaml)")
    _, options, model, data = _prepare(args, config)
    from ..inference import fit, write_idata

    idata = fit(model, data, options)
    write_idata(idata, args.out)
    _report(idata, options.name, options.nuts, args.out)
    return 0


def run_petab(args: argparse.Namespace, config) -> int:
    """``fit`` of a PEtab problem: ``--petab`` or the fit's ``petab`` key; NUTS options and solver from the
    fit's section (defaults without ``--fit``), the seed from the config (0 without one)."""
    from ..errors import ConfigError
    from .common import start

    if args.measurements is not None or args.conditions is not None:
        raise ConfigError("--measurements/--conditions: a PEtab fit takes its data from the problem's tables")
    if args.fit is not None and config is None:
        raise ConfigError("--fit needs --config (the fit's settings)")
    if args.fit is not None:
        options = config.petab_options(args.fit)
        problem = args.petab if args.petab is not None else config.petab_problem(args.fit)
    else:
        from ..petab.options import PetabFitOptions

        options = PetabFitOptions(name=args.petab.stem, seed=config.seed if config is not None else 0)
        problem = args.petab
    if not Path(problem).is_file():
        raise ConfigError(f"--petab: {problem} does not exist; expected a PEtab problem file (YAML)")
    start(devices=options.nuts.chains)
    try:
        from ..petab.fit import fit_problem
    except ImportError as err:
        raise ConfigError(f"a PEtab fit needs the optional extra: pip install 'remodel-fit[petab]' ({err})") from None
    from ..inference import write_idata

    idata = fit_problem(problem, options)
    write_idata(idata, args.out)
    _report(idata, options.name, options.nuts, args.out)
    return 0


def _report(idata, name: str, nuts, out: Path) -> None:
    post = idata.posterior
    print(f"fit {name}: {nuts.chains} chains x {nuts.draws} draws in "
          f"{post.attrs['sampling_seconds']:.1f} s ({post.attrs['chain_method']}, {post.attrs['gradient']} gradient); "
          f"divergences {int(idata.sample_stats['diverging'].sum())}, "
          f"failed solves {int(idata.sample_stats['failed_solves'].sum())} -> {out}")
    laplace = json.loads(post.attrs.get("laplace", "null"))
    if laplace is not None:
        print(f"  Laplace start: {laplace['iterations']} BFGS iterations, converged {laplace['converged']}, "
              f"{post.attrs['laplace_seconds']:.1f} s (included above)")


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
