"""The convergence gates of a fit: thresholds only (light to import: the config reads them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class GateThresholds(BaseModel):
    """The convergence gates of a fit (the config's ``diagnose`` section extends them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rhat_max: float = Field(1.01, ge=1.0, le=2.0, description="largest acceptable rank-normalised split R-hat of any posterior element")
    ess_min: float = Field(400, ge=0, description="smallest acceptable bulk and tail effective sample size of any posterior element")
    max_divergences: int = Field(0, ge=0, description="largest acceptable number of divergent NUTS transitions (all chains)")
    max_failed_solves: int = Field(0, ge=0, description="largest acceptable number of failed ODE solves recorded during sampling")
