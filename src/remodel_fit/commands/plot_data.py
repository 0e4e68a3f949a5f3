"""``remodel-fit plot-data``: the data-overview figure (every subject's trajectories by group)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("plot-data", help="data-overview figure: each subject's trajectories, coloured by group")
    parser.add_argument("--measurements", required=True, help="measurement table (validated first)")
    parser.add_argument("--model", default="bone_inflammation")
    parser.add_argument("--out", required=True, help="figure path (e.g. results/data/overview.png)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..data.plots import plot_overview
    from ..data.tables import read_table
    from ..data.validate import validate_measurements
    from ..model import get_model

    model = get_model(args.model)
    meas = validate_measurements(read_table(args.measurements, "measurements"), model, args.measurements)
    plot_overview(meas, args.out)
    print(f"{args.out}: {meas['subject'].nunique()} subjects, {meas['observable'].nunique()} observables")
    return 0
