"""A hostile folder next to normal posts, checked end to end by the real command.

Symbolic link loop, FIFO, link out of the folder, names that are not UTF-8 or hold a newline,
a huge file, an empty one, NUL bytes, binary data named .md, deep nesting, a YAML alias bomb
and a post with 100,000 links: the run ends with exit 2, one problem per bad file, every
normal link checked and reported, reports that parse in every format, and a peak memory
within the goal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.loopback_site import serving

PEAK_GOAL_KIB = 250 * 1024
RUN_TIMEOUT = 240

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system features")


@pytest.fixture
def site() -> Iterator[str]:
    with serving() as url:
        yield url


def build(root: Path, site: str) -> tuple[set[str], set[str]]:
    """The hostile folder: (the display paths of the bad files, the normal URLs)."""
    content = root / "content"
    content.mkdir()
    normal: set[str] = set()

    def post(name: str | bytes, text: str) -> None:
        path = os.path.join(os.fsencode(content), os.fsencode(name))
        with open(path, "wb") as handle:
            handle.write(text.encode())

    for i in range(3):
        url = f"{site}/normal/{i}"
        normal.add(url)
        post(f"normal-{i}.md", f"---\ntitle: Normal {i}\n---\n# Post\n\nSee [source]({url}).\n")
    # Files that are posts but odd: still checked, and reported.
    normal.add(f"{site}/odd/bytes")
    post(b"bad-\xff-name.md", f"[a]({site}/odd/bytes)\n")
    normal.add(f"{site}/odd/newline")
    post("new\nline.md", f"[a]({site}/odd/newline)\n")
    # Valid Markdown with hostile structure: checked, no problem.
    normal.add(f"{site}/deep")
    post("deep.md", ">" * 20_000 + " deep\n\n" + "[" * 20_000 + "\n\n" + f"[d]({site}/deep)\n")
    normal.add(f"{site}/bomb")
    aliases = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    aliases += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    post("bomb.md", "---\n" + "\n".join(aliases) + f"\n---\n[b]({site}/bomb)\n")
    # Bad files: one problem each.
    (content / "loop-a.md").symlink_to(content / "loop-b.md")
    (content / "loop-b.md").symlink_to(content / "loop-a.md")
    os.mkfifo(content / "fifo.md")
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(f"[s]({site}/secret)\n")
    (content / "escape.md").symlink_to(outside / "secret.md")
    with open(content / "huge.md", "wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    post("empty.md", "")
    post("nul.md", "text\x00more\n")
    (content / "binary.md").write_bytes(bytes(range(256)) * 64)
    many = "".join(f"[l{i}]({site}/many/{i % 50})\n" for i in range(100_000))
    post("many.md", many)
    # Frontmatter in TOML and JSON (python-frontmatter's formats), built to cost memory or
    # recursion: a dotted-key bomb, deep nesting, a fence never closed.
    post("toml-bomb.md", "+++\na" + ".a" * 100_000 + f' = "x"\n+++\n[t]({site}/toml)\n')
    post("json-deep.md", '{\n"a": ' + "[" * 900 + "1" + "]" * 900 + f"\n}}\n[j]({site}/json)\n")
    post("toml-unclosed.md", f"+++\ntitle = 'x'\n\n[u]({site}/unclosed)\n")
    deep = "[" * 900 + "x" + "]" * 900
    post("deep-title.md", f"---\ntitle: {deep}\ncategories: {deep}\n---\n[d]({site}/title)\n")
    bad = {
        "content/loop-a.md",
        "content/loop-b.md",
        "content/fifo.md",
        "content/escape.md",
        "content/huge.md",
        "content/nul.md",
        "content/binary.md",
        "content/many.md",
        "content/toml-bomb.md",
        "content/json-deep.md",
        "content/toml-unclosed.md",
        "content/deep-title.md",
        "content/bad-\\xff-name.md",
        "content/new\\nline.md",
    }
    return bad, normal


FORMATS = {
    "json": "report.json",
    "markdown": "report.md",
    "sarif": "report.sarif",
    "junit": "report.xml",
    "github": "report.github",
    "text": "report.txt",
}

MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
sys.stderr.buffer.write(done.stderr)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_hostile_folder_end_to_end(tmp_path: Path, site: str) -> None:
    bad, normal = build(tmp_path, site)
    command = [sys.executable, "-m", "linkcheck", "run", "content", "--allow-private"]
    command += ["--no-cache", "--retries", "0", "--timeout", "10"]
    for fmt, output in FORMATS.items():
        command += ["--format", fmt, "--output", output]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_COLOR"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=env,
        check=True,
    )
    code, peak_kib = (int(part) for part in done.stdout.split())
    assert code == 2, done.stderr
    assert peak_kib <= PEAK_GOAL_KIB, peak_kib

    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    problems = [problem["file"] for problem in report["problems"]]
    assert sorted(problems) == sorted(bad)  # one problem per bad file, no other
    empty = [f for f in report["findings"] if f["file"] == "content/empty.md"]
    assert [f["rule"] for f in empty] == ["empty-post"]  # read, and reported as an info
    results = {result["url"]: result for result in report["results"]}
    for url in normal:
        assert results[url]["verdict"] == "ok", results[url]
        assert results[url]["title"] == f"Page {url.removeprefix(site)}"
    assert f"{site}/secret" not in results
    cited = {link["url"] for link in report["links"]}
    assert normal <= cited

    json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
    ET.parse(tmp_path / "report.xml")  # noqa: S314 (our own output)
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "content/bad-\\xff-name.md" in markdown.replace("\\\\", "\\")
    for line in (tmp_path / "report.github").read_text(encoding="utf-8").splitlines():
        assert "##[" not in line
        if line.lstrip().startswith("::"):
            assert line.startswith(("::error ", "::warning ", "::notice ", "::notice::")), line
    text = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert "content/new\\nline.md" in text


def test_a_partial_run_indexes_the_hostile_folder_safely(tmp_path: Path, site: str) -> None:
    """A run on one post reads every other post for the site model: the hostile ones cost no
    crash, no hang and no memory spike, and their problems are not this run's."""
    build(tmp_path, site)
    command = [sys.executable, "-m", "linkcheck", "run", "--offline", "--allow-private"]
    command += ["content/normal-0.md"]
    command += ["--format", "json", "--output", "report.json"]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env={**os.environ, "NO_COLOR": "1"},
        check=True,
    )
    code, peak_kib = (int(part) for part in done.stdout.split())
    assert code == 0, done.stderr
    assert peak_kib <= PEAK_GOAL_KIB, peak_kib
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["problems"] == []
    assert [post["path"] for post in report["posts"]] == ["content/normal-0.md"]
