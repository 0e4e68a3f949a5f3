"""``remodel-fit read-arms``: a published arm-level summary table -> records, excluded rows and dose regimens (CSV)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "read-arms", help="arm-level summaries (CSV) -> records.csv (value + SE), excluded.csv (with reasons), "
        "regimens.csv (dose regimens per arm)",
        epilog="example: remodel-fit read-arms --arms ../shared/data/inflammation/arms.csv "
        "--outdir results/data/inflammation")
    parser.add_argument("--arms", required=True, help="arm table: one reported number a row (read in place, "
                        "never copied into the repository)")
    parser.add_argument("--median-se-factor", type=float, default=None,
                        help="multiplier of the SD-based SE of a median (default 1; 1.2533 = sqrt(pi/2))")
    parser.add_argument("--outdir", default="results/data/inflammation", help="directory for the three tables")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import pandas as pd

    from .common import start

    start(compile_cache=False)
    from ..bone.treatments import arm_specs, schedule_table
    from ..data.arm_rows import parse_rows
    from ..data.arms import ArmsSettings, read_arms
    from ..io import write_csv
    from ..validation import validated

    given = {"arms": args.arms} | ({} if args.median_se_factor is None else {"median_se_factor": args.median_se_factor})
    options = validated(ArmsSettings, given, "read-arms")
    tables = read_arms(options.arms, median_se_factor=options.median_se_factor)
    regimens = pd.DataFrame(schedule_table(arm_specs(parse_rows(options.arms))))
    outdir = Path(args.outdir)
    write_csv(outdir / "records.csv", tables.records)
    write_csv(outdir / "excluded.csv", tables.excluded)
    write_csv(outdir / "regimens.csv", regimens)
    records = tables.records
    print(f"{outdir}: {len(records)} records ({int(records['se_imputed'].sum())} SEs imputed, "
          f"{int(records['se'].isna().sum())} without an SE) from {records['study'].nunique()} studies, "
          f"{len(tables.excluded)} rows excluded with their reason, {len(regimens)} arm regimen components")
    return 0
