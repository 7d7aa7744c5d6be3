"""Rewriting moved links: which results qualify, exact spans, safe syntax, atomic writes."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck import fix
from linkcheck.discover import read_document
from linkcheck.extract import extract_post
from linkcheck.fix import Edit, apply_edits, fix_posts, plan_fixes, render_diff, write_fixed
from linkcheck.models import CheckResult, Hop, InputError, Post, Verdict

BOM = b"\xef\xbb\xbf"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def moved(
    url: str, final: str, *, hops: tuple[int, ...] = (301,), status: int = 200
) -> CheckResult:
    """A result whose redirect chain starts at ``url`` and ends at ``final``."""
    chain = tuple(Hop(url if i == 0 else f"{final}?hop={i}", code) for i, code in enumerate(hops))
    verdict = Verdict.MOVED if hops[0] in (301, 308) else Verdict.REDIRECTED
    return CheckResult(url, verdict, status, final, chain)


def ok(url: str) -> CheckResult:
    return CheckResult(url, Verdict.OK, 200)


def write_post(folder: Path, data: bytes, name: str = "post.md") -> Post:
    path = folder / name
    path.write_bytes(data)
    return extract_post(read_document(path, cwd=folder))


def reread(post: Post) -> Post:
    return extract_post(read_document(post.document.path, cwd=post.document.path.parent))


def only_post(tmp_path: Path, text: str, results: Mapping[str, CheckResult]) -> str:
    """The post's text after a fix run (written to disk)."""
    post = write_post(tmp_path, text.encode())
    fix_posts([post], results, write=True)
    return post.document.path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# The full example: every kind of place, every kind of result
# ---------------------------------------------------------------------------

TEMPLATE = (
    "---\r\n"
    'title: "Moves"\r\n'
    "canonical: {canon}\r\n"
    "image: '{image}'\r\n"
    "---\r\n"
    "# Moves\r\n"
    "\r\n"
    "See [the paper]({paper}#results) and [the data][d], then [the data][d] again.\r\n"
    "A temporary [one](https://temp.example/page) and a [gone one](https://home.example/a/b).\r\n"
    "<!-- linkcheck-ignore -->\r\n"
    "Ignored: [kept](https://old.example/ignored).\r\n"
    "Bare {bare} and <{auto}>.\r\n"
    '<a href="{html}">html</a>\r\n'
    "\r\n"
    "[d]: {data}\r\n"
    "\r\n"
    "## Resources\r\n"
    "\r\n"
    "- [The paper]({paper})\r\n"
    "- [The data][d]"
)
OLD = {
    "canon": "https://old.example/canon",
    "image": "https://old.example/image.png",
    "paper": "https://old.example/paper",
    "bare": "https://old.example/bare",
    "auto": "https://old.example/auto",
    "html": "https://old.example/html?a=1&amp;b=2",
    "data": "https://old.example/data",
}
NEW = {
    "canon": "https://new.example/canon",
    "image": "https://new.example/image-v2.png",
    "paper": "https://papers.example/2024/paper",
    "bare": "https://new.example/bare/",
    "auto": "https://new.example/auto",
    "html": "https://new.example/html?a=1&amp;b=3",
    "data": "https://data.example/sets/data",
}


def full_results() -> dict[str, CheckResult]:
    results = {
        OLD[key].replace("&amp;", "&"): moved(
            OLD[key].replace("&amp;", "&"), NEW[key].replace("&amp;", "&"), hops=(301, 308)
        )
        for key in OLD
    }
    results["https://temp.example/page"] = moved(
        "https://temp.example/page", "https://temp.example/elsewhere", hops=(302,)
    )
    results["https://home.example/a/b"] = moved("https://home.example/a/b", "https://home.example/")
    results["https://old.example/ignored"] = moved(
        "https://old.example/ignored", "https://new.example/ignored"
    )
    return results


@pytest.fixture
def full_post(tmp_path: Path) -> Post:
    return write_post(tmp_path, BOM + TEMPLATE.format(**OLD).encode())


def test_full_example_changes_exactly_the_url_bytes(full_post: Post) -> None:
    path = full_post.document.path
    outcome = fix_posts([full_post], full_results(), write=True)

    assert path.read_bytes() == BOM + TEMPLATE.format(**NEW).encode()
    assert outcome.files_changed == (full_post.path,)
    # paper twice, data once (one definition for three uses), and one edit for each other key.
    assert len(outcome.edits) == len(OLD) + 1
    assert {edit.old for edit in outcome.edits} == set(OLD.values()) | {
        "https://old.example/paper#results"
    }
    assert "https://papers.example/2024/paper#results" in {edit.new for edit in outcome.edits}
    assert not outcome.problems


