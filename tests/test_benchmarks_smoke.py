"""Smoke test of the benchmark harness: the farm's behaviours, the corpus, the scoring.

It starts a small farm on loopback addresses for a few URLs; it never runs the benchmark.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_soft404  # noqa: E402
from benchmarks import corpus as corpus_module  # noqa: E402
from benchmarks import farm as farm_module  # noqa: E402
from benchmarks import run as run_module  # noqa: E402

LARGE_BYTES = 300 * 1024
CLIENT_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def farm() -> Iterator[farm_module.FarmThread]:
    config = farm_module.FarmConfig(
        hosts=3, latency=0.0, port=0, lifetime=60.0, large_bytes=LARGE_BYTES
    )
    with farm_module.running_farm(config) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=CLIENT_TIMEOUT, follow_redirects=False, trust_env=False) as c:
        yield c


def _base(farm: farm_module.FarmThread, index: int = 0) -> str:
    return farm.base_urls[index]


def test_hosts_are_distinct_loopback_addresses(farm: farm_module.FarmThread) -> None:
    bases = farm.base_urls
    assert [b.split(":")[1] for b in bases] == ["//127.0.0.2", "//127.0.0.3", "//127.0.0.4"]


def test_ok_page_has_a_title_and_keeps_the_connection(
    farm: farm_module.FarmThread, client: httpx.Client
) -> None:
    for _ in range(3):
        response = client.get(f"{_base(farm, 1)}/ok/abc")
        assert response.status_code == 200
        assert "<title>Source abc</title>" in response.text
    assert response.headers.get("connection") != "close"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/dead/x", 404), ("/gone/x", 410), ("/forbidden/x", 403), ("/error/x", 500), ("/nope", 404)],
)
def test_failures_by_path(
    farm: farm_module.FarmThread, client: httpx.Client, path: str, status: int
) -> None:
    assert client.get(_base(farm) + path).status_code == status


def test_head_refused_where_asked(farm: farm_module.FarmThread, client: httpx.Client) -> None:
    assert client.head(f"{_base(farm)}/nohead/x").status_code == 405
    assert client.get(f"{_base(farm)}/nohead/x").status_code == 200
    head = client.head(f"{_base(farm)}/ok/x")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0


def test_redirect_chains(farm: farm_module.FarmThread, client: httpx.Client) -> None:
    base = _base(farm, 2)
    first = client.get(f"{base}/moved/2/k")
    assert first.status_code == 301
    assert first.headers["location"] == f"{base}/moved/1/k"
    assert client.get(first.headers["location"]).headers["location"] == f"{base}/ok/k"
    found = client.get(f"{base}/found/1/k")
    assert (found.status_code, found.headers["location"]) == (302, f"{base}/ok/k")
    loop = client.get(f"{base}/loop/k")
    assert loop.headers["location"] == f"{base}/loop/k"


def test_rate_limit_then_ok_per_url(farm: farm_module.FarmThread, client: httpx.Client) -> None:
    first = client.get(f"{_base(farm)}/ratelimit/r1")
    assert (first.status_code, first.headers["retry-after"]) == (429, "1")
    assert client.get(f"{_base(farm)}/ratelimit/r1").status_code == 200
    assert client.get(f"{_base(farm)}/ratelimit/r2").status_code == 429


def test_pdf_has_a_title(farm: farm_module.FarmThread, client: httpx.Client) -> None:
    response = client.get(f"{_base(farm)}/pdf/report.pdf")
    assert response.headers["content-type"] == "application/pdf"
    metadata = PdfReader(io.BytesIO(response.content)).metadata
    assert metadata is not None
    assert metadata.title == farm_module.PDF_TITLE


def test_large_and_slow(farm: farm_module.FarmThread, client: httpx.Client) -> None:
    large = client.get(f"{_base(farm)}/large/x")
    assert len(large.content) == LARGE_BYTES
    started = time.monotonic()
    assert client.get(f"{_base(farm)}/slow/150/x").status_code == 200
    assert time.monotonic() - started >= 0.15


LOG_WAIT_SECONDS = 5.0
LOG_POLL_SECONDS = 0.01


def _logged(
    farm: farm_module.FarmThread, suffix: str, count: int
) -> list[farm_module.RequestRecord]:
    """The farm's records whose path ends with ``suffix``, once ``count`` of them are logged
    (waiting for the farm's thread, at most ``LOG_WAIT_SECONDS``)."""
    deadline = time.monotonic() + LOG_WAIT_SECONDS
    while True:
        records = [r for r in farm.records() if r.path.endswith(suffix)]
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(LOG_POLL_SECONDS)


def test_request_log_and_reset(farm: farm_module.FarmThread, client: httpx.Client) -> None:
    farm.reset()
    client.get(f"{_base(farm)}/ok/log")
    client.head(f"{_base(farm)}/dead/log")
    # A response of an earlier test may be logged just after the reset (the farm logs once
    # the last byte is handed over, which can be after the client has read it); for the
    # same reason the HEAD may be logged a moment after the client has its answer.
    records = _logged(farm, "/log", 2)
    assert [(r.method, r.path, r.status) for r in records] == [
        ("GET", "/ok/log", 200),
        ("HEAD", "/dead/log", 404),
    ]
    summary = farm_module.summarise(records)
    assert summary.requests == 2
    assert summary.by_method == {"GET": 1, "HEAD": 1}
    assert summary.bytes_sent > 1000


def test_farm_in_processes_keeps_each_host_in_one(tmp_path: Path, client: httpx.Client) -> None:
    config = farm_module.FarmConfig(hosts=3, latency=0.0, port=0, lifetime=60.0, page_bytes=256)
    with farm_module.FarmProcesses(config, workers=2, scratch=tmp_path) as farm:
        assert len(farm.base_urls) == 3
        for _ in range(2):
            farm.reset()
            for base in farm.base_urls:
                statuses = [client.get(f"{base}/ratelimit/r").status_code for _ in range(2)]
                assert statuses == [429, 200]  # the URL's state lives in one process
                page = client.get(f"{base}/ok/tiny")
                assert page.status_code == 200
                assert len(page.content) < 1024
            records = farm.records()
            assert len(records) == 9
            assert {r.host for r in records} == {"127.0.0.2", "127.0.0.3", "127.0.0.4"}
            assert [r.at for r in records] == sorted(r.at for r in records)


def test_small_corpus_matches_its_ground_truth(tmp_path: Path) -> None:
    spec = corpus_module.SPECS["small"]
    corpus = corpus_module.generate(spec, tmp_path, hosts=3, port=9)
    expected = corpus_module.load_ground_truth(corpus.ground_truth)
    assert (corpus.links, corpus.unique, len(expected)) == (spec.links, spec.unique, spec.unique)
    text = "".join(p.read_text() for p in sorted(corpus.posts_dir.glob("*.md")))
    assert text.startswith("---\ntitle: ")
    assert "## Resources" in text
    assert all(url in text for url in expected)
    assert {"ok", "dead", "moved", "redirected", "blocked", "timeout", "error"} <= set(
        expected.values()
    )


def test_a_reading_list_corpus_cites_each_source_once(tmp_path: Path) -> None:
    spec = replace(corpus_module.SPECS["throughput-once"], posts=2, unique=40)
    corpus = corpus_module.generate(spec, tmp_path, hosts=3, port=9)
    expected = corpus_module.load_ground_truth(corpus.ground_truth)
    assert corpus.links == spec.links == len(expected) == 40
    text = "".join(p.read_text() for p in sorted(corpus.posts_dir.glob("*.md")))
    assert all(text.count(f"({url})") == 1 for url in expected)
    assert set(expected.values()) == {"ok"}


def test_lychee_report_mapping_and_score() -> None:
    ok, moved, temp, dead, slow = (f"http://127.0.0.2:1/{n}" for n in "abcde")
    report = {
        "success_map": {
            "p.md": [
                {"url": ok, "status": {"code": 200}},
                {
                    "url": moved,
                    "status": {"code": 200},
                    "redirects": {"origin": moved, "redirects": [{"url": ok, "code": 301}]},
                },
                {
                    "url": temp,
                    "status": {"code": 200},
                    "redirects": {"origin": temp, "redirects": [{"url": ok, "code": 302}]},
                },
            ]
        },
        "error_map": {"p.md": [{"url": dead, "status": {"code": 404}}]},
        "timeout_map": {"p.md": [{"url": slow, "status": {"text": "Timeout"}}]},
    }
    reported = run_module.parse_lychee(report)
    assert reported == {ok: "ok", moved: "moved", temp: "redirected", dead: "dead", slow: "timeout"}
    expected = {ok: "ok", moved: "moved", temp: "redirected", dead: "dead", slow: "ok"}
    result = run_module.score(expected, reported)
    assert (result.dead_found, result.moved_found, result.false_alarms) == (1, 1, 1)
    assert result.exact == 4


def test_linkcheck_command_omits_unknown_flags() -> None:
    limits = run_module.Limits()
    command = run_module.linkcheck_command(
        Path("lc"), limits, "posts", Path("out.json"), "--per-host-concurrency --timeout --format"
    )
    assert "--no-cache" not in command
    assert "--concurrency" not in command
    assert "--output" not in command
    assert "--allow-private" not in command
    assert command[:2] == ["lc", "run"]
    assert command[-1] == "posts"
    assert command[command.index("--per-host-concurrency") + 1] == str(limits.per_host)


def test_soft_404_bench_reads_pages_templates_and_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy, missing = tmp_path / "healthy", tmp_path / "missing"
    (healthy / "guide").mkdir(parents=True)
    (missing).mkdir()
    (healthy / "guide" / "custom-404-pages.md").write_text(
        "---\ntitle: Custom 404 pages\n---\nA page not found should say so.\n"
    )
    (healthy / "post.html").write_text(
        "<html><head><title>Carbon</title></head><body><h1>Carbon</h1></body></html>"
    )
    (missing / "404.html").write_text("---\nlayout: base\n---\n<h1>404</h1><p>Page not found</p>")
    (missing / "hugo.html").write_text('{{ define "main" }}<p>{{ .Title }}</p>{{ end }}')
    (missing / "plain.html").write_text("<p>Nothing to see.</p>")
    assert bench_soft404.main(["--healthy", str(healthy), "--missing", str(missing)]) == 0
    out = capsys.readouterr().out
    assert "healthy pages: 2, false alarms: 0" in out
    assert "not-found pages: 3, detected: 2" in out
    assert "missed" in out
    assert "plain.html" in out


def test_linkcheck_command_allows_the_farm_on_loopback() -> None:
    command = run_module.linkcheck_command(
        Path("lc"), run_module.Limits(), "posts", Path("out.json"), "--allow-private --format"
    )
    assert "--allow-private" in command
