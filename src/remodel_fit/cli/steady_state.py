"""``remodel-fit steady-state``: print a model's computed steady state as JSON."""

from __future__ import annotations

import argparse
import json
import math

from ..errors import ConfigError, RemodelFitError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("steady-state", help="print the computed steady state (states and auxiliaries) as JSON",
                            epilog="example: remodel-fit steady-state --model pivonka2008 --set beta_PTH=300")
    parser.add_argument("--model", default=None, help="model name (default: the mission model, bone_inflammation)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PARAM=VALUE",
                        help="override a parameter (repeatable)")
    parser.set_defaults(func=run)


def parse_overrides(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--set {item!r}: expected PARAM=VALUE")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"--set {item!r}: value {value!r} is not a number") from None
    return out


def run(args: argparse.Namespace) -> int:
    from .common import start

    start(compile_cache=False)
    from ..registry import DEFAULT_MODEL, get_model
    from ..solve.scenarios import baseline

    model = get_model(args.model or DEFAULT_MODEL)
    params = model.params(parse_overrides(args.overrides))
    state = baseline(model, params)
    if any(math.isnan(v) for v in state.values()):
        raise RemodelFitError(f"model {model.name!r}: steady state not found for these parameters")
    print(json.dumps({"model": model.name, "steady_state": state}, indent=2))
    return 0
