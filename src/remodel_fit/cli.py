"""The ``remodel-fit`` command line: a thin shell over the library.

Each verb lives in ``remodel_fit.commands.<verb>`` and exposes
``register(subparsers)``; errors of the package print as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands
from .errors import RemodelFitError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="remodel-fit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"{commands.__name__}.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RemodelFitError as err:
        print(f"remodel-fit {args.verb}: error: {err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"remodel-fit {args.verb}: error: file not found: {err.filename}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
