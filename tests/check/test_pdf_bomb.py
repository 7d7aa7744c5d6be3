"""A crafted PDF whose document information sits in an object stream that inflates to
512 MiB: the title reader must stay within the run's memory goal and finish quickly.

(pypdf 5.0 inflated the whole stream: 2.1 GiB and minutes of CPU on a 1 GiB variant.)
"""

from __future__ import annotations

import subprocess
import sys
import time
import zlib
from pathlib import Path

INFLATED_BYTES = 512 * 1024 * 1024
MEMORY_GOAL_KIB = 250 * 1024
SECONDS = 20.0


def pdf_bomb(inflated: int) -> bytes:
    """A PDF 1.7 file with a cross-reference stream whose /Info is object 4, stored in an
    object stream (FlateDecode) padded with ``inflated`` bytes of spaces."""
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(b"4 0 << /Title (Bomb) >>")]
    chunk = b" " * (1 << 20)
    parts.extend(compressor.compress(chunk) for _ in range(inflated >> 20))
    parts.append(compressor.flush())
    packed = b"".join(parts)
    out = bytearray(b"%PDF-1.7\n")
    offsets: dict[int, int] = {}

    def add(number: int, text: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n%s\nendobj\n" % (number, text))

    add(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    add(2, b"<< /Type /Pages /Kids [] /Count 0 >>")
    add(
        3,
        b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
        + packed
        + b"\nendstream",
    )
    xref_at = len(out)
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    rows += [b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in (1, 2, 3)]
    rows.append(b"\x02" + (3).to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x01" + xref_at.to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out.extend(
        b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Info 4 0 R /Length %d >>\n"
        b"stream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return bytes(out)


READER = """
import resource, sys
from linkcheck.check.page import pdf_title
title = pdf_title(open(sys.argv[1], "rb").read())
try:  # this process's own peak (ru_maxrss may include the forking parent's, on Linux)
    with open("/proc/self/status") as status:
        peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(title, peak)
"""


def test_pdf_bomb_stays_within_the_memory_goal(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(pdf_bomb(INFLATED_BYTES))
    assert bomb.stat().st_size < 1024 * 1024  # fits under max-pdf-bytes many times over
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", READER, str(bomb)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    elapsed = time.monotonic() - started
    title, peak_kib = done.stdout.split()
    assert title in ("None", "Bomb")
    assert int(peak_kib) < MEMORY_GOAL_KIB, peak_kib
    assert elapsed < SECONDS, elapsed
