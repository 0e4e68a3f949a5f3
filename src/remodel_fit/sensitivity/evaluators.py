"""How a batch function is evaluated over a design: in this process (optionally sharded over
host devices) or spread over worker processes. One options object per strategy; every analysis
(:func:`~.sobol.sobol`, :func:`~.morris.morris`, :func:`~.dgsm.dgsm`, ...) takes one.

``MultiProcess`` sends the function to spawned workers, so it must pickle (a module-level
function, or a frozen dataclass with ``__call__`` such as the bone study's evaluator): use it
where a function cannot be sharded inside one process (the Kvaerno solvers' lineax solves).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .evaluate import BatchFunction, Evaluation, evaluate_chunked
from .processes import evaluate_in_processes


class Evaluator(Protocol):
    def evaluate(self, f: BatchFunction, X: np.ndarray, *, desc: str = "evaluating") -> Evaluation: ...


@dataclass(frozen=True)
class InProcess:
    """Chunks of ``chunk`` rows compiled once, each sharded over ``devices`` host devices
    (default: all local devices)."""

    chunk: int = 4096
    devices: int | None = None
    progress: bool = False

    def evaluate(self, f: BatchFunction, X: np.ndarray, *, desc: str = "evaluating") -> Evaluation:
        return evaluate_chunked(f, X, chunk=self.chunk, devices=self.devices, progress=self.progress, desc=desc)

    def limited(self, chunk: int) -> InProcess:
        """The same evaluator with chunks of at most ``chunk`` rows."""
        return InProcess(min(self.chunk, chunk), self.devices, self.progress)


@dataclass(frozen=True)
class MultiProcess:
    """Chunks spread over ``processes`` spawned workers of one host device each."""

    processes: int = 2
    chunk: int = 2048
    progress: bool = False

    def evaluate(self, f: BatchFunction, X: np.ndarray, *, desc: str = "evaluating") -> Evaluation:
        return evaluate_in_processes(_Rebuild(f), X, processes=self.processes, chunk=self.chunk, progress=self.progress,
                                     desc=desc)

    def limited(self, chunk: int) -> MultiProcess:
        return MultiProcess(self.processes, min(self.chunk, chunk), self.progress)


@dataclass(frozen=True)
class _Rebuild:
    """A picklable factory returning ``f`` (the workers' initialiser calls it)."""

    f: BatchFunction

    def __call__(self) -> BatchFunction:
        return self.f
