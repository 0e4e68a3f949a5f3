"""The ``remodel-fit`` command line: a thin shell over the library.

Each verb lives in ``remodel_fit.cli.<verb>`` and exposes ``register(subparsers)``; its
function reads arguments and settings, calls the library and writes the results. Errors of
the package print as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import RemodelFitError
from ..io import exit_on_signals

VERB_MODULES = ("compare", "config_schema", "diagnose", "fit", "gsa", "heldout", "make_synthetic", "mbma_design", "models", "pathways", "petab_check", "plot_data", "predict",
                "read_arms", "read_clinical", "report", "simulate", "steady_state", "validate")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="remodel-fit", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"remodel-fit {__version__}")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for name in VERB_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..runtime import set_jax_environment

    set_jax_environment()  # before anything imports equinox
    parser = build_parser()
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")  # figures are files: never open a window
    exit_on_signals()  # SIGTERM/SIGINT unwind: temporary files are removed, nothing half-written stays
    try:
        return int(args.func(args) or 0)
    except RemodelFitError as err:
        print(f"remodel-fit {args.verb}: error: {err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"remodel-fit {args.verb}: error: {err.filename}: file not found", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of our output went away (`remodel-fit models --json | head`)
        sys.stderr.close()
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"remodel-fit {args.verb}: interrupted; nothing half-written was left", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