def test_preview_writes_nothing_and_diffs(full_post: Post) -> None:
    path = full_post.document.path
    before = path.read_bytes()
    outcome = fix_posts([full_post], full_results(), write=False)

    assert path.read_bytes() == before
    assert outcome.files_changed == (full_post.path,)
    (diff,) = outcome.diffs
    assert diff.startswith(f"--- a/{full_post.path}\n+++ b/{full_post.path}\n")
    assert "-canonical: https://old.example/canon\r\n" in diff
    assert "+canonical: https://new.example/canon\r\n" in diff
    assert diff.endswith(" - [The data][d]\n\\ No newline at end of file\n")
    changed = [line for line in diff.splitlines() if line.startswith(("-", "+"))]
    assert not [line for line in changed if "temp.example" in line or "ignored" in line]


def test_second_run_changes_nothing(full_post: Post) -> None:
    fix_posts([full_post], full_results(), write=True)
    again = reread(full_post)
    results = full_results()
    results.update({url.replace("&amp;", "&"): ok(url) for url in NEW.values()})

    assert plan_fixes([again], results) == []
    outcome = fix_posts([again], results, write=True)
    assert outcome == fix.FixOutcome((), (), ())


def test_temporary_homepage_and_ignored_are_not_fixed(full_post: Post) -> None:
    edits = plan_fixes([full_post], full_results())
    olds = " ".join(edit.old for edit in edits)
    assert "temp.example" not in olds
    assert "home.example" not in olds
    assert "ignored" not in olds


# ---------------------------------------------------------------------------
# Which results qualify
# ---------------------------------------------------------------------------

URL = "https://old.example/page"


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (moved(URL, "https://new.example/page"), "https://new.example/page"),
        (moved(URL, "https://new.example/page", hops=(308,)), "https://new.example/page"),
        (moved(URL, "https://new.example/page", hops=(301, 302)), None),
        (moved(URL, "https://new.example/page", hops=(307,)), None),
        (moved(URL, "https://new.example/page", status=404), None),
        (moved(URL, "https://new.example/page", status=203), "https://new.example/page"),
        (CheckResult(URL, Verdict.MOVED, 200, None, (Hop(URL, 301),)), None),
        (CheckResult(URL, Verdict.MOVED, None, "https://new.example/", (Hop(URL, 301),)), None),
        (CheckResult(URL, Verdict.MOVED, 200, "https://new.example/page", ()), None),
        (moved(URL, "https://old.example/"), None),
        (moved(URL, "ftp://new.example/page"), None),
        (moved(URL, "javascript:alert(1)"), None),
        (moved(URL, "https://new.example/pa ge"), None),
        (moved(URL, "https://new.example/pa\u202ege"), None),
        (moved(URL, "https://new.example/page\x07"), None),
        (moved(URL, "https:///page"), None),
        (moved(URL, "https://new.example/" + "x" * fix.MAX_URL_LENGTH), None),
        (moved(URL, URL), None),
        (ok(URL), None),
    ],
)
def test_replacement_for(result: CheckResult, expected: str | None) -> None:
    assert fix.replacement_for(URL, result) == expected


def test_replacement_keeps_the_fragment_unless_the_final_url_has_one() -> None:
    result = moved(URL, "https://new.example/page")
    assert fix.replacement_for(URL + "#intro", result) == "https://new.example/page#intro"
    with_own = moved(URL, "https://new.example/page#top")
    assert fix.replacement_for(URL + "#intro", with_own) == "https://new.example/page#top"


# ---------------------------------------------------------------------------
# Writing the URL safely at each kind of place
# ---------------------------------------------------------------------------


def edits_for(tmp_path: Path, text: str, final: str) -> list[Edit]:
    post = write_post(tmp_path, text.encode())
    return plan_fixes([post], {URL: moved(URL, final)})


