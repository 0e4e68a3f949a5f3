"""``remodel-fit validate``: check measurement (and conditions) tables against a model.

Prints a one-line summary and optionally writes it as JSON; on a bad table prints one line
naming file, line, column and what was expected, exits 2 and writes nothing.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("validate", help="validate measurement/conditions tables (one-line summary or error)",
                            epilog="example: remodel-fit validate --measurements m.csv --conditions c.csv --out v.json")
    parser.add_argument("--measurements", required=True, help="measurement table (CSV/TSV, PEtab v1 names accepted)")
    parser.add_argument("--conditions", default=None, help="conditions/doses table (CSV/TSV)")
    parser.add_argument("--model", default=None, help="model whose observables and inputs to check against "
                        "(default: bone_inflammation)")
    parser.add_argument("--out", default=None, help="write the summary as JSON here (e.g. results/data/validated.json)")
    parser.add_argument("--plot", default=None, help="also write the data-overview figure here (PNG/PDF)")
    parser.set_defaults(func=run)


def model_argument(name: str | None):
    """The model an option names (the mission model by default); ConfigError naming --model."""
    from ..errors import ConfigError, ModelError
    from ..registry import DEFAULT_MODEL, get_model

    try:
        return get_model(name or DEFAULT_MODEL)
    except ModelError as err:
        raise ConfigError(f"--model: {err}") from None


def run(args: argparse.Namespace) -> int:
    from .common import start

    start(compile_cache=False)
    from ..data.build import build_dataset, read_tables, summarise
    from ..io import save_figure, write_json

    model = model_argument(args.model)
    meas, cond = read_tables(args.measurements, args.conditions, model)
    dataset = build_dataset(meas, cond, model)
    summary = summarise(dataset, meas, model, measurements=args.measurements, conditions=args.conditions)
    if args.out:
        write_json(args.out, summary)
    if args.plot:
        from ..plots.data import overview_figure

        save_figure(args.plot, overview_figure(meas))
    print(summary["line"])
    return 0
