"""``remodel-fit make-synthetic``: generate the synthetic inflammation cohort from config and seed."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("make-synthetic", help="generate the synthetic inflammation cohort (tables + truth.json)",
                            epilog="example: remodel-fit make-synthetic --config config/config.yaml --outdir results/data/synthetic")
    parser.add_argument("--config", required=True, help="workflow config YAML (uses seed, model, synthetic)")
    parser.add_argument("--outdir", default="results/data/synthetic", help="directory for measurements.csv, "
                        "conditions.csv, truth.json")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import settings, start

    config = settings(args.config)
    start()
    from ..data.synthetic import make_cohort, write_cohort

    cohort = make_cohort(config.model_value(), config.synthetic, config.seed)  # all computed before anything is written
    paths = write_cohort(cohort, args.outdir)
    ds = cohort.dataset
    print(f"{paths[0].parent}: {ds.n_subjects} subjects in {len(set(ds.groups))} groups, "
          f"{ds.n_measurements} measurements (seed {config.seed})")
    return 0