@pytest.mark.parametrize(
    ("text", "final"),
    [
        (f"[a]({URL})", "https://new.example/a)b"),
        (f"[a]({URL})", "https://new.example/a(b"),
        (f"[a]({URL})", "https://new.example/a\\b"),
        (f"[a]({URL})", "https://new.example/?a=1&amp;b"),
        (f"[a](<{URL}>)", "https://new.example/a>b"),
        (f"<{URL}>", "https://new.example/a>b"),
        (f"see {URL} now", "https://new.example/a."),
        (f"see {URL} now", "https://new.example/a)"),
        (f"see {URL} now", "https://new.example/a<b/"),
        (f"<a href={URL}>x</a>", "https://new.example/a'b"),
        (f"---\nurl: {URL}\n---\ntext\n", "https://new.example/a,b"),
        (f"---\nurl: {URL}\n---\ntext\n", "https://new.example/a:"),
        (f"---\nurl: '{URL}'\n---\ntext\n", "https://new.example/it's"),
        (f'---\nurl: "{URL}"\n---\ntext\n', 'https://new.example/a"b'),
        (f"---\nurl: >-\n  {URL}\n---\ntext\n", "https://new.example/a"),
        (f"---\nurls: [{URL}, x]\n---\ntext\n", "https://new.example/a]b"),
        # A diff of the fix is printed to CI logs, where ``##[`` opens a workflow command.
        (f"[a]({URL})", "https://new.example/a##[add-mask]x"),
    ],
)
def test_unsafe_replacements_are_skipped(tmp_path: Path, text: str, final: str) -> None:
    assert edits_for(tmp_path, text, final) == []


@pytest.mark.parametrize(
    ("text", "final", "expected"),
    [
        (
            f"[a]({URL} 'title')",
            "https://new.example/a(b)",
            "[a](https://new.example/a(b) 'title')",
        ),
        (f"[a](<{URL}>)", "https://new.example/a)b", "[a](<https://new.example/a)b>)"),
        (f"<{URL}>", "https://new.example/a)b", "<https://new.example/a)b>"),
        (f"x ({URL}).", "https://new.example/b", "x (https://new.example/b)."),
        (
            f"<img src='{URL}'>",
            "https://new.example/a?x&copy=1",
            "src='https://new.example/a?x&amp;copy=1'",
        ),
        (
            f'<a href="{URL}">x</a>',
            'https://new.example/a"b',
            'href="https://new.example/a&quot;b"',
        ),
        (f"<a href='{URL}'>x</a>", "https://new.example/a'b", "href='https://new.example/a&#39;b'"),
        (f"---\nurls: [{URL}, x]\n---\ntext\n", "https://new.example/b", "urls: [https://new"),
        (f"---\nurl: {URL} # c\n---\ntext\n", "https://new.example/b", "url: https://new"),
    ],
)
def test_safe_replacements_are_written(
    tmp_path: Path, text: str, final: str, expected: str
) -> None:
    fixed = only_post(tmp_path, text, {URL: moved(URL, final)})
    assert expected in fixed
    assert URL not in fixed


def test_html_values_are_entity_encoded(tmp_path: Path) -> None:
    text = f'<a href="{URL}?a=1&amp;b=2">x</a>\n'
    old = URL + "?a=1&b=2"
    fixed = only_post(tmp_path, text, {old: moved(old, "https://new.example/q?x=1&copy=2")})
    assert fixed == '<a href="https://new.example/q?x=1&amp;copy=2">x</a>\n'


def test_escaped_markdown_destinations_are_left_alone(tmp_path: Path) -> None:
    text = "[a](https://old.example/\\(p\\))\n"
    old = "https://old.example/(p)"
    assert only_post(tmp_path, text, {old: moved(old, "https://new.example/p")}) == text


def test_a_url_changes_everywhere_in_a_post_or_nowhere(tmp_path: Path) -> None:
    # The bare occurrence cannot end in ``.``; the inline one could, but must not drift apart.
    text = f"[a]({URL}) and {URL} here\n"
    assert edits_for(tmp_path, text, "https://new.example/a.") == []


def test_a_definition_used_by_an_ignored_link_stays(tmp_path: Path) -> None:
    text = f"<!-- linkcheck-ignore -->\n[a][r] and [b][r]\n\n[r]: {URL}\n"
    assert edits_for(tmp_path, text, "https://new.example/a") == []


def test_code_is_never_touched(tmp_path: Path) -> None:
    text = f"`{URL}`\n\n    {URL}\n\n[a]({URL})\n"
    fixed = only_post(tmp_path, text, {URL: moved(URL, "https://new.example/a")})
    assert fixed == f"`{URL}`\n\n    {URL}\n\n[a](https://new.example/a)\n"


# ---------------------------------------------------------------------------
# apply_edits and render_diff
# ---------------------------------------------------------------------------


