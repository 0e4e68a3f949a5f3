"""``remodel-fit simulate``: simulate the scenarios of a config; tidy CSV and a figure."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("simulate", help="simulate the config's scenarios (tidy CSV + multi-panel figure)",
                            epilog="example: remodel-fit simulate --config config/config.yaml --outdir results/simulate")
    parser.add_argument("--config", required=True, help="workflow config YAML (uses model, solver, scenarios)")
    parser.add_argument("--outdir", default="results/simulate", help="directory for scenarios.csv and scenarios.png")
    parser.add_argument("--only", action="append", default=None, metavar="SCENARIO", help="simulate only these")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import settings, start

    config = settings(args.config)
    start()
    from ..errors import ConfigError, ModelError
    from ..io import save_figure, write_csv
    from ..plots.scenarios import scenario_panels
    from ..solve.scenarios import run_scenarios, time_grid

    model = config.model_value()
    scen = config.scenarios
    items = dict(scen.items)
    if not items:
        raise ConfigError("scenarios.items: expected at least one scenario")
    if args.only:
        missing = sorted(set(args.only) - set(items))
        if missing:
            raise ConfigError(f"--only {missing[0]!r}: not in scenarios.items ({', '.join(items)})")
        items = {k: items[k] for k in args.only}
    try:
        params = model.params(scen.parameters)
    except ModelError as err:
        raise ConfigError(f"scenarios.parameters: {err}") from None
    times = time_grid(scen.horizon_days, scen.n_times)
    table, _ = run_scenarios(model, params, items, times, config=config.solver)
    outdir = Path(args.outdir)
    write_csv(outdir / "scenarios.csv", table)
    save_figure(outdir / "scenarios.png", scenario_panels(table))
    summary = table[(table.kind == "observable") & table.quantity.isin(["bmd_ls_rel", "ctx_rel"])]
    last = summary.groupby(["scenario", "quantity"]).value.last().unstack()
    print(last.round(4).to_string())
    return 0
