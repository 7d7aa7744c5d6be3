"""Does each speed shortcut earn its place? Each against the plain library path, in turns.

Every shortcut that copies a library's behaviour must save at least ``KEEP_GAIN`` (10 %) of a
figure a user sees, or go. For each one this script runs the same user-visible work twice per
round, once with the shortcut and once with the plain path (the shortcut patched out before
anything runs), alternating, each run a fresh process. The figure is CPU seconds (user +
system of the process and its workers, from ``getrusage``), which other work on the machine
disturbs far less than wall time; wall time and peak RSS are printed too.

* ``pdfinfo``: the titles of ``--pdfs`` farm PDFs, read as a run reads them; plain: pypdf for
  every PDF.
* ``json``: ``linkcheck report BIG.json --format json`` (20,000 links, 5,000 results); plain:
  ``json.dump(to_document(report), indent=2)``.
* ``pulldown``: ``linkcheck extract`` on the large corpus (2,000 posts); plain: every post read
  by markdown-it-py (pulldown-cmark's fast path patched out).
* ``rows``: ``linkcheck run --offline`` on the large corpus (``linkcheck extract`` renders
  the links in the workers and sends no rows); plain: extraction workers send ``Post``
  objects, shared afterwards.

Two more shortcuts were measured this way and removed for saving less than 10 %: ``fastparse``
(markdown-it with first-character dispatch and a plain-text tokenizer) and an earlier row
packing of extraction workers; ``benchmarks/README.md`` has their figures.

``python -m benchmarks.bench_shortcuts --repeat 5 [--cases pdfinfo,json,pulldown,rows]``
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.measure import Measurement, measure_isolated

ROOT = Path(__file__).resolve().parent.parent
KEEP_GAIN = 0.10
"""The least share of the figure a shortcut must save to stay."""
DEFAULT_REPEAT = 5
DEFAULT_PDFS = 400
"""PDF URLs in the large corpus."""


_PLAIN_JSON = """
import json
import linkcheck.report.json as report_json
def _write(report, fp):
    json.dump(report_json.to_document(report), fp, indent=report_json.INDENT, ensure_ascii=False)
    fp.write("\\n")
report_json.write = _write
import linkcheck.report.formats as report  # the registry holds the writer it was given
report.FORMATS["json"] = report.Streamed(report_json.render, _write)
"""

_PLAIN_PULLDOWN = """
import linkcheck.extract as extract
extract.fast_scan = lambda src, raw: None
"""

_PLAIN_ROWS = """
import linkcheck.collect as collect
collect._packed_batch = collect._extract_batch
collect.Extraction._shared_batch = lambda self, outcomes: [
    o if isinstance(o, collect.InputProblem) else self._shared.post(o) for o in outcomes
]
"""

_PLAIN_PDF = """
import linkcheck.check.page as page
from linkcheck.check.pdfinfo import UNDECIDED
page.info_title = lambda body: UNDECIDED
"""

_CLI = """
import sys
from linkcheck.cli import cli
cli(sys.argv[1:], prog_name="linkcheck")
"""

_PDF_TITLES = """
import pickle, sys
from linkcheck.check.page import pdf_title
with open(sys.argv[1], "rb") as handle:
    bodies = pickle.load(handle)
titles = [pdf_title(body) for body in bodies]
assert all(titles), "a PDF without a title"
"""


@dataclass(frozen=True)
class Case:
    name: str
    figure: str
    plain: str
    """Code run first in the plain variant (patches the shortcut out)."""
    work: str
    """The code of the work itself."""
    args: Callable[[Path], list[str]]
    """The work's arguments, given the scratch directory."""


def _python(prelude: str, work: str, args: Sequence[str]) -> list[str]:
    return [sys.executable, "-c", prelude + work, *args]


def _corpus(scratch: Path) -> Path:
    posts = scratch / "large" / "posts"
    if not posts.is_dir():
        from benchmarks.corpus import main as corpus_main

        corpus_main(["large", "--out", str(scratch / "large"), "--port", "8080"])
    return posts


