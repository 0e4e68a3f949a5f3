"""``remodel-fit validate``: check a workflow config, or measurement (and conditions) tables
against a model.

Prints a one-line summary and optionally writes it as JSON; on a bad config or table prints one
line naming the file with its line and column or key and what was expected, exits 2 and writes
nothing.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("validate", help="validate a workflow config or measurement/conditions tables "
                            "(one-line summary or error)",
                            epilog="example: remodel-fit validate --config config/config.yaml "
                            "(or: --measurements m.csv --conditions c.csv --out v.json)")
    parser.add_argument("--config", default=None, help="a workflow config: every section, key and configured "
                        "input path is checked (what Snakemake does as it starts)")
    parser.add_argument("--yaml-only", action="store_true", help="with --config: check only that the file is a "
                        "YAML mapping, naming line and column otherwise (what `make run` does before Snakemake "
                        "starts; Snakemake's own YAML error names neither)")
    parser.add_argument("--measurements", default=None, help="measurement table (CSV/TSV, PEtab v1 names accepted)")
    parser.add_argument("--conditions", default=None, help="conditions/doses table (CSV/TSV)")
    parser.add_argument("--model", default=None, help="model whose observables and inputs to check against "
                        "(default: bone_inflammation)")
    parser.add_argument("--out", default=None, help="write the summary as JSON here (e.g. results/data/validated.json)")
    parser.add_argument("--plot", default=None, help="also write the data-overview figure here (PNG/PDF)")
    parser.set_defaults(func=run)


def model_argument(name: str | None):
    """The model an option names (the mission model by default); ConfigError naming --model."""
    from ..errors import ConfigError, ModelError
    from ..registry import DEFAULT_MODEL, get_model

    try:
        return get_model(name or DEFAULT_MODEL)
    except ModelError as err:
        raise ConfigError(f"--model: {err}") from None


def run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from .common import start

    if args.yaml_only:
        return check_yaml(args.config)
    start(compile_cache=False)
    if args.config is not None:
        return check_config(args.config)
    if args.measurements is None:
        raise ConfigError("--measurements or --config: give a table or a config to validate")
    from ..data.build import build_dataset, read_tables, summarise
    from ..io import save_figure, write_json

    model = model_argument(args.model)
    meas, cond = read_tables(args.measurements, args.conditions, model)
    dataset = build_dataset(meas, cond, model)
    summary = summarise(dataset, meas, model, measurements=args.measurements, conditions=args.conditions)
    if args.out:
        write_json(args.out, summary)
    if args.plot:
        from ..plots.data import overview_figure

        save_figure(args.plot, overview_figure(meas))
    print(summary["line"])
    return 0


def check_yaml(path: str | None) -> int:
    """A config file parses as a YAML mapping (no JAX, no schema); one summary line."""
    from ..errors import ConfigError
    from ..settings.base import load_yaml

    if path is None:
        raise ConfigError("--yaml-only: needs --config FILE")
    load_yaml(path)
    print(f"{path}: valid YAML (the workflow checks every key as it starts)")
    return 0


def check_config(path: str) -> int:
    """Validate a workflow config and the inputs it names; one summary line."""
    from ..settings import workflow_settings
    from ..settings.base import load_yaml

    settings = workflow_settings(load_yaml(path), path, inputs=True)
    print(f"{path}: valid; fits {', '.join(settings.fit.fits) or 'none'}; data source {settings.data.source}")
    return 0
