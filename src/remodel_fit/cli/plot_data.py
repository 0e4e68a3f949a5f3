"""``remodel-fit plot-data``: the data-overview figure (every subject's trajectories by group)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("plot-data", help="data-overview figure: each subject's trajectories, coloured by group",
                            epilog="example: remodel-fit plot-data --measurements m.csv --out overview.png")
    parser.add_argument("--measurements", required=True, help="measurement table (validated first)")
    parser.add_argument("--model", default=None, help="model to validate against (default: bone_inflammation)")
    parser.add_argument("--out", required=True, help="figure path (e.g. results/data/overview.png)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import start
    from .validate import model_argument

    start(compile_cache=False)
    from ..data.tables import read_table
    from ..data.validate import validate_measurements
    from ..io import save_figure
    from ..plots.data import overview_figure

    model = model_argument(args.model)
    meas = validate_measurements(read_table(args.measurements, "measurements"), model, args.measurements)
    save_figure(args.out, overview_figure(meas))
    print(f"{args.out}: {meas['subject'].nunique()} subjects, {meas['observable'].nunique()} observables")
    return 0
