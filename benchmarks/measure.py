"""Run one command and measure it: wall seconds, CPU seconds and peak resident memory.

``python -m benchmarks.measure --result FILE --timeout S -- COMMAND ARGS...``

The command runs as the only child of this fresh process, so ``RUSAGE_CHILDREN``'s
``ru_maxrss`` is the peak RSS of that command alone (the largest of its waited-for
descendants). The child's stdout and stderr go to ``--stdout`` / ``--stderr`` files (or are
dropped). The result is written as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

DEFAULT_TIMEOUT = 900.0
KILL_GRACE = 5.0


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one run of a command cost."""

    wall_seconds: float
    max_rss_kib: int
    returncode: int
    timed_out: bool
    cpu_seconds: float = 0.0
    """User plus system CPU of the command and its waited-for descendants (getrusage):
    less sensitive than wall time to other work on the machine."""


def measure(
    command: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cwd: Path | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
) -> Measurement:
    """Run ``command`` to completion (killed after ``timeout``) and measure it.

    Call this in a process that has started no other child, or ``max_rss_kib`` may be theirs.
    """
    out: IO[bytes] | int = stdout.open("wb") if stdout else subprocess.DEVNULL
    err: IO[bytes] | int = stderr.open("wb") if stderr else subprocess.DEVNULL
    timed_out = False
    try:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            process.terminate()
            try:
                returncode = process.wait(timeout=KILL_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                returncode = process.wait(timeout=KILL_GRACE)
        wall = time.perf_counter() - start
    finally:
        for handle in (out, err):
            if not isinstance(handle, int):
                handle.close()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(round(wall, 3), int(usage.ru_maxrss), returncode, timed_out, round(cpu, 3))


def measure_isolated(
    command: Sequence[str],
    *,
    result: Path,
    timeout: float = DEFAULT_TIMEOUT,
    cwd: Path | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
) -> Measurement:
    """Measure ``command`` from a fresh wrapper process, so its peak RSS is its own."""
    wrapper = [sys.executable, "-m", "benchmarks.measure", "--result", str(result)]
    wrapper += ["--timeout", str(timeout)]
    if cwd is not None:
        wrapper += ["--cwd", str(cwd)]
    if stdout is not None:
        wrapper += ["--stdout", str(stdout)]
    if stderr is not None:
        wrapper += ["--stderr", str(stderr)]
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), _pythonpath()]))}
    subprocess.run(
        [*wrapper, "--", *command], check=True, env=env, timeout=timeout + 4 * KILL_GRACE
    )
    data = json.loads(result.read_text(encoding="utf-8"))
    return Measurement(**data)


def _pythonpath() -> str:
    return os.environ.get("PYTHONPATH", "")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the wrapper process."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure")
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--cwd", type=Path)
    parser.add_argument("--stdout", type=Path)
    parser.add_argument("--stderr", type=Path)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    measurement = measure(
        command, timeout=args.timeout, cwd=args.cwd, stdout=args.stdout, stderr=args.stderr
    )
    args.result.write_text(json.dumps(asdict(measurement)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
