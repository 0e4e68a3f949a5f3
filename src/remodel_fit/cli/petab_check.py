"""``remodel-fit petab-check``: import a PEtab v1 problem and print, as one JSON object, its
log-likelihood at the nominal parameters beside the reference value, the deviation from the
problem's simulatedData and timings. Exit 1 when the difference exceeds ``--tolerance``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

EPILOG = """example: remodel-fit petab-check ../shared/data/petab-benchmark/Boehm_JProteomeRes2014/Boehm_JProteomeRes2014.yaml
example: remodel-fit petab-check problem.yaml --solver tsit5 --gradient --references benchmark_models.yaml

The reference comes from --references, else a benchmark_models.yaml beside or above the
problem folder, else AMICI's published values for the benchmark collection."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("petab-check", help="import a PEtab problem; print its log-likelihood against the reference",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("problem", type=Path, metavar="PROBLEM.yaml", help="PEtab v1 problem file")
    parser.add_argument("--solver", choices=("kvaerno5", "rodas4", "rodas4p", "tsit5"), default="kvaerno5",
                        help="ODE solver (default kvaerno5; rodas4p is often faster on stiff problems, tsit5 on "
                        "non-stiff ones)")
    parser.add_argument("--rtol", type=float, default=1e-8, help="relative tolerance (default 1e-8)")
    parser.add_argument("--atol", type=float, default=1e-10, help="absolute tolerance (default 1e-10)")
    parser.add_argument("--gradient", action="store_true", help="also time value and gradient on the parameter scale")
    parser.add_argument("--mode", choices=("forward", "reverse"), default="forward",
                        help="gradient mode with --gradient (default forward)")
    parser.add_argument("--references", type=Path, metavar="FILE", help="YAML of reference values (problem: {llh: v})")
    parser.add_argument("--tolerance", type=float, default=1e-3,
                        help="largest accepted |llh - reference| (default 1e-3); exit 1 beyond it")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import require_file, start

    require_file(args.problem)
    start(compile_cache=True)
    from ..errors import ConfigError

    if not (args.rtol > 0 and args.atol > 0 and args.tolerance > 0):
        raise ConfigError("--rtol, --atol and --tolerance must be positive")
    try:
        from ..petab import SolverOptions
        from ..petab.check import check_problem
    except ImportError as err:
        raise ConfigError(f"petab import needs the optional extra: pip install 'remodel-fit[petab]' ({err})") from None
    opts = SolverOptions(solver=args.solver, rtol=args.rtol, atol=args.atol, mode=args.mode)
    out = check_problem(args.problem, opts, reference_file=args.references, gradient=args.gradient)
    out["tolerance"] = args.tolerance
    diff = out["difference"]
    out["within_tolerance"] = None if diff is None else bool(abs(diff) <= args.tolerance)
    print(json.dumps(out, indent=2))
    return 1 if out["within_tolerance"] is False else 0