def test_apply_edits_right_to_left_with_duplicates() -> None:
    text = "ab cd ef"
    edits = [Edit("p", 6, 8, "ef", "EFG"), Edit("p", 0, 2, "ab", "A"), Edit("p", 0, 2, "ab", "A")]
    assert apply_edits(text, edits) == "A cd EFG"


def test_apply_edits_refuses_mismatch_and_overlap() -> None:
    with pytest.raises(ValueError, match="does not match"):
        apply_edits("abc", [Edit("p", 0, 1, "x", "y")])
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abcd", [Edit("p", 0, 2, "ab", "x"), Edit("p", 1, 3, "bc", "y")])


def test_render_diff_is_empty_without_change(full_post: Post) -> None:
    assert render_diff(full_post.document, full_post.document.text) == ""


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def test_mode_is_kept(tmp_path: Path) -> None:
    post = write_post(tmp_path, f"[a]({URL})\n".encode())
    os.chmod(post.document.path, 0o640)
    fix_posts([post], {URL: moved(URL, "https://new.example/a")}, write=True)
    assert stat.S_IMODE(post.document.path.stat().st_mode) == 0o640
    assert post.document.path.read_text() == "[a](https://new.example/a)\n"


def test_failed_rename_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = f"[a]({URL})\r\n".encode()
    post = write_post(tmp_path, data)

    def refuse(*_: object) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(InputError, match="cannot write"):
        write_fixed(post.document, "[a](https://new.example/a)\r\n")
    outcome = fix_posts([post], {URL: moved(URL, "https://new.example/a")}, write=True)

    assert post.document.path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post.md"]
    assert outcome.files_changed == ()
    assert [problem.path for problem in outcome.problems] == [post.path]


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    post = write_post(tmp_path, f"[a]({URL})\n".encode())
    post.document.path.write_text(f"[a]({URL})\nnew line from an editor\n")
    outcome = fix_posts([post], {URL: moved(URL, "https://new.example/a")}, write=True)

    assert "new line from an editor" in post.document.path.read_text()
    assert URL in post.document.path.read_text()
    assert "changed on disk" in outcome.problems[0].reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post.md"]


def test_a_symlinked_post_is_written_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text(f"[a]({URL})\n")
    (tmp_path / "link.md").symlink_to(real)
    post = extract_post(read_document(tmp_path / "link.md", cwd=tmp_path))
    fix_posts([post], {URL: moved(URL, "https://new.example/a")}, write=True)
    assert (tmp_path / "link.md").is_symlink()
    assert real.read_text() == "[a](https://new.example/a)\n"


# ---------------------------------------------------------------------------
# Property: only the moved URL spans change, and a second pass is a no-op
# ---------------------------------------------------------------------------

PLACES = (
    "inline [t]({})",
    "image ![alt]({})",
    "bare {} end",
    "auto <{}>",
    'html <a href="{}">h</a>',
    "- [listed]({})",
)
FILLERS = ("Some words.", "More *text* here.", "", "> quoted line", "A [local](other.md) link.")


@st.composite
def posts(draw: st.DrawFn) -> tuple[list[str | int], int, set[int], str, bool]:
    """(pieces: literal text or URL slot numbers, URL count, moved slots, newline, BOM)."""
    count = draw(st.integers(min_value=1, max_value=5))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    pieces: list[str | int] = []
    if draw(st.booleans()):
        pieces += ["---", newline, "title: t", newline, "link: ", 0, newline, "---", newline]
    used_refs: set[int] = set()
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        slot = draw(st.integers(min_value=0, max_value=count - 1))
        if draw(st.integers(min_value=0, max_value=len(PLACES))) == len(PLACES):
            pieces += [f"ref [r][u{slot}]", newline, newline]
            used_refs.add(slot)
        else:
            before, after = draw(st.sampled_from(PLACES)).split("{}")
            pieces += [before, slot, after, newline, newline]
        pieces += [draw(st.sampled_from(FILLERS)), newline, newline]
    for slot in sorted(used_refs):
        pieces += [f"[u{slot}]: ", slot, newline]
    if pieces and pieces[-1] == newline and draw(st.booleans()):
        pieces.pop()
    moved_slots = draw(st.sets(st.integers(min_value=0, max_value=count - 1)))
    return pieces, count, moved_slots, newline, draw(st.booleans())


def old_url(slot: int) -> str:
    return f"https://h{slot}.example/p/{slot}"


def new_url(slot: int) -> str:
    return f"https://n{slot}.example/moved/{slot}/page"


