"""Built-in models and the model interface."""

from __future__ import annotations

from .bone import BONE_INFLAMMATION
from .lemaire import LEMAIRE_2004
from .logistic import LOGISTIC
from .pivonka import PIVONKA_2008
from .spec import Input, Model, ModelError, Observable, Parameter, Params

MODELS: dict[str, Model] = {m.name: m for m in (BONE_INFLAMMATION, PIVONKA_2008, LEMAIRE_2004, LOGISTIC)}


def get_model(name: str) -> Model:
    """A built-in model by name."""
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; built-in models: {', '.join(MODELS)}") from None


__all__ = ["MODELS", "Input", "Model", "ModelError", "Observable", "Parameter", "Params", "get_model"]
