"""File output that never leaves half-written results, and small table/JSON helpers.

Every file is written to a hidden temporary file beside its target (``.<name>.<random><suffix>``)
and moved into place only when complete, with the permissions the user's umask gives a new
file (not the temporary file's 0600). A temporary file left by a process that was killed
(SIGKILL cannot be caught) is removed by the next write of the same target; on SIGTERM the CLI
removes the temporaries of writes in progress and exits, and SIGINT unwinds the write
(:func:`exit_on_signals`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TEMPORARY_MARK = ".tmp-"
"""Part of every temporary file's name, so leftovers are recognised as ours."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}{TEMPORARY_MARK}"
    for stale in target.parent.glob(f"{prefix}*{target.suffix}"):
        with contextlib.suppress(OSError):
            stale.unlink()
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=target.suffix, dir=target.parent)
    os.close(fd)
    ACTIVE_TEMPORARIES.add(tmp)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        ACTIVE_TEMPORARIES.discard(tmp)


ACTIVE_TEMPORARIES: set[str] = set()
"""Temporary files of the writes in progress (what a termination removes)."""


def remove_temporaries() -> None:
    """Delete the temporary files of the writes in progress."""
    for tmp in list(ACTIVE_TEMPORARIES):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        ACTIVE_TEMPORARIES.discard(tmp)


def exit_on_signals() -> None:
    """SIGTERM ends the process promptly, even inside a long XLA compile or jitted loop (where a
    Python handler waits for the interpreter): the signal also wakes a watching thread (through
    ``signal.set_wakeup_fd``), which removes the temporary files of writes in progress and exits
    143. SIGINT raises ``KeyboardInterrupt`` (writes unwind and clean up)."""
    global _WATCHER, _WAKEUP

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, terminate)
    if _WATCHER is not None:
        return
    receiver, sender = _WAKEUP = socket.socketpair()  # module-level: alive as long as the process
    sender.setblocking(False)
    signal.set_wakeup_fd(sender.fileno(), warn_on_full_buffer=False)

    def watch() -> None:
        while signal.SIGTERM not in receiver.recv(64):
            pass
        remove_temporaries()
        os.write(2, b"remodel-fit: terminated (SIGTERM); nothing half-written was left\n")
        os._exit(128 + signal.SIGTERM)

    _WATCHER = threading.Thread(target=watch, name="remodel-fit-sigterm", daemon=True)
    _WATCHER.start()


_WATCHER: threading.Thread | None = None
_WAKEUP: tuple[socket.socket, socket.socket] | None = None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike, payload: Any) -> None:
    """Write JSON atomically (sorted keys, indented, NaN as null)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_plain(payload), indent=2, sort_keys=True) + "\n")


def write_csv(path: str | os.PathLike, frame) -> None:
    """Write a pandas DataFrame as CSV atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def save_figure(path: str | os.PathLike, fig) -> None:
    """Save a matplotlib figure atomically and close it."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight", format=Path(path).suffix.lstrip(".") or "png")
    plt.close(fig)


def _plain(x: Any) -> Any:
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "tolist"):
        return _plain(np.asarray(x).tolist())
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x
