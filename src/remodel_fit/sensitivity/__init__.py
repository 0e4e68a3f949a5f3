"""Global sensitivity analysis of any vectorised JAX function (DESIGN 3.7).

``f`` maps an (n, d) parameter matrix to (n,) or (n, k) outputs (or ``(outputs, ok)``);
``problem`` is a SALib-style dict (``names``, ``bounds``, optional ``dists``).

- :func:`sobol`: S1, ST, S2 with bootstrap CIs (tidy frame, see :mod:`.sobol`)
- :func:`morris`: elementary effects mu*, sigma
- :func:`dgsm`: derivative-based measures from ``jax.jacfwd`` and the bound on ST
- :func:`convergence`: indices as N doubles
- :func:`evaluate_chunked`: the compiled, chunked, failure-aware evaluator underneath
- :func:`bone_problem`, :func:`bounds_from_posterior`: the bone_inflammation application
"""

from .bone import BoneGSA, bone_problem, bounds_from_posterior
from .convergence import convergence, convergence_from
from .dgsm import dgsm
from .engine import Evaluation, EvaluationError, FailureReport, apply_policy, evaluate_chunked
from .morris import morris
from .problem import check_problem, sample_inputs
from .sobol import analyze as analyze_sobol
from .sobol import long_format, sobol

__all__ = [
    "BoneGSA",
    "Evaluation",
    "EvaluationError",
    "FailureReport",
    "analyze_sobol",
    "apply_policy",
    "bone_problem",
    "bounds_from_posterior",
    "check_problem",
    "convergence",
    "convergence_from",
    "dgsm",
    "evaluate_chunked",
    "long_format",
    "morris",
    "sample_inputs",
    "sobol",
]
