"""``remodel-fit models``: list the models a config can name (optionally one model's parameters)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list the built-in models",
                            epilog="example: remodel-fit models --parameters bone_inflammation")
    parser.add_argument("--parameters", metavar="MODEL", help="list one model's parameters with units and sources")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="regenerate the parameter tables between the "
                        "markers of FILE (docs/model.md)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..registry import MODELS, get_model

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
    listing = [
        {"name": m.name, "states": list(m.states), "inputs": list(m.input_names), "observables": list(m.observable_names),
         "description": m.description}
        for m in MODELS.values()
    ]
    if args.json:
        print(json.dumps(listing, indent=2))
    else:
        for m in listing:
            print(f"{m['name']:18s} {m['description']}")
    return 0
