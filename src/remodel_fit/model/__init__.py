"""The model interface (a model is a value), input schedules, PK and steady-state helpers,
and the published cores (Pivonka 2008, Lemaire 2004) and a logistic toy model.

Built-in models are looked up by name through :func:`remodel_fit.registry.get_model`.
"""

from __future__ import annotations

from ..errors import ModelError
from .base import Input, Model, Observable, Parameter, Params
from .inputs import DoseSchedule, LevelSchedule, doses, every, level

__all__ = [
    "DoseSchedule", "Input", "LevelSchedule", "Model", "ModelError", "Observable", "Parameter", "Params",
    "doses", "every", "level",
]
