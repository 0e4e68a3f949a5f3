"""``remodel-fit gsa``: global sensitivity of the cytokine parameters (prior or posterior ranges)."""

from __future__ import annotations

import argparse
from pathlib import Path

FIGURES = ("sobol_bars.png", "sobol_heatmap.png", "sobol_drivers.png", "morris.png", "convergence.png")


def register(subparsers) -> None:
    p = subparsers.add_parser("gsa", help="Sobol', Morris, DGSM and convergence of the cytokine parameters",
                              epilog="example: remodel-fit gsa --config config/config.yaml --outdir results/gsa/prior")
    p.add_argument("--config", required=True, help="workflow config YAML (sections seed, model, solver, gsa)")
    p.add_argument("--outdir", required=True, help="directory for sobol.csv, figures, failures.json, ...")
    p.add_argument("--posterior", help="a fit's idata.nc: take ranges from posterior quantiles")
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import settings, start

    config = settings(args.config)
    gsa = config.gsa
    start(devices=gsa.devices)
    from functools import partial

    from ..seeds import stage_seed
    from ..sensitivity.study import run_study

    bounds, sources = _bounds(gsa, Path(args.posterior) if args.posterior else None)
    seed = stage_seed(config.seed, gsa.seed_stage)
    solver = config.gsa_solver()
    sobol_evaluator, evaluator = gsa.evaluators(solver, progress=not args.no_progress)
    build = partial(_timed_problem, bounds, gsa.outputs, solver, config.model_value(), gsa.onset_days)
    result = run_study(build, horizon_days=gsa.horizon_days, grid_days=gsa.time_grid_days, options=gsa, seed=seed,
                       sobol_evaluator=sobol_evaluator, evaluator=evaluator)
    write_study(Path(args.outdir), result, bounds=bounds, sources=sources, seed=seed, onset_days=gsa.onset_days)
    return 0


def _timed_problem(bounds, outputs, solver, model, onset_days, times_days):
    from ..bone.gsa import bone_problem

    return bone_problem(bounds, times_days=times_days, outputs=outputs, solver=solver, model=model,
                        onset_days=onset_days)


def _bounds(gsa, posterior: Path | None) -> tuple[dict, dict]:
    bounds = {k: [float(v) for v in pair] for k, pair in gsa.parameters.items()}
    sources = {k: "config" for k in bounds}
    if posterior:
        from ..inference.idata import read_idata
        from ..sensitivity.model_problem import bounds_from_posterior

        idata = read_idata(posterior)
        present = [k for k in bounds if k in idata.posterior]
        bounds.update(bounds_from_posterior(idata, present, gsa.posterior_quantiles))
        sources.update({k: f"posterior {posterior} q={list(gsa.posterior_quantiles)}" for k in present})
    return bounds, sources


def write_study(outdir: Path, result, *, bounds: dict, sources: dict, seed: int, onset_days: float) -> None:
    """Every output of the ``gsa`` stage under ``outdir``: tidy CSVs, failures.json, problem.json, figures."""
    import jax

    from ..io import save_figure, write_csv, write_json
    from ..plots import sensitivity as plots
    from ..sensitivity.study import tidy_tables

    for name, frame in tidy_tables(result).items():
        write_csv(outdir / name, frame)
    write_json(outdir / "failures.json", result.failures)
    write_json(outdir / "problem.json", {"seed": seed, "bounds": bounds, "sources": sources, "onset_days": onset_days,
                                         "host_devices": jax.local_device_count()})
    save_figure(outdir / "sobol_bars.png", plots.sobol_bars(result.sobol, onset_days))
    save_figure(outdir / "sobol_heatmap.png", plots.sobol_heatmap(result.sobol_time, onset_days))
    save_figure(outdir / "sobol_drivers.png", plots.drivers_over_time(result.sobol_time, onset_days))
    save_figure(outdir / "morris.png", plots.morris_plot(result.morris, onset_days=onset_days))
    save_figure(outdir / "convergence.png", plots.convergence_plot(result.convergence))
