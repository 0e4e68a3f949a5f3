"""The ``gsa`` section of the workflow config, with defaults and key-naming errors.

Mirrors ``workflow/schemas/config.gsa.schema.yaml`` (keep the two in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from ..errors import ConfigError
from ..simulate import SolverConfig
from .engine import POLICIES
from .problem import power_of_two

DEFAULT_PARAMETERS: dict[str, list[float]] = {
    "tnf_level": [5.0, 60.0],
    "il1_level": [1.0, 20.0],
    "il6_level": [5.0, 60.0],
    **{f"{c}_e_{arm}": [0.0, 3.0] for c in ("tnf", "il1", "il6") for arm in ("rankl", "opg", "ob")},
    "tnf_ec50": [5.0, 60.0],
    "il1_ec50": [1.0, 20.0],
    "il6_ec50": [5.0, 60.0],
}
DEFAULT_GRID = [round(float(t), 2) for t in np.linspace(365.25 / 4, 3652.5, 40)]


@dataclass(frozen=True)
class GsaSettings:
    """Settings of the ``gsa`` stage (see the schema for each key's meaning)."""

    n: int = 1024
    second_order: bool = True
    seed_stage: str = "gsa"
    chunk: int = 4096
    devices: int = 2
    solver: dict = field(default_factory=lambda: {"solver": "rodas4p"})
    failure_policy: str = "exclude"
    horizon_years: tuple[float, ...] = (1.0, 5.0, 10.0)
    time_grid_days: tuple[float, ...] = tuple(DEFAULT_GRID)
    outputs: tuple[str, ...] = ("bmd_ls_rel", "bmd_th_rel", "ctx_rel", "p1np_rel", "opg_rankl")
    parameters: dict = field(default_factory=lambda: dict(DEFAULT_PARAMETERS))
    posterior_quantiles: tuple[float, float] = (0.05, 0.95)
    morris: dict = field(default_factory=lambda: {"trajectories": 64, "levels": 4})
    dgsm_n: int = 256
    convergence_n: tuple[int, ...] = (256, 512, 1024, 2048)
    num_resamples: int = 100
    conf_level: float = 0.95

    @classmethod
    def from_config(cls, section: Mapping | None) -> GsaSettings:
        """Settings from the config's ``gsa`` mapping (missing keys take defaults)."""
        section = dict(section or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ConfigError(f"gsa: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
        values = {k: tuple(v) if isinstance(v, list) and k not in ("parameters", "solver") else v for k, v in section.items()}
        out = cls(**values)
        out.check()
        return out

    def solver_config(self, shared: Mapping | None = None) -> SolverConfig:
        """The top-level ``solver`` section overridden by ``gsa.solver``; forward-mode adjoint (DGSM)."""
        known = {f.name for f in fields(SolverConfig)}
        unknown = sorted(set(self.solver) - known)
        if unknown:
            raise ConfigError(f"gsa.solver: unknown key {unknown[0]!r} (known: {', '.join(sorted(known - {'adjoint'}))})")
        merged = {**(shared or {}), **self.solver}
        picked = {k: v for k, v in merged.items() if k in known}
        picked["adjoint"] = "forward"  # forward-mode derivatives for DGSM; as fast for plain solves
        try:
            return SolverConfig(**picked)
        except Exception as err:
            raise ConfigError(f"gsa.solver: {err}") from None

    @property
    def horizon_days(self) -> list[float]:
        return [float(y) * 365.25 for y in self.horizon_years]

    def check(self) -> None:
        power_of_two(self.n, "gsa.n")
        for v in self.convergence_n:
            power_of_two(v, "gsa.convergence_n")
        if self.failure_policy not in POLICIES:
            raise ConfigError(f"gsa.failure_policy: expected one of {list(POLICIES)}, got {self.failure_policy!r}")
        if self.chunk < 1 or self.devices < 1 or self.dgsm_n < 2:
            raise ConfigError("gsa.chunk and gsa.devices must be >= 1 and gsa.dgsm_n >= 2")
        if not self.horizon_years or any(y <= 0 for y in self.horizon_years):
            raise ConfigError(f"gsa.horizon_years: expected positive years, got {list(self.horizon_years)}")
        if any(t <= 0 for t in self.time_grid_days):
            raise ConfigError(f"gsa.time_grid_days: expected positive days, got {list(self.time_grid_days)}")
        for name, pair in self.parameters.items():
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and float(pair[0]) < float(pair[1])):
                raise ConfigError(f"gsa.parameters.{name}: expected [low, high] with low < high, got {pair!r}")
        if not isinstance(self.solver, Mapping):
            raise ConfigError(f"gsa.solver: expected a mapping of solver settings, got {self.solver!r}")
        unknown = sorted(set(self.morris) - {"trajectories", "levels"})
        if unknown:
            raise ConfigError(f"gsa.morris: unknown key {unknown[0]!r} (known: levels, trajectories)")
        if int(self.morris.get("trajectories", 64)) < 2 or int(self.morris.get("levels", 4)) < 2:
            raise ConfigError("gsa.morris.trajectories and gsa.morris.levels must be >= 2")
        if not 0 < self.conf_level < 1:
            raise ConfigError(f"gsa.conf_level must lie in (0, 1), got {self.conf_level}")