def render(pieces: list[str | int], moved_slots: set[int]) -> str:
    return "".join(
        piece
        if isinstance(piece, str)
        else (new_url(piece) if piece in moved_slots else old_url(piece))
        for piece in pieces
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(posts())
def test_only_moved_url_spans_change(
    example: tuple[list[str | int], int, set[int], str, bool],
) -> None:
    pieces, count, moved_slots, _, has_bom = example
    results = {
        old_url(slot): moved(old_url(slot), new_url(slot))
        if slot in moved_slots
        else ok(old_url(slot))
        for slot in range(count)
    }
    with tempfile.TemporaryDirectory() as folder:
        prefix = BOM if has_bom else b""
        post = write_post(Path(folder), prefix + render(pieces, set()).encode())
        outcome = fix_posts([post], results, write=True)
        fixed = post.document.path.read_bytes()

        # Split the new file at the known spans: literal pieces unchanged, URL slots replaced.
        assert fixed == prefix + render(pieces, moved_slots).encode()
        assert all(edit.new == new_url(int(edit.new.split("/")[-2])) for edit in outcome.edits)

        # Re-checking: the new addresses now answer directly.
        rechecked = {old_url(slot): ok(old_url(slot)) for slot in range(count)}
        rechecked.update({new_url(slot): ok(new_url(slot)) for slot in moved_slots})
        assert plan_fixes([reread(post)], rechecked) == []
        # Even with the stale results, nothing is left to rewrite.
        assert plan_fixes([reread(post)], results) == []


def test_reparsing_drops_a_url_whose_rewrite_would_change_the_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the parenthesis check disabled, only the re-extraction can see that ``a)b`` would
    # end the destination early: that URL is dropped, the other one is still rewritten.
    monkeypatch.setattr(fix, "_balanced", lambda _url: True)
    other = "https://old.example/other"
    text = f"[a]({URL}) [b]({other})\n\n- [a]({URL})\n"
    results = {
        URL: moved(URL, "https://new.example/a)b"),
        other: moved(other, "https://new.example/other"),
    }
    fixed = only_post(tmp_path, text, results)
    assert fixed == f"[a]({URL}) [b](https://new.example/other)\n\n- [a]({URL})\n"


def test_a_moved_bare_www_link_is_rewritten_to_where_it_went(tmp_path: Path) -> None:
    results = {
        "http://www.old.example/x": moved("http://www.old.example/x", "https://new.example/x")
    }
    text = only_post(tmp_path, "# P\n\nSee www.old.example/x for more.\n", results)
    assert text == "# P\n\nSee https://new.example/x for more.\n"


def test_a_bare_link_read_as_its_host_alone_is_not_rewritten(tmp_path: Path) -> None:
    # `http://old.example是官方网站` is checked as its host (the text after it is prose, which
    # most generators leave out of the link): rewriting the whole span would erase that text.
    results = {"http://old.example": moved("http://old.example", "https://new.example/")}
    body = "# P\n\n见 http://old.example是官方网站。\n"
    assert only_post(tmp_path, body, results) == body


# ---------------------------------------------------------------------------
# Safety: no downgrade to plain http, no write outside the checked folder
# ---------------------------------------------------------------------------


def test_https_moved_to_http_is_reported_not_written(tmp_path: Path) -> None:
    data = f"[a]({URL})\n".encode()
    post = write_post(tmp_path, data)
    outcome = fix_posts([post], {URL: moved(URL, "http://new.example/a")}, write=True)
    assert outcome.edits == ()
    assert post.document.path.read_bytes() == data
    assert fix.replacement_for(URL, moved(URL, "http://new.example/a")) is None
    assert fix.replacement_for(URL, moved(URL, "https://new.example/a")) is not None


def test_no_write_through_a_symlink_leaving_the_folder(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    outside = write_post(tmp_path / "outside", f"[a]({URL})\n".encode())
    checked = tmp_path / "content"
    checked.mkdir()
    link = checked / "post.md"
    link.symlink_to(outside.document.path)
    post = extract_post(read_document(link, cwd=tmp_path))
    results = {URL: moved(URL, "https://new.example/a")}

    outcome = fix_posts([post], results, write=True, roots=[checked.resolve()])

    assert outcome.files_changed == ()
    assert [p.reason for p in outcome.problems] == [
        "a symbolic link to a file outside the checked folder; not rewritten"
    ]
    assert outside.document.path.read_text() == f"[a]({URL})\n"
    # Inside the folder, the same link is rewritten.
    inside = fix_posts([post], results, write=True, roots=[tmp_path.resolve()])
    assert inside.files_changed == (post.path,)
