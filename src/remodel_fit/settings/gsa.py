"""The ``gsa`` section: the study's sampling options and the mission model's inputs and outputs."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from ..bone.gsa import BoneStudyOptions
from ..sensitivity.evaluators import Evaluator, InProcess, MultiProcess
from ..sensitivity.options import StudyOptions
from ..solve.options import SolverConfig
from ..validation import validated


class GsaSettings(StudyOptions, BoneStudyOptions):
    """Global sensitivity analysis of the cytokine parameters (remodel-fit gsa)."""

    seed_stage: str = Field("gsa", description="stage name of the study's seed (remodel_fit.seeds.stage_seed)")

    def solver_config(self, shared: Mapping | None = None) -> SolverConfig:
        """The top-level ``solver`` section (as written) overridden by ``gsa.solver``; forward-mode adjoint (DGSM)."""
        merged = {**dict(shared or {}), **self.solver, "adjoint": "forward"}
        return validated(SolverConfig, merged, "gsa.solver")

    def evaluators(self, solver: SolverConfig, *, progress: bool) -> tuple[Evaluator, Evaluator]:
        """(Sobol' design evaluator, Morris/DGSM evaluator). A solver that cannot be sharded (lineax,
        Kvaerno) spreads the Sobol' design over worker processes and runs the rest on one device."""
        if solver.uses_lineax and self.devices > 1:
            return (MultiProcess(self.devices, self.chunk, progress), InProcess(self.chunk, 1, progress))
        evaluator = InProcess(self.chunk, self.devices, progress)
        return evaluator, evaluator
