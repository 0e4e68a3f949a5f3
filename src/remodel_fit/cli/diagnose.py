"""``remodel-fit diagnose``: summary, gates, recovery scores and figures of one fit."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

OUTPUTS = ("summary.csv", "gates.json", "gates.md", "gates.html")
"""Always written; with ``--truth`` also recovery.csv and coverage.json; unless ``--no-figures``,
ppc_bands.csv and one PNG per figure of ``plots.fit.FIGURES``."""


def register(subparsers) -> None:
    p = subparsers.add_parser("diagnose", help="diagnostics, gates and figures of a fit (InferenceData netCDF)",
                              epilog="example: remodel-fit diagnose --idata results/fit/synthetic/idata.nc "
                              "--outdir results/diagnose/synthetic --truth results/data/synthetic/truth.json")
    p.add_argument("--idata", required=True, type=Path, help="results/fit/<name>/idata.nc")
    p.add_argument("--outdir", required=True, type=Path, help="results/diagnose/<name>")
    p.add_argument("--truth", type=Path, help="JSON of true parameters (synthetic data): score the recovery")
    p.add_argument("--fail-on-gate", action="store_true", help="exit 2 (after writing everything) if a gate fails")
    p.add_argument("--rhat-max", type=float, help="largest acceptable R-hat (default 1.01)")
    p.add_argument("--ess-min", type=float, help="smallest acceptable bulk and tail ESS (default 400)")
    p.add_argument("--max-divergences", type=int, help="largest acceptable number of divergences (default 0)")
    p.add_argument("--max-failed-solves", type=int, help="largest acceptable number of failed solves (default 0)")
    p.add_argument("--no-figures", action="store_true", help="tables and gates only")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import require_file, start, write_text

    start(compile_cache=False)
    from ..errors import DataError, GateError
    from ..inference import diagnostics
    from ..inference.idata import read_idata
    from ..io import save_figure, write_csv, write_json
    from ..plots import fit as fit_plots
    from ..report import tables

    idata = read_idata(args.idata)
    truth = None
    if args.truth is not None:
        try:
            truth = json.loads(require_file(args.truth).read_text())
        except json.JSONDecodeError as err:
            raise DataError(f"{args.truth}: line {err.lineno}: not valid JSON ({err.msg})") from None
    out = args.outdir
    limits = {k: getattr(args, k) for k in ("rhat_max", "ess_min", "max_divergences", "max_failed_solves")
              if getattr(args, k) is not None}

    table = diagnostics.summary(idata)
    report = diagnostics.gates(idata, **limits)
    report["idata"] = str(args.idata)
    points = diagnostics.measurement_coverage(idata)
    report["ppc_coverage_90"] = {"inside": int(points["inside"].sum()), "points": len(points),
                                 "fraction": float(points["inside"].mean())}
    write_csv(out / "summary.csv", table)
    write_json(out / "gates.json", report)
    gates_md = tables.gates_markdown(report)
    write_text(out / "gates.md", gates_md)
    write_text(out / "gates.html", tables.gates_html(report))
    if truth is not None:
        try:
            recovery = diagnostics.score_recovery(idata, truth)
        except DataError as err:
            raise DataError(f"{args.truth}: {err}") from None
        write_csv(out / "recovery.csv", recovery)
        write_json(out / "coverage.json", diagnostics.coverage(recovery))
    if not args.no_figures:
        write_csv(out / "ppc_bands.csv", diagnostics.predictive_bands(idata))
        write_csv(out / "ppc_points.csv", points)
        for name, plot in fit_plots.FIGURES.items():
            fig = plot(idata, truth=truth) if name == "prior_posterior" else plot(idata)
            save_figure(out / f"{name}.png", fig)

    verdict = "passed" if report["passed"] else "FAILED"
    print(gates_md)
    print(f"diagnose {args.idata}: gates {verdict} ({diagnostics.gate_message(report)}); wrote {out}")
    if args.fail_on_gate and not report["passed"]:
        raise GateError(f"{args.idata}: {diagnostics.gate_message(report)}; see {out / 'gates.json'}")
    return 0
