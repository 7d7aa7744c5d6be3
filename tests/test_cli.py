import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkcheck import __version__
from linkcheck.cli import cli
from linkcheck.collect import PARALLEL_MIN_POSTS, collect
from linkcheck.config import Settings
from linkcheck.report.links import write_links

ROOT = Path(__file__).resolve().parents[1]
POST = ROOT / "content" / "blog" / "carbon-cost-of-ai-training.md"
SEED = ROOT.parent / "shared" / "seeds" / "000_389c9454d15aed83.txt"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="linkcheck", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_the_embedded_post_is_the_seed_byte_for_byte() -> None:
    if not SEED.exists():
        pytest.skip("the seed is not beside this checkout")
    assert POST.read_bytes() == SEED.read_bytes()


def test_version_and_help() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert out.strip() == f"linkcheck, version {__version__}"
    for command in ("run", "extract", "report", "github-issue"):
        code, out, _ = invoke(command, "--help")
        assert code == 0, command
        assert "Usage: linkcheck " + command in out


def test_python_dash_m_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert __version__ in done.stdout


def test_extract_json_of_the_real_post(blog: Path) -> None:
    code, out, _ = invoke("extract", "--format", "json")
    assert code == 0
    links = json.loads(out)
    assert len(links) == 18
    assert len({link["url"] for link in links}) == 10
    assert sum(not link["in_resources"] for link in links) == 8
    first = links[0]
    assert first["file"] == "content/blog/carbon-cost-of-ai-training.md"
    assert (first["line"], first["column"], first["kind"]) == (10, 52, "inline")
    assert first["url"] == "https://arxiv.org/pdf/1906.02243"
    assert first["text"] == "study by Strubell et al."
    assert first["source"] == {"kind": "arxiv", "key": "arxiv:1906.02243"}
    for link in links:
        assert set(link) >= {"file", "line", "column", "url", "kind", "text", "in_resources"}


def test_extract_text_lists_every_link(blog: Path) -> None:
    code, out, _ = invoke("extract", "content")
    assert code == 0
    assert out.strip().splitlines()[-1] == "18 links, 10 sources"


