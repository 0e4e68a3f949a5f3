"""The models a name can refer to: the built-in ones (and, later, user files and plugins)."""

from __future__ import annotations

from .bone.inflammation import BONE_INFLAMMATION
from .bone.inflammation_v2 import BONE_INFLAMMATION_V2
from .errors import ModelError
from .model.base import Model
from .model.lemaire import LEMAIRE_2004
from .model.logistic import LOGISTIC
from .model.pivonka import PIVONKA_2008

MODELS: dict[str, Model] = {m.name: m for m in (BONE_INFLAMMATION, BONE_INFLAMMATION_V2, PIVONKA_2008, LEMAIRE_2004, LOGISTIC)}
DEFAULT_MODEL = BONE_INFLAMMATION.name


def get_model(name: str) -> Model:
    """A built-in model by name."""
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; built-in models: {', '.join(MODELS)}") from None
