"""``remodel-fit pathways``: the predicted excess bone loss of a scenario and the share each cytokine arm carries,
over posterior draws of a fit."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("pathways", help="excess bone loss by cytokine arm (RANKL, OPG, osteoblasts, precursors) "
                              "over posterior draws: pathways.csv and the paragraph pathways.md",
                              epilog="example: remodel-fit pathways --config config/inflammation.yaml "
                              "--idata results/fit/inflammation/idata.nc --outdir results/pathways/inflammation")
    p.add_argument("--config", required=True, type=Path, help="workflow config (sections fit.pathways, fit.predict)")
    p.add_argument("--idata", required=True, type=Path, help="results/fit/<name>/idata.nc")
    p.add_argument("--outdir", required=True, type=Path, help="results/pathways/<name>")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import settings, start, typical_posterior, write_text

    config = settings(args.config)
    section = config.fit.pathways
    start()
    from ..bone.pathways import pathway_attribution, pathway_paragraph
    from ..errors import ConfigError
    from ..io import write_csv

    scenarios = config.fit.predict.scenarios or {}
    if section.scenario not in scenarios:
        raise ConfigError(f"fit.pathways.scenario: {section.scenario!r} is not a scenario of fit.predict.scenarios "
                          f"({', '.join(scenarios) or 'none'})")
    if section.headline_years not in section.years:
        raise ConfigError(f"fit.pathways.headline_years: {section.headline_years:g} is not one of fit.pathways.years")
    _, model, base, draws, solver = typical_posterior(config, args.idata, section.draws, "pathways")
    for obs in section.observables:
        if obs not in model.observable_names:
            raise ConfigError(f"fit.pathways.observables: {obs!r} is not an observable of model {model.name!r}")
    table = pathway_attribution(model, base, draws, scenarios[section.scenario], section.years,
                                section.observables, solver)
    write_csv(args.outdir / "pathways.csv", table)
    text = "\n\n".join(pathway_paragraph(table, obs, section.headline_years, scenarios[section.scenario].description
                                         or section.scenario) for obs in section.observables)
    write_text(args.outdir / "pathways.md", text + "\n")
    print(text)
    return 0
