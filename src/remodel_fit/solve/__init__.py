"""Solving models: :func:`simulate` and its backends, forward-mode wrappers, batched subject
solves, scenario schedules and result codes."""

from __future__ import annotations

from .options import FUSED_SOLVERS, SolverConfig
from .results import RESULTS, failure_reason
from .simulate import Solution, simulate

__all__ = ["FUSED_SOLVERS", "RESULTS", "Solution", "SolverConfig", "failure_reason", "simulate"]
