"""remodel-fit: differentiable bone-remodelling models with cytokine inputs.

Re-exports only, loaded on first use (so ``import remodel_fit`` stays cheap and sets nothing):
call :func:`configure` once before any JAX work (float64, the compile-cache-friendly JAX and
equinox switches; see :mod:`remodel_fit.runtime`)::

    import remodel_fit as rf
    rf.configure()
    sol = rf.simulate(rf.get_model("bone_inflammation"), params, times, inputs)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "configure": "runtime",
    "Model": "model.base",
    "Parameter": "model.base",
    "Input": "model.base",
    "Observable": "model.base",
    "level": "model.inputs",
    "doses": "model.inputs",
    "every": "model.inputs",
    "get_model": "registry",
    "MODELS": "registry",
    "simulate": "solve.simulate",
    "Solution": "solve.simulate",
    "SolverConfig": "solve.options",
    "failure_reason": "solve.results",
    "Dataset": "data.dataset",
    "read_dataset": "data.build",
    "fit": "inference",
    "FitOptions": "inference.options",
    "sobol": "sensitivity.sobol",
    "morris": "sensitivity.morris",
    "dgsm": "sensitivity.dgsm",
    "load_settings": "settings",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'remodel_fit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
