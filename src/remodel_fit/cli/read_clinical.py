"""``remodel-fit read-clinical``: digitised clinical-trial arms -> tidy measurement and condition tables."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("read-clinical", help="clinical-trial arms (CSV) -> tidy measurements.csv, conditions.csv",
                            epilog="example: remodel-fit read-clinical --clinical-dir ../shared/data/clinical "
                            "--pattern 'looker1998_and_bone2011_*' --outdir results/data/clinical")
    parser.add_argument("--clinical-dir", required=True, help="directory of arm files (never copied into the repo)")
    parser.add_argument("--pattern", nargs="+", default=["looker1998_and_mcclung2006_*"],
                        help="glob(s) of arm files (.csv added)")
    parser.add_argument("--model", default=None, help="validate the tables against this model (default: bone_inflammation)")
    parser.add_argument("--drugs", nargs="*", default=None,
                        help="drugs whose doses to keep (default: those the model has a dose input for)")
    parser.add_argument("--outdir", default="results/data/clinical", help="directory for the two tables")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .common import start
    from .validate import model_argument

    start(compile_cache=False)
    from ..data.clinical import read_clinical_arms
    from ..data.tables import write_table
    from ..data.validate import validate_conditions, validate_measurements

    model = model_argument(args.model)
    drugs = args.drugs
    if drugs is None:
        drugs = [i.name.removesuffix("_mg") for i in model.inputs if i.kind == "dose" and i.name.endswith("_mg")]
    meas, cond = read_clinical_arms(args.clinical_dir, args.pattern, drugs=drugs)
    checked = validate_measurements(meas, model, "<clinical measurements>")
    if not cond.empty:
        validate_conditions(cond, model, checked, "<clinical conditions>", "<clinical measurements>")
    outdir = Path(args.outdir)
    write_table(outdir / "measurements.csv", meas)
    write_table(outdir / "conditions.csv", cond)
    print(f"{outdir}: {meas['subject'].nunique()} arms, {len(meas)} measurements, {len(cond)} doses "
          f"({', '.join(sorted(cond['input'].unique())) or 'none'})")
    return 0
