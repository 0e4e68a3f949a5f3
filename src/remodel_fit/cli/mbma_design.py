"""``remodel-fit mbma-design``: the meta-analysis design of the arm table for a model: one subject per arm
(covariates, treatment effect), the records it predicts and those it does not use (with the reason)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "mbma-design", help="arm table -> the meta-analysis design: arms.csv (one subject per arm), used.csv "
        "(records with their prediction times), unused.csv (with reasons)",
        epilog="example: remodel-fit mbma-design --config config/inflammation.yaml "
        "--outdir results/data/inflammation/design")
    parser.add_argument("--config", required=True, type=Path, help="workflow config: its inflammation section and "
                        "model")
    parser.add_argument("--outdir", required=True, type=Path, help="directory for the three tables")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import settings, start

    config = settings(args.config)
    start(compile_cache=False)
    from ..io import write_csv
    from ..registry import get_model
    from .fit import inflammation_design

    design = inflammation_design(config, get_model(config.model))
    write_csv(args.outdir / "arms.csv", design.arms)
    write_csv(args.outdir / "used.csv", design.used)
    write_csv(args.outdir / "unused.csv", design.unused)
    d = design.dataset
    print(f"{args.outdir}: {d.n_subjects} arms of {len(set(d.groups))} studies, {d.n_measurements} records of "
          f"{len(d.observables)} observables used, {len(design.unused)} not used (reasons in unused.csv)")
    return 0
