"""Ctrl-C and SIGTERM: the first stops a run cleanly (the state file stays valid, worker
processes are stopped), a second exits at once."""

from __future__ import annotations

import os
import signal
import sys

import click

EXIT_INTERRUPTED = 130
"""The exit status of an interrupted command (128 + SIGINT)."""


def install_signal_handlers() -> None:
    """First SIGINT/SIGTERM: stop cleanly (the state file stays valid). Second: exit at once."""
    interrupted = False

    def handler(signum: int, _frame: object) -> None:
        nonlocal interrupted
        if interrupted:
            os._exit(EXIT_INTERRUPTED)
        interrupted = True
        asyncio = sys.modules.get("asyncio")  # loaded by then if the checker is running
        try:
            loop = asyncio.get_running_loop() if asyncio is not None else None
        except RuntimeError:
            loop = None
        if asyncio is None or loop is None:
            raise KeyboardInterrupt
        # Checking: cancel the run's tasks so each one ends where it is waiting (connections
        # closed, nothing half-recorded); the run then ends with CancelledError.
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.call_soon_threadsafe(lambda: None)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def interrupted_by(exc: BaseException) -> bool:
    """Whether ``exc`` is how an interrupted run ends (Ctrl-C, SIGTERM, a cancelled check)."""
    if isinstance(exc, KeyboardInterrupt | click.Abort):
        return True
    asyncio = sys.modules.get("asyncio")
    return asyncio is not None and isinstance(exc, asyncio.CancelledError)
