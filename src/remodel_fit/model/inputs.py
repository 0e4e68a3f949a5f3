"""Time-varying inputs: piecewise-constant levels and dose events, as JAX pytrees.

Schedules have fixed-length arrays so many subjects batch under ``vmap``; unused
slots are padding (``times = +inf`` for levels, ``amounts = 0`` for doses).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from ..errors import ModelError
from .base import Model

PAD_TIME = np.inf


class LevelSchedule(eqx.Module):
    """Level ``values[i]`` from ``times[i]`` until the next time; before ``times[0]`` the reference."""

    times: jnp.ndarray
    values: jnp.ndarray

    def at(self, t: jnp.ndarray, reference: jnp.ndarray) -> jnp.ndarray:
        idx = jnp.searchsorted(self.times, t, side="right", method="compare_all") - 1
        value = self.values[jnp.clip(idx, 0, self.values.shape[-1] - 1)]
        return jnp.where(idx >= 0, value, reference)


class DoseSchedule(eqx.Module):
    """Bolus doses ``amounts[i]`` given at ``times[i]``."""

    times: jnp.ndarray
    amounts: jnp.ndarray


def level(times: Sequence[float], values: Sequence[float], *, length: int | None = None) -> LevelSchedule:
    """A level schedule, padded to ``length`` entries."""
    times_arr, values_arr = _pad(times, values, length, PAD_TIME, values[-1] if len(values) else 0.0)
    _check_sorted(times_arr, "level schedule")
    return LevelSchedule(jnp.asarray(times_arr), jnp.asarray(values_arr))


def doses(times: Sequence[float], amounts: Sequence[float], *, length: int | None = None) -> DoseSchedule:
    """A dose schedule, padded to ``length`` entries with zero doses."""
    times_arr, amounts_arr = _pad(times, amounts, length, PAD_TIME, 0.0)
    _check_sorted(times_arr, "dose schedule")
    if np.any(amounts_arr < 0):
        raise ModelError("dose amounts must be >= 0")
    return DoseSchedule(jnp.asarray(times_arr), jnp.asarray(amounts_arr))


def every(start: float, interval: float, amount: float, until: float) -> DoseSchedule:
    """Doses of ``amount`` every ``interval`` days from ``start`` while before ``until``."""
    times = np.arange(start, until, interval, dtype=float)
    return doses(times, np.full(times.shape, amount))


def jump_times(inputs: Mapping[str, LevelSchedule | DoseSchedule]) -> jnp.ndarray:
    """Sorted times at which any input changes (padding stays at +inf at the end)."""
    if not inputs:
        return jnp.full((1,), jnp.inf)
    return jnp.sort(jnp.concatenate([jnp.atleast_1d(s.times) for s in inputs.values()]))


def check_inputs(model: Model, inputs: Mapping[str, object]) -> None:
    """Raise :class:`ModelError` for unknown inputs or a schedule of the wrong kind."""
    for name, schedule in inputs.items():
        spec = model.input(name)
        expected = LevelSchedule if spec.kind == "level" else DoseSchedule
        if not isinstance(schedule, expected):
            raise ModelError(f"input {name!r} of model {model.name!r} is a {spec.kind}; pass a {expected.__name__}")


def level_at(inputs: Mapping, name: str, t: jnp.ndarray, reference: jnp.ndarray) -> jnp.ndarray:
    """Level of input ``name`` at ``t``; ``reference`` when no schedule is given."""
    schedule = inputs.get(name)
    return reference if schedule is None else schedule.at(t, reference)


def _pad(times, values, length, pad_time, pad_value):
    times_arr = np.asarray(times, dtype=float).reshape(-1)
    values_arr = np.asarray(values, dtype=float).reshape(-1)
    if times_arr.shape != values_arr.shape:
        raise ModelError(f"schedule times ({times_arr.size}) and values ({values_arr.size}) differ in length")
    n = max(times_arr.size, 1) if length is None else length
    if times_arr.size > n:
        raise ModelError(f"schedule has {times_arr.size} entries, more than length={n}")
    pad = n - times_arr.size
    return (
        np.concatenate([times_arr, np.full(pad, pad_time)]),
        np.concatenate([values_arr, np.full(pad, pad_value)]),
    )


def _check_sorted(times: np.ndarray, what: str) -> None:
    finite = times[np.isfinite(times)]
    if np.any(np.diff(finite) < 0) or (finite.size < times.size and np.any(np.isfinite(times[finite.size:]))):
        raise ModelError(f"{what} times must be sorted ascending, got {times.tolist()}")
