"""``remodel-fit config-schema``: the config's JSON schema and reference table, from the settings."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("config-schema", help="write the workflow config's JSON schema and its reference table",
                            epilog="example: remodel-fit config-schema --json workflow/schemas/config.schema.json "
                            "--markdown config/README.md")
    parser.add_argument("--json", type=Path, help="write the JSON schema here")
    parser.add_argument("--markdown", type=Path, help="rewrite the reference table between the markers of this file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..settings.reference import reference_table, with_reference
    from ..settings.workflow import json_schema
    from .common import write_text

    if args.json is None and args.markdown is None:
        print(reference_table(), end="")
        return 0
    if args.json is not None:
        write_text(args.json, json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")
    if args.markdown is not None:
        write_text(args.markdown, with_reference(args.markdown.read_text()))
    return 0
