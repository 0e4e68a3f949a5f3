"""Validation of option objects (pydantic) with one-line errors that name the key path.

``validated(Options, data, "fit.fits.synthetic.nuts")`` returns the validated object or raises
:class:`~remodel_fit.errors.ConfigError` such as ``fit.fits.synthetic.nuts.chians: unknown key
(did you mean 'chains'?); expected one of chains, warmup, ...``.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel, Strict, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from .errors import ConfigError

T = TypeVar("T")
Flag = typing.Annotated[bool, Strict()]
"""A config boolean: true or false, not 'yes', 1 or 'on'."""
TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list",
              tuple: "a list", dict: "a mapping", type(None): "null"}
PYTHON_NAMES = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false",
                "list": "a list", "dict": "a mapping", "NoneType": "null", "tuple": "a list"}


def validated(kind: type[T], data: Any, key: str) -> T:
    """``data`` validated as ``kind`` (a pydantic model or pydantic dataclass); ConfigError otherwise."""
    try:
        return TypeAdapter(kind).validate_python({} if data is None else data)
    except ValidationError as err:
        raise ConfigError(error_line(err, key, kind)) from None


def error_line(err: ValidationError, key: str, kind: Any = None) -> str:
    """The first error of ``err`` as ``<path>: <problem>; expected <what>``."""
    errors = err.errors(include_url=False)
    unknown = [e for e in errors if e["type"] in ("extra_forbidden", "unexpected_keyword_argument")]
    first = (unknown or errors)[0]  # a misspelt key explains the missing one it was meant to be
    loc = _clean(first["loc"])
    invalid_key = bool(first["loc"]) and first["loc"][-1] == "[key]"
    parts = [key] if key else []
    where = ".".join(parts + [str(p) for p in loc])
    annotation, info = _field_at(kind, loc) if kind is not None else (None, None)
    kind_of, got = first["type"], first.get("input")
    if kind_of in ("extra_forbidden", "unexpected_keyword_argument") or invalid_key:
        known = known_keys(kind, loc[:-1]) if kind is not None else []
        if invalid_key:
            known = _literal_values(_dict_key_type(_field_at(kind, loc[:-1])[0])) if kind is not None else []
        expected = f"; expected one of {', '.join(known)}" if known else ""
        return f"{where}: unknown key{did_you_mean(str(loc[-1]), known)}{expected}"
    if kind_of in ("missing", "missing_argument"):
        return f"{where}: missing; expected {describe(annotation, info)}"
    if kind_of in ("value_error", "assertion_error"):
        message = str(first.get("ctx", {}).get("error", first["msg"]))
        return f"{where}: {message}"
    if kind_of == "literal_error":
        options = _literal_values(annotation) or [first.get("ctx", {}).get("expected", "")]
        return f"{where}: unknown value {got!r}{did_you_mean(str(got), options)}; expected one of {', '.join(options)}"
    if kind_of.startswith(("greater", "less")):
        return f"{where}: {got!r} is out of range; expected {describe(annotation, info)}"
    if kind_of.endswith(("_parsing", "_type")) or kind_of in ("union_tag_invalid", "model_type", "dataclass_type"):
        got_word = PYTHON_NAMES.get(type(got).__name__, f"a {type(got).__name__}")
        return f"{where}: {got!r} is {got_word}, not {describe(annotation, info, bounds=False)}; " \
               f"expected {describe(annotation, info)}"
    if kind_of in ("too_short", "too_long"):
        return f"{where}: {first['msg'][0].lower()}{first['msg'][1:]}; expected {describe(annotation, info)}"
    return f"{where}: {first['msg'][0].lower()}{first['msg'][1:]}"


def did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(annotation: Any, info: FieldInfo | None = None, *, bounds: bool = True) -> str:
    """'an integer >= 1 and <= 1000', 'a number or null', 'one of a, b', ... for a field."""
    base, metadata = _unwrap(annotation)
    if info is not None:
        metadata = [*metadata, *info.metadata]
    members = _members(base)
    words = []
    for member in members:
        literal = _literal_values(member)
        if literal:
            words.append(f"one of {', '.join(literal)}")
        else:
            origin = get_origin(member) or member
            word = TYPE_WORDS.get(origin)
            if word is None and isinstance(origin, type) and (issubclass(origin, BaseModel) or dataclasses.is_dataclass(origin)):
                word = "a mapping"
            words.append(word or str(getattr(origin, "__name__", origin)))
    text = " or ".join(dict.fromkeys(words)) or "a valid value"
    if bounds:
        limits = _bounds(metadata)
        if limits:
            text = f"{text} {limits}"
    return text


def known_keys(kind: Any, loc: list) -> list[str]:
    """Field names of the object at ``loc`` inside ``kind`` (empty when it cannot be told)."""
    node = _field_at(kind, loc)[0] if loc else kind
    fields = _fields(_unwrap(node)[0])
    return list(fields) if fields is not None else []


# ----------------------------------------------------------------------------- internals
def _clean(loc) -> list:
    """The location without pydantic's union-member tags and the '[key]' marker."""
    return [p for p in loc if not (isinstance(p, str) and (p == "[key]" or "[" in p or p in PYTHON_NAMES))]


