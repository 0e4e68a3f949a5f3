"""Errors a user can act on. The CLI prints their message as one line and exits 2."""

from __future__ import annotations


class RemodelFitError(ValueError):
    """Base of every user-facing error of the package."""


class DataError(RemodelFitError):
    """A bad measurement or condition table: the message names file, row, column and what was expected."""


class ConfigError(RemodelFitError):
    """A bad configuration value: the message names the key and what was expected."""


class GateError(RemodelFitError):
    """A diagnostic gate failed and the configuration makes that fatal."""
