"""``remodel-fit compare``: PSIS-LOO comparison of fits (``az.compare``): table and plot."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("compare", help="compare fits of one dataset by PSIS-LOO (e.g. cytokine-arm variants)",
                              epilog="example: remodel-fit compare --idata a/idata.nc b/idata.nc --names a b "
                              "--outdir results/compare")
    p.add_argument("--idata", required=True, nargs="+", type=Path, help="InferenceData netCDF files")
    p.add_argument("--names", nargs="+", help="one name per file (default: each file's fit_name)")
    p.add_argument("--outdir", required=True, type=Path, help="results/compare")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import start

    start(compile_cache=False)
    from ..errors import ConfigError
    from ..inference.compare import compare_all_units
    from ..inference.idata import read_idata
    from ..io import save_figure, write_csv
    from ..plots.compare import compare_figure

    idatas = [read_idata(p) for p in args.idata]
    names = args.names or [i.posterior.attrs.get("fit_name", p.stem) for i, p in zip(idatas, args.idata)]
    if len(names) != len(idatas) or len(set(names)) != len(names):
        raise ConfigError(f"--names needs {len(idatas)} distinct names, got {names}")
    table = compare_all_units(dict(zip(names, idatas)))
    write_csv(args.outdir / "loo_compare.csv", table)
    save_figure(args.outdir / "loo_compare.png", compare_figure(table))
    for unit, part in table.groupby("unit", sort=False):
        print(f"compare (leave one {unit} out): best {part['model'].iloc[0]} -> {args.outdir}")
    return 0
