"""The models a config can name: built-in names, ``path/to/file.py:NAME``, ``package.module:NAME``
and names registered by installed packages under the entry-point group ``remodel_fit.models``.

:func:`get_model` is the one loader; a loaded value is checked by :func:`check_model` (a
:class:`Model` whose initial state, vector field and observables trace on the defaults with the
right shapes), every problem one :class:`ModelError` line naming the file or module.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import warnings
from importlib import metadata
from pathlib import Path

import jax
import jax.numpy as jnp

from .bone.inflammation import BONE_INFLAMMATION
from .bone.inflammation_v2 import BONE_INFLAMMATION_V2
from .errors import ModelError
from .model.base import Model
from .model.lemaire import LEMAIRE_2004
from .model.logistic import LOGISTIC
from .model.pivonka import PIVONKA_2008
from .validation import did_you_mean

MODELS: dict[str, Model] = {m.name: m for m in (BONE_INFLAMMATION, BONE_INFLAMMATION_V2, PIVONKA_2008, LEMAIRE_2004, LOGISTIC)}
DEFAULT_MODEL = BONE_INFLAMMATION.name
ENTRY_POINT_GROUP = "remodel_fit.models"
SPEC_FORMS = f"path/to/file.py:NAME, package.module:NAME or an entry point of {ENTRY_POINT_GROUP}"


def get_model(spec: str) -> Model:
    """The model ``spec`` names: a built-in name, an entry-point name, ``file.py:NAME`` or ``module:NAME``."""
    if spec in MODELS:
        return MODELS[spec]
    return _load(spec)


def model_file(spec: str) -> str | None:
    """The Python file a ``path/to/file.py:NAME`` spec loads (None for names and modules)."""
    where, sep, _ = spec.rpartition(":")
    return where if sep and _is_file(where) else None


def _is_file(where: str) -> bool:
    return where.endswith(".py") or "/" in where or "\\" in where


def entry_points() -> dict[str, metadata.EntryPoint]:
    """Installed entry points of the group ``remodel_fit.models``, by name."""
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


@functools.cache
def _load(spec: str) -> Model:
    where, sep, attr = spec.rpartition(":")
    if not sep:
        eps = entry_points()
        if spec not in eps:
            known = list(MODELS) + list(eps)
            raise ModelError(f"unknown model {spec!r}{did_you_mean(spec, known)}; built-in models: {', '.join(MODELS)}"
                             f"{'; entry points: ' + ', '.join(eps) if eps else ''}; or {SPEC_FORMS}")
        source = f"entry point {spec!r} ({eps[spec].value})"
        try:
            value = eps[spec].load()
        except Exception as err:
            raise ModelError(f"{source}: cannot be loaded ({type(err).__name__}: {_first_line(err)})") from None
        return check_model(value, source)
    if not where or not attr:
        raise ModelError(f"model {spec!r}: expected {SPEC_FORMS}")
    if _is_file(where):
        module, source = _from_file(Path(where)), where
    else:
        module, source = _from_module(where), f"module {where}"
    if not hasattr(module, attr):
        names = [n for n in vars(module) if not n.startswith("_")]
        models = [n for n, v in vars(module).items() if isinstance(v, Model)]
        raise ModelError(f"{source}: has no attribute {attr!r}{did_you_mean(attr, names)}; Model values in it: "
                         f"{', '.join(models) or 'none'}")
    return check_model(getattr(module, attr), f"{source}:{attr}")


def _from_file(path: Path):
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    name = f"remodel_fit_user_model_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModelError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[name]
        raise ModelError(f"{path}: importing it raised {type(err).__name__}: {_first_line(err)}") from None
    return module


def _from_module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        raise ModelError(f"module {name}: not found ({_first_line(err)})") from None
    except Exception as err:
        raise ModelError(f"module {name}: importing it raised {type(err).__name__}: {_first_line(err)}") from None


def check_model(value: object, source: str) -> Model:
    """``value`` if it is a usable :class:`Model`; ModelError naming ``source`` and the problem otherwise.

    Traces (``jax.eval_shape``, no computation) the initial state, vector field and observables
    on the defaults without inputs, and checks their shapes."""
    if not isinstance(value, Model):
        raise ModelError(f"{source}: is {type(value).__name__}, not a remodel_fit.Model")
    model = value
    for what in ("states", "parameters", "observables"):
        if not getattr(model, what):
            raise ModelError(f"{source}: model {model.name!r} has no {what}")
    n = len(model.states)

    def trace():
        p = model.prepared(model.defaults(), {})
        y0 = jnp.asarray(model.initial_state(p, {}))
        dy = jnp.asarray(model.vector_field(jnp.asarray(0.0), y0, p, {}))
        return y0, dy, model.observe(jnp.asarray(0.0), y0, y0, p, {})

    try:
        with warnings.catch_warnings():  # config checks may run before float64 is enabled: shapes only
            warnings.simplefilter("ignore", UserWarning)
            y0, dy, obs = jax.eval_shape(trace)
    except Exception as err:
        raise ModelError(f"{source}: model {model.name!r} fails on its defaults ({type(err).__name__}: "
                         f"{_first_line(err)})") from None
    for what, got in (("initial_state", y0), ("vector_field", dy)):
        if got.shape != (n,):
            raise ModelError(f"{source}: {what} of model {model.name!r} has shape {got.shape}, expected ({n},) "
                             f"(one value per state {', '.join(model.states)})")
    if not isinstance(obs, dict):
        raise ModelError(f"{source}: observe of model {model.name!r} returns {type(obs).__name__}, expected a dict")
    missing = [o for o in model.observable_names if o not in obs]
    if missing:
        raise ModelError(f"{source}: observe of model {model.name!r} does not return observable {missing[0]!r}")
    bad = [o for o in model.observable_names if jnp.shape(obs[o]) != ()]
    if bad:
        raise ModelError(f"{source}: observable {bad[0]!r} of model {model.name!r} has shape {obs[bad[0]].shape}, "
                         "expected a scalar")
    return model


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [""])[0][:200]
