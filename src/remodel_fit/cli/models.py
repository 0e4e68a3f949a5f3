"""``remodel-fit models``: list the models a config can name (optionally one model's parameters)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list the built-in and installed (entry-point) models",
                            epilog="example: remodel-fit models --parameters bone_inflammation")
    parser.add_argument("--parameters", metavar="MODEL", help="list one model's parameters with units and sources "
                        "(a name, path/to/file.py:NAME or package.module:NAME)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="regenerate the parameter tables between the "
                        "markers of FILE (docs/model.md)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..registry import MODELS, entry_points, get_model

    if args.markdown:
        from ..report.tables import with_parameter_tables
        from .common import write_text

        write_text(args.markdown, with_parameter_tables(args.markdown.read_text(), MODELS.values()))
        return 0
    if args.parameters:
        model = get_model(args.parameters)
        rows = [
            {"name": p.name, "default": p.default, "unit": p.unit, "group": p.group, "description": p.description, "source": p.source}
            for p in model.parameters
        ]
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for r in rows:
                print(f"{r['name']:16s} {r['default']:<12.6g} {r['unit']:8s} {r['group']:9s} {r['description']}")
        return 0
    listing = [_entry(name, m, "built-in") for name, m in MODELS.items()]
    listing += [_entry(name, get_model(name), f"entry point {ep.value}") for name, ep in entry_points().items()]
    if args.json:
        print(json.dumps(listing, indent=2))
    else:
        for m in listing:
            origin = "" if m["source"] == "built-in" else f" [{m['source']}]"
            print(f"{m['name']:18s} {m['description']}{origin}")
    return 0


def _entry(name: str, model, source: str) -> dict:
    """One row of the listing: the name a config uses, the model's interface and where it comes from."""
    return {"name": name, "states": list(model.states), "inputs": list(model.input_names),
            "observables": list(model.observable_names), "description": model.description, "source": source}
