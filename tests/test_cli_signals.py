"""Ctrl-C and SIGTERM during a run: a clean stop with exit 130 and one line on stderr."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakeweb import FakeWeb, Response

HTML = {"content-type": "text/html; charset=utf-8"}
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.02
POSTS = 250
"""Enough posts for worker processes, so they are stopped too."""


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_run_cleanly(
    tmp_path: Path, web: FakeWeb, signum: signal.Signals
) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for number in range(POSTS):
        (posts / f"p{number:03d}.md").write_text(
            f"# Post {number}\n\nSee [the page](https://site.example/{number}).\n"
        )
    for number in range(POSTS):
        web.route(f"https://site.example/{number}", Response(200, b"<title>x</title>", HTML))
    web.route("https://site.example/0", hang=True)
    env = {**os.environ, **web.env()}
    process = subprocess.Popen(
        [sys.executable, "-m", "linkcheck", "run", "--no-cache", "--timeout", "30", str(posts)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while not web.hits_for("https://site.example/0"):  # the run is checking now
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the run never reached the network"
            time.sleep(POLL_SECONDS)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert stderr == "linkcheck: interrupted\n"
