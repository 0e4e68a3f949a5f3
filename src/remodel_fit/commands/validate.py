"""``remodel-fit validate``: check measurement (and conditions) tables against a model.

Prints a one-line summary and optionally writes it as JSON; on a bad table prints one
line naming file, line, column and what was expected, exits 2 and writes nothing.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("validate", help="validate measurement/conditions tables (one-line summary or error)")
    parser.add_argument("--measurements", required=True, help="measurement table (CSV/TSV, PEtab v1 names accepted)")
    parser.add_argument("--conditions", default=None, help="conditions/doses table (CSV/TSV)")
    parser.add_argument("--model", default="bone_inflammation", help="model whose observables and inputs to check against")
    parser.add_argument("--out", default=None, help="write the summary as JSON here (e.g. results/data/validated.json)")
    parser.add_argument("--plot", default=None, help="also write the data-overview figure here (PNG/PDF)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..data.build import build_dataset, read_tables
    from ..data.build import summarise
    from ..errors import ConfigError
    from ..io import write_json
    from ..model import get_model
    from ..model.spec import ModelError

    try:
        model = get_model(args.model)
    except ModelError as err:
        raise ConfigError(f"--model: {err}") from None
    meas, cond = read_tables(args.measurements, args.conditions, model)
    dataset = build_dataset(meas, cond, model)
    summary = summarise(dataset, meas, model, measurements=args.measurements, conditions=args.conditions)
    if args.out:
        write_json(args.out, summary)
    if args.plot:
        from ..data.plots import plot_overview

        plot_overview(meas, args.plot)
    print(summary["line"])
    return 0
