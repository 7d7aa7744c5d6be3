"""Worker processes: how many CPUs they may use, and what each does for the main process.

Ctrl-C and SIGTERM are the main process's: it stops its workers. And a worker ends by
itself when the main process is gone without a word (killed): a worker blocked on a pipe may
never see the end of its input, since forked processes can hold copies of each other's ends.
"""

from __future__ import annotations

import os
import signal
import threading
import time

PARENT_POLL_SECONDS = 0.5
"""How often a worker checks that the main process is still there."""


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system tells it)."""
    cpus = os.cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        cpus = min(cpus, len(os.sched_getaffinity(0)))
    return cpus


def leave_interrupts_to_the_main_process() -> None:
    """Ignore Ctrl-C and SIGTERM in this worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def end_with(parent: int, poll: float = PARENT_POLL_SECONDS) -> None:
    """End this process soon after process ``parent`` is gone (a daemon thread watches)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="linkcheck-parent-watch", daemon=True).start()
