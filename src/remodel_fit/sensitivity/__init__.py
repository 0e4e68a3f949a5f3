"""Global sensitivity analysis of any vectorised JAX function.

``f`` maps an (n, d) parameter matrix to (n,) or (n, k) outputs (or ``(outputs, ok)``);
``problem`` is a SALib-style dict (``names``, ``bounds``, optional ``dists``).

- :func:`sobol`: S1, ST, S2 with bootstrap CIs (tidy frame, see :mod:`.sobol`)
- :func:`morris`: elementary effects mu*, sigma
- :func:`dgsm`: derivative-based measures from ``jax.jacfwd`` and the bound on ST
- :func:`convergence`: indices as N doubles
- :class:`InProcess`, :class:`MultiProcess`: how a design is evaluated (:mod:`.evaluators`)
- :func:`model_problem`: a problem over a model's parameters and level inputs
- :func:`run_study`: all of the above at horizons and over a time grid
"""

from .convergence import convergence, convergence_from
from .dgsm import dgsm
from .evaluate import Evaluation, FailureReport, apply_policy, evaluate_chunked
from .evaluators import Evaluator, InProcess, MultiProcess
from .model_problem import ModelProblem, bounds_from_posterior, model_problem
from .morris import morris
from .options import StudyOptions
from .problem import check_problem, sample_inputs
from .sobol import analyze as analyze_sobol
from .sobol import long_format, sobol
from .study import StudyResult, run_study, tidy_tables

__all__ = [
    "Evaluation", "Evaluator", "FailureReport", "InProcess", "ModelProblem", "MultiProcess", "StudyOptions",
    "StudyResult", "analyze_sobol", "apply_policy", "bounds_from_posterior", "check_problem", "convergence",
    "convergence_from", "dgsm", "evaluate_chunked", "long_format", "model_problem", "morris", "run_study",
    "sample_inputs", "sobol", "tidy_tables",
]
