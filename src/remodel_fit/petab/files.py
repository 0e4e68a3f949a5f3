"""The files a PEtab v1 problem YAML names (light: YAML only, so the config layer and the workflow
can list a problem's inputs without the optional extra)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..errors import PetabError

KINDS = ("parameter", "sbml", "condition", "measurement", "observable")


def listed_files(yaml_path: str | os.PathLike) -> dict[str, list[Path]]:
    """``kind -> paths`` (relative to the YAML's folder resolved against it) of the tables and the model
    the YAML names, keyed parameter/sbml/condition/measurement/observable; not checked to exist."""
    yaml_path = Path(yaml_path)
    if not yaml_path.is_file():
        raise FileNotFoundError(2, "no such file", str(yaml_path))
    try:
        spec = yaml.safe_load(yaml_path.read_text())
    except yaml.YAMLError as err:
        raise PetabError(f"{yaml_path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(spec, dict) or "problems" not in spec:
        raise PetabError(f"{yaml_path}: not a PEtab problem file (no 'problems' entry)")
    version = str(spec.get("format_version", ""))
    if not version.startswith("1"):
        raise PetabError(f"{yaml_path}: PEtab format_version {version!r} is not supported (PEtab v1 only)")
    if not isinstance(spec["problems"], list) or len(spec["problems"]) != 1:
        count = len(spec["problems"]) if isinstance(spec["problems"], list) else "no list of"
        raise PetabError(f"{yaml_path}: {count} problems in one file are not supported (one only)")
    sub = spec["problems"][0]
    base = yaml_path.parent
    parameter = spec.get("parameter_file")
    if not parameter:
        raise PetabError(f"{yaml_path}: no parameter_file given")
    files = {"parameter": [base / f for f in ([parameter] if isinstance(parameter, str) else parameter)]}
    for key in KINDS[1:]:
        files[key] = [base / f for f in sub.get(f"{key}_files", [])]
        if not files[key]:
            raise PetabError(f"{yaml_path}: no {key}_files given")
    if len(files["sbml"]) != 1:
        raise PetabError(f"{yaml_path}: {len(files['sbml'])} SBML files given; exactly one is supported")
    return files


def problem_files(yaml_path: str | os.PathLike) -> dict[str, list[Path]]:
    """:func:`listed_files`, each checked to exist (FileNotFoundError naming the first missing one)."""
    files = listed_files(yaml_path)
    for paths in files.values():
        for p in paths:
            if not p.is_file():
                raise FileNotFoundError(2, "no such file", str(p))
    return files
