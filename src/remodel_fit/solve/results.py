"""Result codes of a solve: diffrax's, extended with the steady state's own failure."""

from __future__ import annotations

import diffrax
import numpy as np


class RESULTS(diffrax.RESULTS):  # pyright: ignore[reportGeneralTypeIssues]
    steady_state_not_bracketed = (
        "steady state not found: the root of the steady-state equation is not bracketed for these parameters"
    )


def failure_reason(result: int | np.ndarray) -> str:
    """Human-readable reason for a result code (0 means success)."""
    code = int(np.asarray(result))
    if code == RESULTS.successful._value:
        return "success"
    return RESULTS._index_to_message[code].split("\n")[0]
