"""Every error class of the package. The CLI prints their message as one line and exits 2."""

from __future__ import annotations


class RemodelFitError(ValueError):
    """Base of every user-facing error of the package."""


class DataError(RemodelFitError):
    """A bad measurement or condition table: the message names file, row, column and what was expected."""


class ArmsError(DataError):
    """A malformed arm-level summary table (one reported number a row): file, line, column, expected."""


class ConfigError(RemodelFitError):
    """A bad configuration value: the message names the key and what was expected."""


class ModelError(RemodelFitError):
    """A bad parameter, input or observable for a model: the message says which and why."""


class GateError(RemodelFitError):
    """A diagnostic gate failed and the configuration makes that fatal."""


class EvaluationError(RemodelFitError):
    """Sensitivity evaluations failed and the failure policy is 'fail' (or nothing usable remains)."""


class PetabError(RemodelFitError):
    """A PEtab problem or SBML model that cannot be imported: the message names the file and the
    table row, column or SBML element, or the unsupported feature."""
