"""The model interface: a model is a value.

A :class:`Model` bundles state names, documented parameters, time-varying inputs,
observables, a pure JAX vector field and the rule that finds the initial state.
Everything downstream (simulation, inference, sensitivity) takes any such value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import jax.numpy as jnp
import numpy as np

from ..errors import ModelError

Params = dict[str, jnp.ndarray]
"""Parameter values keyed by name (scalars, or equal-shaped arrays under vmap)."""


Status = Literal["published", "calibrated", "assumed", ""]
"""Where a default comes from: a paper or the authors' code, a fit of this project, or a choice."""


@dataclass(frozen=True)
class Parameter:
    """One model parameter with its unit, admissible range, literature source and status
    (empty status: read from the source text, :func:`status`)."""

    name: str
    default: float
    unit: str
    description: str
    source: str = ""
    lower: float = 0.0
    upper: float = float("inf")
    positive: bool = True
    group: str = "core"
    status: Status = ""

    @property
    def origin(self) -> str:
        """'published', 'calibrated' or 'assumed': the status, or 'assumed' where the source says
        assumed/calibrate and 'published' otherwise."""
        if self.status:
            return self.status
        text = self.source.lower()
        return "assumed" if "assumed" in text or "calibrate" in text else "published"


@dataclass(frozen=True)
class Input:
    """A time-varying input: a piecewise-constant ``level`` or a list of ``dose`` events."""

    name: str
    kind: Literal["level", "dose"]
    unit: str
    description: str
    reference: str | None = None
    """For levels: the parameter holding the level used before/without a schedule."""


@dataclass(frozen=True)
class Observable:
    """A quantity a clinic or lab measures, computed from the state."""

    name: str
    unit: str
    description: str
    positive: bool = True
    scale_parameter: str | None = None


VectorField = Callable[[jnp.ndarray, jnp.ndarray, Params, Mapping], jnp.ndarray]
InitialState = Callable[[Params, Mapping], jnp.ndarray]
Observe = Callable[[jnp.ndarray, jnp.ndarray, jnp.ndarray, Params, Mapping], dict[str, jnp.ndarray]]


@dataclass(frozen=True)
class Model:
    """A dynamical model of the package's interface.

    ``vector_field(t, y, p, inputs)`` and ``observe(t, y, y0, p, inputs)`` are pure JAX
    functions; ``initial_state(p, inputs)`` returns the state at t = 0 (a computed steady
    state, or parameters that are the initial state). ``auxiliaries(t, y, p, inputs)``
    returns derived quantities worth reporting (e.g. RANKL, OPG, PTH).
    ``prepare(p, inputs)``, when given, runs first and returns ``p`` with derived entries.
    ``state_scales`` are typical magnitudes used to normalise states whose initial value
    is zero.
    """

    name: str
    description: str
    states: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    vector_field: VectorField
    initial_state: InitialState
    observe: Observe
    inputs: tuple[Input, ...] = ()
    observables: tuple[Observable, ...] = ()
    auxiliaries: Callable[[jnp.ndarray, jnp.ndarray, Params, Mapping], dict] | None = None
    prepare: Callable[[Params, Mapping], Params] | None = None
    """Derived quantities computed once per solve (e.g. the baseline steady state), added to ``p``."""
    state_units: tuple[str, ...] = ()
    state_scales: tuple[float, ...] = ()
    reference: str = ""

    # ------------------------------------------------------------------ lookup
    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def observable_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.observables)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise ModelError(f"model {self.name!r} has no parameter {name!r}{_did_you_mean(name, self.parameter_names)}")

    def observable(self, name: str) -> Observable:
        for o in self.observables:
            if o.name == name:
                return o
        raise ModelError(f"model {self.name!r} has no observable {name!r}{_did_you_mean(name, self.observable_names)}")

    def input(self, name: str) -> Input:
        for i in self.inputs:
            if i.name == name:
                return i
        raise ModelError(f"model {self.name!r} has no input {name!r}{_did_you_mean(name, self.input_names)}")

    def state_index(self, name: str) -> int:
        try:
            return self.states.index(name)
        except ValueError:
            raise ModelError(f"model {self.name!r} has no state {name!r}") from None

    def prepared(self, p: Params, inputs: Mapping) -> Params:
        """``p`` with the model's derived quantities (identity when the model has none)."""
        return p if self.prepare is None else self.prepare(p, inputs)

    # --------------------------------------------------------------- parameters
    def defaults(self) -> Params:
        """Default parameter values as float64 JAX scalars."""
        return {p.name: jnp.asarray(p.default, dtype=jnp.float64) for p in self.parameters}

    def params(self, overrides: Mapping[str, float] | None = None, **kwargs: float) -> Params:
        """Defaults with ``overrides`` applied, validated (unknown names, shapes, ranges)."""
        values = dict(overrides or {}, **kwargs)
        out = self.defaults()
        shape = None
        for name, value in values.items():
            spec = self.parameter(name)
            try:
                arr = jnp.asarray(value, dtype=jnp.float64)
            except (TypeError, ValueError):
                raise ModelError(f"parameter {name!r} of model {self.name!r} must be numeric, got {value!r}") from None
            if shape is None:
                shape = arr.shape
            elif arr.shape != shape:
                raise ModelError(
                    f"parameter {name!r} of model {self.name!r} has shape {arr.shape}, expected {shape} "
                    "(all overridden parameters must share one shape)"
                )
            _check_range(spec, np.asarray(arr), self.name)
            out[name] = arr
        return out

    def validate(self, p: Mapping[str, jnp.ndarray]) -> None:
        """Raise :class:`ModelError` unless ``p`` names exactly this model's parameters, in range."""
        unknown = sorted(set(p) - set(self.parameter_names))
        if unknown:
            raise ModelError(f"model {self.name!r} has no parameter {unknown[0]!r}{_did_you_mean(unknown[0], self.parameter_names)}")
        missing = sorted(set(self.parameter_names) - set(p))
        if missing:
            raise ModelError(f"parameters for model {self.name!r} lack {missing}")
        for name, value in p.items():
            _check_range(self.parameter(name), np.asarray(value), self.name)


def _check_range(spec: Parameter, value: np.ndarray, model: str) -> None:
    if value.dtype == object or not np.issubdtype(value.dtype, np.number):
        raise ModelError(f"parameter {spec.name!r} of model {model!r} must be numeric, got {value!r}")
    if not np.all(np.isfinite(value)):
        raise ModelError(f"parameter {spec.name!r} of model {model!r} must be finite, got {value}")
    if spec.positive and np.any(value <= 0) and spec.lower >= 0 and spec.default > 0:
        raise ModelError(
            f"parameter {spec.name!r} of model {model!r} must be > 0 ({spec.unit}), got {np.min(value):g}"
        )
    if np.any(value < spec.lower) or np.any(value > spec.upper):
        raise ModelError(
            f"parameter {spec.name!r} of model {model!r} must lie in [{spec.lower:g}, {spec.upper:g}] "
            f"({spec.unit}), got {value if value.ndim == 0 else value.min()}"
        )


def _did_you_mean(name: str, choices: tuple[str, ...]) -> str:
    import difflib

    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else f"; known: {', '.join(choices)}"
