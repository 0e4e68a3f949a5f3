"""``remodel-fit make-synthetic``: generate the synthetic inflammation cohort from config and seed."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("make-synthetic", help="generate the synthetic inflammation cohort (tables + truth.json)")
    parser.add_argument("--config", required=True, help="workflow config YAML (uses seed, model, synthetic)")
    parser.add_argument("--outdir", default="results/data/synthetic")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..config import load_config, model_from
    from ..data.synthetic import make_cohort, synthetic_config, write_cohort
    from ..errors import ConfigError

    config = load_config(args.config)
    seed = config.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"{args.config}: key 'seed': {seed!r} is not a non-negative integer; expected an integer >= 0")
    settings = synthetic_config(config, args.config)
    cohort = make_cohort(model_from(config), settings, seed)  # everything computed before anything is written
    paths = write_cohort(cohort, args.outdir)
    ds = cohort.dataset
    print(f"{paths[0].parent}: {ds.n_subjects} subjects in {len(set(ds.groups))} groups, "
          f"{ds.n_measurements} measurements (seed {seed})")
    return 0
