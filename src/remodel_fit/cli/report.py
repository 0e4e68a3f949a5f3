"""``remodel-fit report``: the landing page of an analysis (results/report/index.html)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="the analysis' landing page: gates, posterior, PPC, LOO, Sobol' ranking",
                              epilog="example: remodel-fit report --config config/config.yaml --results results "
                              "--out results/report/index.html")
    p.add_argument("--config", required=True, type=Path, help="workflow config (YAML): which fits and studies to show")
    p.add_argument("--results", type=Path, default=Path("results"), help="the workflow's results directory")
    p.add_argument("--out", required=True, type=Path, help="the HTML file to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from ..report.landing import FitSection, Landing, render
    from .common import require_file, settings, write_text

    config = settings(args.config)
    root = args.results
    fits = []
    for name in config.fit.fits:
        diag = root / "diagnose" / name
        fits.append(FitSection(
            name=name,
            gates=json.loads(require_file(diag / "gates.json").read_text()),
            summary=pd.read_csv(require_file(diag / "summary.csv")),
            ppc_png=_optional(diag / "ppc.png"),
            predictions_png=_optional(root / "predict" / name / "scenarios.png"),
            measurements_png=_optional(diag / "measurements.png"),
            pathways=_read_optional(root / "pathways" / name / "pathways.md"),
        ))
    loo = root / "compare" / "loo_compare.csv"
    first = next((n for n, f in config.fit.fits.items() if f.petab is None), None)
    study = root / "gsa" / f"posterior_{first}" if first and (root / "gsa" / f"posterior_{first}").is_dir() else root / "gsa" / "prior"
    sobol = study / "sobol.csv"
    page = Landing(
        title=f"remodel-fit: {config.model if first or not config.fit.fits else 'PEtab problems'} — "
              f"{', '.join(config.fit.fits) or 'no fits'}",
        fits=fits,
        loo=pd.read_csv(loo) if loo.is_file() else None,
        sobol=pd.read_csv(sobol) if sobol.is_file() and (first or not config.fit.fits) else None,
        sobol_png=_optional(study / "sobol_bars.png"),
        sobol_source=("ranges from the posterior of fit " + first) if study.name.startswith("posterior") else "prior ranges",
        notes=[f"Config {args.config} (seed {config.seed}); every figure and table of the run is in {root}/ and in "
               "the Snakemake report (make report)."],
    )
    write_text(args.out, render(page))
    print(f"report: {args.out} ({len(fits)} fits)")
    return 0


def _optional(path: Path) -> Path | None:
    return path if path.is_file() else None


def _read_optional(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None