def _fields(kind: Any) -> dict[str, FieldInfo] | None:
    for member in _members(kind):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return dict(member.model_fields)
        if dataclasses.is_dataclass(member) and hasattr(member, "__pydantic_fields__"):
            return dict(member.__pydantic_fields__)
    return None


def _field_at(kind: Any, loc: list) -> tuple[Any, FieldInfo | None]:
    """Annotation (and FieldInfo) of the value at ``loc`` inside ``kind``."""
    node, info = kind, None
    for part in loc:
        base = _unwrap(node)[0]
        fields = _fields(base)
        if fields is not None and str(part) in fields:
            info = fields[str(part)]
            node = info.annotation
            continue
        child = None
        for member in _members(base):
            origin = get_origin(member)
            args = get_args(member)
            if origin in (dict, Mapping) and len(args) == 2:
                child = args[1]
            elif origin in (list, tuple) and args:
                child = args[0]
            if child is not None:
                break
        if child is None:
            return None, None
        node, info = child, None
    return node, info


def _dict_key_type(annotation: Any) -> Any:
    for member in _members(_unwrap(annotation)[0]):
        if get_origin(member) in (dict, Mapping):
            return get_args(member)[0]
    return None


def _unwrap(annotation: Any) -> tuple[Any, list]:
    """``Annotated[X, m...]`` -> (X, [m...]); anything else -> (itself, [])."""
    metadata: list = []
    while get_origin(annotation) is typing.Annotated:
        metadata.extend(annotation.__metadata__)
        annotation = get_args(annotation)[0]
    return annotation, metadata


def _members(annotation: Any) -> list:
    origin = get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return [m for a in get_args(annotation) for m in _members(_unwrap(a)[0])]
    return [annotation]


def _literal_values(annotation: Any) -> list[str]:
    values = []
    for member in _members(_unwrap(annotation)[0]) if annotation is not None else []:
        if get_origin(member) is typing.Literal:
            values += [str(v) for v in get_args(member)]
    return values


def _bounds(metadata: list) -> str:
    words = []
    flat = [x for m in metadata for x in (m.metadata if isinstance(m, FieldInfo) else [m])]
    for m in flat:
        for cls, attr, op in ((at.Ge, "ge", ">="), (at.Gt, "gt", ">"), (at.Le, "le", "<="), (at.Lt, "lt", "<")):
            if isinstance(m, cls):
                value = getattr(m, attr)
                words.append(f"{op} {value}" if isinstance(value, int) else f"{op} {value:g}")
        if isinstance(m, at.MinLen) and m.min_length:
            words.append(f"with at least {m.min_length} entr{'y' if m.min_length == 1 else 'ies'}")
    return " and ".join(words)
