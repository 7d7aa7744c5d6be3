"""Worker processes end when the main process that started them is killed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forked workers")

WAIT_SECONDS = 10.0

FORKED = """
import os, time
from linkcheck.worker import end_with
parent = os.getpid()
child = os.fork()
if child == 0:
    end_with(parent, poll=0.05)
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
time.sleep(60)
"""

EXTRACTION = """
import sys, time
from pathlib import Path
from linkcheck import collect
from linkcheck.config import Settings
collect._worker_count = lambda posts, background=False: 2
root = Path(sys.argv[1])
extraction = collect.Extraction(Settings(paths=(str(root),)), cwd=root, keep_text=False)
print(*extraction._pool._processes, flush=True)
time.sleep(60)
"""


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"  # ended, not yet reaped
    except OSError:
        return False


def kill_and_wait(script: str, *args: str) -> list[int]:
    """Run ``script``, read the pids it prints, kill it, and give its workers time to end."""
    main = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE)
    try:
        assert main.stdout is not None
        pids = [int(p) for p in main.stdout.readline().split()]
        assert pids, "no worker process started"
    finally:
        main.kill()
        main.wait(10)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not all(gone(pid) for pid in pids):
        time.sleep(0.05)
    return [pid for pid in pids if not gone(pid)]


def test_a_watched_process_ends_with_its_parent() -> None:
    assert kill_and_wait(FORKED) == []


def test_extraction_workers_end_when_the_main_process_is_killed(tmp_path: Path) -> None:
    for number in range(300):
        (tmp_path / f"post-{number}.md").write_text(
            f"# {number}\n\n[a](https://a.example/{number})\n"
        )
    assert kill_and_wait(EXTRACTION, str(tmp_path)) == []