def test_extract_finds_the_posts_as_run_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without paths, extract reads the generator's content folders (a Jekyll site's
    ``_posts``), like run; a folder without posts is exit 2 unless --allow-empty."""
    (tmp_path / "_config.yml").write_text("title: t\n", encoding="utf-8")
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2024-01-02-a.md").write_text(
        "---\ntitle: A\n---\n[x](https://example.com/x)\n", encoding="utf-8"
    )
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke("extract")
    assert code == 0
    assert "_posts/2024-01-02-a.md:4:5" in out
    assert out.strip().splitlines()[-1] == "1 link, 1 source"
    code, _, err = invoke("extract", "empty")
    assert code == 2
    assert "no posts found in empty" in err
    code, out, _ = invoke("extract", "--allow-empty", "empty")
    assert (code, out.strip()) == (0, "0 links, 0 sources")


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_extract_through_worker_processes_writes_what_the_links_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Enough posts for worker processes (where fork exists), each rendering its posts'
    links: the output is ``write_links`` of every link, in order, and a broken file is named
    on stderr while the others are written."""
    posts = tmp_path / "posts"
    posts.mkdir()
    for n in range(PARALLEL_MIN_POSTS + 13):
        links = "".join(f"[s{k}](https://a.example/{n % 7}/{k}) " for k in range(n % 4))
        (posts / f"p{n:03}.md").write_text(
            f"---\ntitle: P{n}\n---\n# P{n}\n\n{links}\n", encoding="utf-8"
        )
    (posts / "p100.md").write_text("---\ntitle: [\n---\nx\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("extract", "posts", "--format", fmt)
    assert code == 2
    assert "posts/p100.md:3: invalid YAML frontmatter" in err
    collected = collect(Settings(paths=("posts",)), cwd=tmp_path, keep_text=False)
    expected = io.StringIO()
    write_links([link for post in collected.posts for link in post.links], fmt, expected)
    assert out == expected.getvalue()


def test_run_offline_on_the_real_post(blog: Path) -> None:
    code, out, _ = invoke("run", "--offline")
    assert code == 0
    assert "missing-from-resources" not in out
    assert "offline: network checks skipped" in out


def test_run_offline_json(blog: Path) -> None:
    code, out, _ = invoke("run", "--offline", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["schema_version"] == 1
    assert document["offline"] is True
    assert [f["rule"] for f in document["findings"]] == ["uncited-resource"] * 2


def test_a_missing_citation_fails_the_run(blog: Path) -> None:
    post = blog / "content" / "blog" / "new.md"
    post.write_text(
        "# New\n\nSee [a paper](https://arxiv.org/abs/2401.00001v2) and "
        "[another](http://example.org/page/).\n\nAnd [a new one](https://example.net/x).\n"
        "\n## Resources\n\n"
        "- [Paper](https://arxiv.org/pdf/2401.00001)\n- [Page](https://example.org/page)\n",
        encoding="utf-8",
    )
    code, out, _ = invoke("run", "--offline", str(post))
    assert code == 1
    assert out.count("missing-from-resources") == 1
    assert "https://example.net/x" in out


def test_bad_input_is_one_line_and_exit_2_while_others_are_checked(blog: Path) -> None:
    (blog / "content" / "bad.md").write_bytes(b"---\ntitle: [unclosed\n---\nbody\n")
    (blog / "content" / "latin1.md").write_bytes("caf\xe9\n".encode("latin-1"))
    code, out, err = invoke("run", "--offline")
    assert code == 2
    assert "Traceback" not in err
    problems = [line for line in err.splitlines() if line.startswith("linkcheck: ")]
    assert len(problems) == 2
    assert any("content/bad.md:3: invalid YAML frontmatter" in line for line in problems)
    assert any("content/latin1.md" in line and "UTF-8" in line for line in problems)
    assert "18 links" in out


def test_a_missing_path_is_a_usage_error(blog: Path) -> None:
    code, _, err = invoke("run", "--offline", "nope/")
    assert code == 2
    assert "nope" in err


def test_a_bad_config_key_is_exit_2_naming_file_and_key(blog: Path) -> None:
    (blog / "linkcheck.toml").write_text("colour = 1\n")
    code, _, err = invoke("run", "--offline")
    assert code == 2
    assert "linkcheck.toml: colour: unknown key" in err


def test_a_bad_regex_on_the_command_line(blog: Path) -> None:
    code, _, err = invoke("run", "--offline", "--exclude", "(")
    assert code == 2
    assert "--exclude: bad regular expression" in err


def test_several_formats_at_once_and_report_rerenders(blog: Path) -> None:
    code, out, _ = invoke(
        "run",
        "--offline",
        "--format",
        "json",
        "--output",
        "r.json",
        "--format",
        "markdown",
        "--output",
        "r.md",
        "--format",
        "text",
    )
    assert code == 0
    assert "18 links" in out
    assert (blog / "r.md").read_text().startswith("<!-- linkcheck-report")
    code, out, _ = invoke("report", "r.json", "--format", "markdown")
    assert code == 0
    assert out.rstrip("\n") == (blog / "r.md").read_text().rstrip("\n")


def test_two_formats_to_stdout_is_a_usage_error(blog: Path) -> None:
    code, _, err = invoke("run", "--offline", "--format", "json", "--format", "text")
    assert code == 2
    assert "only one --format can go to stdout" in err


def test_config_file_values_and_cli_precedence(blog: Path) -> None:
    (blog / "pyproject.toml").write_text('[tool.linkcheck]\nfail-on = "info"\noffline = true\n')
    code, _, _ = invoke("run")
    assert code == 1  # the two uncited resources are info findings
    code, _, _ = invoke("run", "--fail-on", "error")
    assert code == 0


def test_github_issue_without_a_token(blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    invoke("run", "--offline", "--format", "json", "--output", "r.json")
    code, _, err = invoke("github-issue", "r.json", "--repository", "o/r")
    assert code == 2
    assert "no token" in err


def test_sources_lists_each_source_once(blog: Path) -> None:
    code, out, _ = invoke("sources", "--offline", "--format", "json")
    assert code == 0
    sources = json.loads(out)["sources"]
    assert len(sources) == 10
    strubell = next(s for s in sources if s["key"] == "arxiv:1906.02243")
    assert [c["line"] for c in strubell["citations"]] == [10, 46]
    code, out, _ = invoke("sources", "--offline", "--format", "markdown")
    assert code == 0
    assert out.count("| arxiv |") == 2


def test_fix_needs_checked_links(blog: Path) -> None:
    code, _, err = invoke("run", "--offline", "--fix")
    assert code == 0
    assert "nothing to fix" in err


def test_help_is_in_sections_with_examples() -> None:
    code, out, _ = invoke("run", "--help")
    assert code == 0
    sections = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert sections[1:] == [
        "Posts:",
        "The site:",
        "Which URLs:",
        "Reports:",
        "Judging failures over runs:",
        "Feedback:",
        "Network:",
        "Memory between runs:",
        "Other options:",
        "Examples:",
    ]
    # every option of run has its section: only --help is left over
    other = out.split("Other options:")[1].split("Examples:")[0]
    assert other.split() == ["-h,", "--help", "Show", "this", "message", "and", "exit."]
    assert "--exclude TEXT" in out
    assert "[repeatable]" in out
    assert "linkcheck run --offline" in out
    for command in ("extract", "sources", "report", "github-issue", "history"):
        code, out, _ = invoke(command, "--help")
        assert code == 0
        assert "Examples:" in out, command
    code, out, _ = invoke("--help")
    for text in ("4 the GitHub API failed", "130 interrupted", "_LINKCHECK_COMPLETE"):
        assert text in out


def test_quiet_and_verbose(blog: Path) -> None:
    (blog / "content" / "bad.md").write_bytes(b"---\ntitle: [unclosed\n---\nbody\n")
    code, _, err = invoke("run", "--offline", "-v")
    assert code == 2
    assert "linkcheck: settings from the defaults (no settings file found)" in err
    code, out, err = invoke("run", "--offline", "-q")
    assert code == 2
    assert "18 links" in out
    assert "bad.md" in err  # input problems are errors: -q keeps them


def test_shell_completion_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "_LINKCHECK_COMPLETE": "bash_source"},
    )
    assert done.returncode == 0
    assert "complete -o nosort -F" in done.stdout


def test_history_shows_the_trend(blog: Path) -> None:
    from linkcheck.models import CheckResult, Verdict
    from linkcheck.state import StateStore

    path = blog / ".linkcheck" / "state.sqlite"
    path.parent.mkdir()
    with StateStore.open(path, warn=pytest.fail) as store:
        for week, failing in enumerate([0, 2, 3, 1]):
            results = {
                f"https://a.example/{i}": CheckResult(
                    f"https://a.example/{i}", Verdict.DEAD if i < failing else Verdict.OK
                )
                for i in range(4)
            }
            at = 1_790_000_000 + week * 7 * 86400
            store.record_run(results, started_at=at, finished_at=at + 5)
    code, out, _ = invoke("history")
    assert code == 0
    assert out.splitlines()[0] == "failing links, last 4 runs: ▁▆█▃ (0 → 1)"
    code, out, _ = invoke("history", "--format", "markdown", "--all")  # no post cites them
    assert code == 0
    assert "```mermaid\nxychart-beta\n" in out
    assert "    bar [0, 2, 3, 1]\n" in out
    assert '    x-axis ["09-21", "09-28", "10-05", "10-12"]\n' in out
    assert "| 2026-10-12 14:13 | 4 | 1 |" in out
    assert "<https://a.example/0>" in out


def test_exclude_paths_and_the_ignore_file(blog: Path) -> None:
    drafts = blog / "content" / "drafts"
    drafts.mkdir()
    (drafts / "broken.md").write_bytes(b"---\ntitle: [unclosed\n---\nbody\n")
    code, _, _ = invoke("run", "--offline")
    assert code == 2  # the broken draft is read
    (blog / "linkcheck.toml").write_text('exclude-paths = ["drafts/**"]\noffline = true\n')
    code, out, _ = invoke("run", "--format", "json")
    assert code == 0
    assert [post["path"] for post in json.loads(out)["posts"]] == [
        "content/blog/carbon-cost-of-ai-training.md"
    ]
    (blog / ".linkcheckignore").write_text("# not ours to check\n^https://arxiv\\.org/\n")
    code, out, err = invoke("run", "--format", "json", "-v")
    assert code == 0
    assert "ignore patterns from" in err
    from linkcheck.app import plan
    from linkcheck.collect import collect
    from linkcheck.config import load_settings

    settings = load_settings(blog, {})
    planned = plan(collect(settings, cwd=blog).posts, settings)
    excluded = [url for url, r in planned.skipped.items() if r.reason == "excluded"]
    assert excluded
    assert all(url.startswith("https://arxiv.org/") for url in excluded)
    assert not [r.url for r in planned.requests if r.url.startswith("https://arxiv.org/")]


def test_accept_ranges_on_the_command_line(blog: Path) -> None:
    code, _, err = invoke("run", "--offline", "--accept", "200-299,403", "--accept", "429")
    assert code == 0, err
    code, _, err = invoke("run", "--offline", "--accept", "2xx")
    assert code == 2
    assert "--accept: expected HTTP status codes or ranges" in err
