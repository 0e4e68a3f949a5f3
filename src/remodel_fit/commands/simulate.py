"""``remodel-fit simulate``: simulate the scenarios of a config; tidy CSV and a figure."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("simulate", help="simulate the config's scenarios (tidy CSV + multi-panel figure)")
    parser.add_argument("--config", required=True, help="workflow config YAML (uses seed, model, solver, scenarios)")
    parser.add_argument("--outdir", default="results/simulate")
    parser.add_argument("--only", action="append", default=None, metavar="SCENARIO", help="simulate only these")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..config import load_config, model_from, params_from, section, solver_from
    from ..errors import ConfigError
    from ..io import save_figure, write_csv
    from ..report.scenario_plots import scenario_figure
    from ..scenarios import run_scenarios, time_grid

    config = load_config(args.config)
    model = model_from(config)
    scen = section(config, "scenarios")
    items = scen.get("items") or {}
    if not items:
        raise ConfigError("scenarios.items: expected at least one scenario")
    if args.only:
        missing = sorted(set(args.only) - set(items))
        if missing:
            raise ConfigError(f"--only {missing[0]!r}: not in scenarios.items ({', '.join(items)})")
        items = {k: items[k] for k in args.only}
    params = params_from(model, scen.get("parameters"), key="scenarios.parameters")
    times = time_grid(float(scen.get("horizon_days", 3652.5)), int(scen.get("n_times", 241)))
    table, _ = run_scenarios(model, params, items, times, config=solver_from(config))
    outdir = Path(args.outdir)
    write_csv(outdir / "scenarios.csv", table)
    save_figure(outdir / "scenarios.png", scenario_figure(table))
    summary = table[(table.kind == "observable") & table.quantity.isin(["bmd_ls_rel", "ctx_rel"])]
    last = summary.groupby(["scenario", "quantity"]).value.last().unstack()
    print(last.round(4).to_string())
    return 0