def _big_report(scratch: Path) -> Path:
    """A report of the large corpus with a result for every URL (no network used)."""
    path = scratch / "big-report.json"
    if path.is_file():
        return path
    sys.path.insert(0, str(ROOT / "src"))
    from linkcheck.app import run
    from linkcheck.config import Settings
    from linkcheck.models import CheckResult, Verdict
    from linkcheck.report import json as report_json

    posts = _corpus(scratch)
    settings = Settings(paths=(str(posts),), offline=True, no_cache=True)
    report = run(settings, cwd=scratch)
    urls = sorted({link.target for link in report.links if link.is_external})
    results = {
        url: CheckResult(
            url=url,
            verdict=Verdict.OK,
            status=200,
            title=f"A page about {url.rsplit('/', 1)[-1]}",
            reason="200 OK",
            attempts=1,
            elapsed=0.05,
            content_type="text/html",
            reached=True,
            checked_at=1_700_000_000.0,
            bytes_read=16384,
        )
        for url in urls
    }
    report = replace(report, results=results, offline=False)
    with path.open("w", encoding="utf-8") as handle:
        report_json.write(report, handle)
    return path


def _pdfs(scratch: Path, count: int) -> Path:
    path = scratch / f"pdfs-{count}.pickle"
    if not path.is_file():
        from benchmarks.farm import make_pdf

        path.write_bytes(pickle.dumps([make_pdf(f"Statistics report {i}") for i in range(count)]))
    return path


def cases(pdf_count: int) -> dict[str, Case]:
    return {
        "pdfinfo": Case(
            "pdfinfo",
            f"titles of {pdf_count} PDFs",
            _PLAIN_PDF,
            _PDF_TITLES,
            lambda scratch: [str(_pdfs(scratch, pdf_count))],
        ),
        "pulldown": Case(
            "pulldown",
            "linkcheck extract POSTS --format json (the large corpus)",
            _PLAIN_PULLDOWN,
            _CLI,
            lambda scratch: ["extract", str(_corpus(scratch)), "--format", "json"],
        ),
        "rows": Case(
            "rows",
            "linkcheck run --offline POSTS --format json (the large corpus)",
            _PLAIN_ROWS,
            _CLI,
            lambda scratch: [
                *("run", "--offline", "--no-cache", "--format", "json"),
                *("--output", str(scratch / "rows-report.json"), str(_corpus(scratch))),
            ],
        ),
        "json": Case(
            "json",
            "linkcheck report BIG.json --format json",
            _PLAIN_JSON,
            _CLI,
            lambda scratch: ["report", str(_big_report(scratch)), "--format", "json"],
        ),
    }


def _run(case: Case, plain: bool, scratch: Path, index: int) -> Measurement:
    command = _python(case.plain if plain else "", case.work, case.args(scratch))
    variant = "plain" if plain else "shortcut"
    result = scratch / f"{case.name}-{variant}-{index}.json"
    measured = measure_isolated(command, result=result, cwd=scratch)
    if measured.returncode not in (0, 1):
        raise SystemExit(f"{case.name} ({variant}) exited {measured.returncode}")
    return measured


def _spread(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_shortcuts", description=__doc__
    )
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    parser.add_argument("--cases", default="pdfinfo,json,pulldown,rows")
    parser.add_argument("--pdfs", type=int, default=DEFAULT_PDFS)
    parser.add_argument("--scratch", type=Path, help="where corpora and reports are kept")
    args = parser.parse_args(argv)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    )
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="linkcheck-shortcuts-"))
    scratch.mkdir(parents=True, exist_ok=True)
    known = cases(args.pdfs)
    rows = []
    print(
        "| case | figure | plain CPU s | shortcut CPU s | CPU saved | plain wall s | "
        "shortcut wall s | peak RSS MiB plain / shortcut | verdict |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.cases.split(","):
        case = known[name]
        runs: dict[bool, list[Measurement]] = {True: [], False: []}
        for index in range(args.repeat):
            for plain in (index % 2 == 0, index % 2 != 0):  # which goes first alternates
                runs[plain].append(_run(case, plain, scratch, index))
        cpu = {p: [m.cpu_seconds for m in runs[p]] for p in runs}
        wall = {p: [m.wall_seconds for m in runs[p]] for p in runs}
        rss = {p: statistics.median(m.max_rss_kib for m in runs[p]) / 1024 for p in runs}
        gain = 1 - statistics.median(cpu[False]) / statistics.median(cpu[True])
        verdict = "keep" if gain >= KEEP_GAIN else "below 10 %"
        print(
            f"| {name} | {case.figure} | {_spread(cpu[True])} | {_spread(cpu[False])} | "
            f"{gain:.0%} | {_spread(wall[True])} | {_spread(wall[False])} | "
            f"{rss[True]:.0f} / {rss[False]:.0f} | {verdict} |",
            flush=True,
        )
        rows.append({"case": name, "cpu": cpu, "wall": wall, "rss_mib": rss, "gain": gain})
    (scratch / "shortcuts.json").write_text(json.dumps(rows, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
