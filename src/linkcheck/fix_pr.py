"""Keep one pull request that points moved links at their new address, through the REST API.

The changes are exactly what ``linkcheck run --fix`` would write for a report (the same plan,
:func:`linkcheck.fix.plan_fixes`), computed in memory from the posts on disk, which must be
the base commit's (a fresh checkout; do not run ``--fix`` first). They are published without
``git push``: the git data API makes a blob per changed post, a tree on top of the base
commit's, a commit, and moves one branch (``linkcheck/fix-moved-links``) to it. Each post is
first compared with the base commit's copy (its git blob id), so a post edited locally or never
committed is not published.

One pull request from that branch is kept:

- opened when there are links to fix and none is open;
- updated in place (the branch force-moved to a new commit on the base, title and body
  rewritten) when the set of changes differs from the one it carries;
- left alone when the set is the same, even if the base branch moved on meanwhile;
- commented on, closed and its branch deleted when nothing is left to fix;
- not opened again for the same fixes after someone closed it without merging (a new set of
  fixes opens a new one).

What the pull request carries is recorded in its body as a hidden fingerprint of the changed
files and their new contents, so nothing volatile decides an update. When linkcheck closes
the pull request it replaces that marker (``CLOSED_MARKER``): a closed, unmerged pull request
that still carries a fingerprint was declined by a person. A report from a run whose
network was down, or an offline run, changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import quote

import httpx

from linkcheck.collect import collect
from linkcheck.config import Settings
from linkcheck.discover import UTF8_BOM
from linkcheck.fix import Edit, apply_edits, plan_fixes
from linkcheck.github import (
    FingerprintMarker,
    GitHubApi,
    GitHubError,
    SyncOutcome,
    api_session,
    skipped,
    step_line,
    validate_target,
)
from linkcheck.models import CheckResult, Post, Report, UsageError
from linkcheck.report.escape import terminal_safe

DEFAULT_BRANCH = "linkcheck/fix-moved-links"
FIX_MARKER = FingerprintMarker("linkcheck-fix")
"""The pull request's marker: the fingerprint of the changes it carries."""
MARKER_PREFIX = FIX_MARKER.prefix
CLOSED_MARKER = f"{MARKER_PREFIX} closed -->"
COMMIT_MESSAGE = "Point moved links at their new address"
PR_TITLE_ONE = "Fix 1 moved link"
PR_TITLE_MANY = "Fix {count} moved links"
CLOSED_COMMENT = (
    "No moved link is left to fix (the links were fixed another way or no longer redirect). "
    "Closing this pull request."
)
RECENT_PULLS = 100
"""Pull requests from the fix branch read (open and closed, newest first)."""
MAX_LISTED = 200
"""Links listed in the pull request body at most (the rest are counted)."""
MAX_URL_CHARS = 300
"""Longest URL shown in the body; longer ones are cut."""
FILE_MODE = "100644"
EXECUTABLE_MODE = "100755"
PR_LABEL_CHECK = "linkcheck"
"""The pull request has no label; a valid one lets the issue sync's target check be reused."""

_BRANCH = re.compile(r"^(?!/)(?!.*//)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}(?<![/.])$")
_SHA = re.compile(r"^[0-9a-f]{40}$")

PullAction = Literal[
    "created",
    "updated",
    "unchanged",
    "closed",
    "declined",
    "none",
    "skipped-network-down",
    "skipped-offline",
]


# ---------------------------------------------------------------------------
# The changes
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileChange:
    """One post rewritten: its path in the repository and its new bytes."""

    path: str
    """Relative to the repository root, ``/``-separated."""
    content: bytes
    """The whole new file (byte order mark kept)."""
    executable: bool
    replacements: tuple[tuple[str, str], ...]
    """(old URL, new URL) as written, one per distinct replacement, in file order."""
    original: str = ""
    """The git blob id of the file as it was read (what the base commit must hold)."""


@dataclass(frozen=True, slots=True)
class FixSet:
    """Every post the fix changes; empty when there is nothing to fix."""

    changes: tuple[FileChange, ...]

    @property
    def links(self) -> int:
        """Distinct (file, old, new) replacements."""
        return sum(len(change.replacements) for change in self.changes)

    @property
    def fingerprint(self) -> str:
        """A hash of the changed paths and their new contents (nothing volatile)."""
        digest = hashlib.sha256()
        for change in sorted(self.changes, key=lambda c: c.path):
            digest.update(change.path.encode("utf-8", "surrogatepass") + b"\0")
            digest.update(hashlib.sha256(change.content).digest())
            digest.update(b"x" if change.executable else b"-")
        return digest.hexdigest()


def repository_path(path: Path, root: Path) -> str | None:
    """``path`` relative to ``root`` as the repository names it, or None when outside."""
    try:
        relative = Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return None
    name = PurePosixPath(*relative.parts).as_posix()
    return name if name not in ("", ".") else None


def fix_set(posts: Sequence[Post], results: Mapping[str, CheckResult], *, root: Path) -> FixSet:
    """What ``--fix`` would write for ``posts``, as repository files (posts outside ``root``
    are left out)."""
    by_path: dict[str, list[Edit]] = {}
    for edit in plan_fixes(posts, results):
        by_path.setdefault(edit.path, []).append(edit)
    changes: list[FileChange] = []
    for post in posts:
        edits = by_path.get(post.path)
        if not edits:
            continue
        name = repository_path(post.document.path, root)
        if name is None:
            continue
        document = post.document
        new_text = apply_edits(document.text, edits)
        content = (UTF8_BOM if document.has_bom else "").encode() + new_text.encode("utf-8")
        replacements = tuple(dict.fromkeys((e.old, e.new) for e in sorted(edits, key=_start)))
        bom = (UTF8_BOM if document.has_bom else "").encode()
        original = blob_id(bom + document.text.encode("utf-8"))
        executable = _executable(document.path)
        changes.append(FileChange(name, content, executable, replacements, original))
    return FixSet(tuple(changes))


def report_fixes(report: Report, settings: Settings, *, cwd: Path) -> FixSet:
    """What ``--fix`` would write for the posts of a saved report, read again from disk
    (paths relative to ``cwd``, the repository root). Empty for a run without results."""
    paths = tuple(post.path for post in report.posts)
    if not paths or report.network_down or report.offline:
        return FixSet(())
    collected = collect(replace(settings, paths=paths), cwd=cwd)
    return fix_set(collected.posts, report.results, root=cwd)


def blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes (``git hash-object``)."""
    header = b"blob %d\0" % len(data)
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


def _start(edit: Edit) -> int:
    return edit.start


def _executable(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & stat.S_IXUSR)
    except OSError:
        return False


# ---------------------------------------------------------------------------
# The pull request's text and the decision
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A pull request from the fix branch."""

    number: int
    url: str
    body: str
    open: bool = True
    merged: bool = False


@dataclass(frozen=True, slots=True)
class Pulls:
    """The fix branch's pull requests that matter: the open one and the declined fixes."""

    open: PullRequest | None = None
    declined: frozenset[str] = frozenset()
    """Fingerprints of pull requests closed unmerged by a person."""

    @classmethod
    def of(cls, pulls: Iterable[PullRequest]) -> Pulls:
        listed = list(pulls)
        opened = [p for p in listed if p.open]
        declined = {
            fingerprint
            for p in listed
            if not p.open and not p.merged and (fingerprint := body_fingerprint(p.body))
        }
        return cls(min(opened, key=lambda p: p.number) if opened else None, frozenset(declined))


def marker_line(fingerprint: str) -> str:
    """The hidden line of the pull request's body."""
    return FIX_MARKER.line(fingerprint)


def body_fingerprint(body: str) -> str | None:
    """The fingerprint recorded in a pull request's body, if any."""
    return FIX_MARKER.find(body)


def pr_title(fixes: FixSet) -> str:
    count = fixes.links
    return PR_TITLE_ONE if count == 1 else PR_TITLE_MANY.format(count=count)


def _code(text: str) -> str:
    """``text`` as a Markdown code span that nothing inside can break out of."""
    text = " ".join(text.split())
    if len(text) > MAX_URL_CHARS:
        text = text[: MAX_URL_CHARS - 1] + "…"
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def pr_body(fixes: FixSet) -> str:
    """The pull request's Markdown: what changes, in which post, and how it was decided."""
    lines = [
        marker_line(fixes.fingerprint),
        "",
        "These links answer with a permanent redirect (301 or 308) to a working page. "
        "This pull request points them at their new address, exactly as "
        "`linkcheck run --fix` does: only the URL changes, nothing else in the posts.",
        "",
    ]
    listed = 0
    for change in fixes.changes:
        lines.append(f"- {_code(change.path)}")
        for old, new in change.replacements:
            if listed >= MAX_LISTED:
                break
            lines.append(f"  - {_code(old)} → {_code(new)}")
            listed += 1
    if fixes.links > listed:
        lines.append(f"- … and {fixes.links - listed} more")
    lines += [
        "",
        "linkcheck keeps this pull request up to date on each scheduled run and closes it "
        "when nothing is left to fix. Edits pushed to this branch are replaced on the next "
        "update.",
    ]
    return "\n".join(lines) + "\n"


def closed_body(body: str) -> str:
    """The body of a pull request linkcheck closes: its fingerprint replaced."""
    return FIX_MARKER.replace(body, CLOSED_MARKER)


def decide(report: Report, fixes: FixSet, pulls: Pulls) -> PullAction:
    """What to do with the fix pull request (pure)."""
    pull = pulls.open
    if report.network_down:
        return "skipped-network-down"
    if report.offline:
        return "skipped-offline"
    if not fixes.changes:
        return "closed" if pull is not None else "none"
    if pull is None:
        return "declined" if fixes.fingerprint in pulls.declined else "created"
    if body_fingerprint(pull.body) == fixes.fingerprint:
        return "unchanged"
    return "updated"


# ---------------------------------------------------------------------------
# The REST calls (GitHubApi does the requests, retries and token scoping)
# ---------------------------------------------------------------------------


class FixApi:
    """The git data and pull request calls, over the tracking issue's REST client."""

    def __init__(self, api: GitHubApi, repository: str) -> None:
        self.api = api
        self.repository = repository

    def _url(self, path: str) -> str:
        return self.api.url(f"/repos/{self.repository}{path}")

    def _json(self, method: str, path: str, body: Any = None) -> Mapping[str, Any]:
        data = self.api.request(method, self._url(path), body=body).json()
        if not isinstance(data, dict):
            raise GitHubError(f"GitHub sent an unexpected answer to {method} {path}")
        return data

    def branch_sha(self, branch: str) -> str | None:
        """The commit a branch points at, or None when there is no such branch."""
        reply = self.api.request("GET", self._url(f"/git/ref/heads/{_ref(branch)}"), accept=(404,))
        if reply.status == 404:
            return None
        data = reply.json()
        target = data.get("object") if isinstance(data, dict) else None
        sha = target.get("sha") if isinstance(target, dict) else None
        if not isinstance(sha, str) or not _SHA.match(sha):
            raise GitHubError(f"GitHub sent an unexpected ref for branch {branch!r}")
        return sha

    def pulls(self, owner: str, branch: str, base: str) -> Pulls:
        """The recent pull requests from ``branch`` into ``base``, open and closed."""
        query = httpx.QueryParams(
            {
                "state": "all",
                "head": f"{owner}:{branch}",
                "base": base,
                "sort": "created",
                "direction": "desc",
                "per_page": RECENT_PULLS,
            }
        )
        data = self.api.request("GET", self._url(f"/pulls?{query}")).json()
        if not isinstance(data, list):
            raise GitHubError("GitHub sent an unexpected pull request list")
        return Pulls.of(_pull(item) for item in data)

    def file_id(self, path: str, ref: str) -> str | None:
        """The blob id of ``path`` at commit ``ref``, or None when there is no such file."""
        url = self._url(f"/contents/{quote(path, safe='/')}?ref={ref}")
        reply = self.api.request("GET", url, accept=(404,))
        if reply.status == 404:
            return None
        data = reply.json()
        if not isinstance(data, dict) or data.get("type") != "file":
            return None
        sha = data.get("sha")
        return sha if isinstance(sha, str) else None

    def commit(self, base_sha: str, changes: Iterable[FileChange], message: str) -> str:
        """A new commit on ``base_sha`` with ``changes``: its sha.

        Every changed file must be in ``base_sha`` as it was read (UsageError otherwise):
        the fixes were computed from that content, and a post missing from the repository
        (a draft that is not committed) must not be published by a pull request.
        """
        for change in changes:
            found = self.file_id(change.path, base_sha)
            if found != change.original:
                state = "is not in" if found is None else "differs from the one in"
                raise UsageError(
                    f"{change.path} on disk {state} commit {base_sha}: run on a fresh "
                    "checkout of the base branch, without --fix"
                )
        base = self._json("GET", f"/git/commits/{base_sha}")
        tree = base.get("tree")
        base_tree = tree.get("sha") if isinstance(tree, dict) else None
        if not isinstance(base_tree, str):
            raise GitHubError(f"GitHub sent no tree for commit {base_sha}")
        entries = []
        for change in changes:
            blob = self._json(
                "POST",
                "/git/blobs",
                {"content": base64.b64encode(change.content).decode("ascii"), "encoding": "base64"},
            )
            entries.append(
                {
                    "path": change.path,
                    "mode": EXECUTABLE_MODE if change.executable else FILE_MODE,
                    "type": "blob",
                    "sha": _sha(blob),
                }
            )
        new_tree = self._json("POST", "/git/trees", {"base_tree": base_tree, "tree": entries})
        body = {"message": message, "tree": _sha(new_tree), "parents": [base_sha]}
        return _sha(self._json("POST", "/git/commits", body))

    def point_branch(self, branch: str, sha: str, *, exists: bool) -> None:
        """Create ``branch`` at ``sha``, or force-move it there."""
        if exists:
            self._json("PATCH", f"/git/refs/heads/{_ref(branch)}", {"sha": sha, "force": True})
        else:
            self._json("POST", "/git/refs", {"ref": f"refs/heads/{branch}", "sha": sha})

    def delete_branch(self, branch: str) -> None:
        """Delete ``branch`` (one already gone is fine)."""
        url = self._url(f"/git/refs/heads/{_ref(branch)}")
        self.api.request("DELETE", url, accept=(404, 422))

    def create_pull(self, branch: str, base: str, title: str, body: str) -> PullRequest:
        payload = {"title": title, "head": branch, "base": base, "body": body}
        return _pull(self._json("POST", "/pulls", payload))

    def update_pull(self, number: int, fields: Mapping[str, Any]) -> PullRequest:
        return _pull(self._json("PATCH", f"/pulls/{number}", dict(fields)))

    def comment(self, number: int, body: str) -> None:
        self._json("POST", f"/issues/{number}/comments", {"body": body})


def _ref(branch: str) -> str:
    return quote(branch, safe="/")


def _sha(data: Mapping[str, Any]) -> str:
    sha = data.get("sha")
    if not isinstance(sha, str) or not _SHA.match(sha):
        raise GitHubError("GitHub sent an object without a valid sha")
    return sha


def _pull(data: Any) -> PullRequest:
    if not isinstance(data, dict):
        raise GitHubError("GitHub sent an unexpected pull request object")
    number, url, body = data.get("number"), data.get("html_url"), data.get("body")
    if not isinstance(number, int) or not isinstance(url, str):
        raise GitHubError("GitHub sent a pull request without a number or html_url")
    return PullRequest(
        number,
        url,
        body if isinstance(body, str) else "",
        open=data.get("state", "open") == "open",
        merged=bool(data.get("merged_at")),
    )


# ---------------------------------------------------------------------------
# The sync
# ---------------------------------------------------------------------------


def validate_branch(branch: str, base: str) -> None:
    """UsageError unless both are plain branch names and differ."""
    for name in (branch, base):
        if not _BRANCH.match(name) or name.endswith(".lock"):
            raise UsageError(f"not a usable branch name: {name!r}")
    if branch == base:
        raise UsageError(f"the fix branch must not be the base branch ({base!r})")


def sync_fix_pull_request(
    report: Report,
    fixes: FixSet,
    *,
    token: str,
    repository: str,
    base: str,
    base_sha: str | None = None,
    branch: str = DEFAULT_BRANCH,
    api_url: str = "https://api.github.com",
    dry_run: bool = False,
    client: httpx.Client | None = None,
    out: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> SyncOutcome[PullAction]:
    """Open, update, close or leave alone the fix pull request of ``repository``.

    ``base_sha`` is the commit whose posts ``fixes`` was computed from (the checkout); without
    it the base branch's head is used. ``dry_run`` reads but writes nothing. Raises
    UsageError for bad arguments and GitHubError when the API fails (after bounded retries).
    """
    validate_target(token=token, repository=repository, api_url=api_url, label=PR_LABEL_CHECK)
    validate_branch(branch, base)
    if base_sha is not None and not _SHA.match(base_sha):
        raise UsageError(f"the base commit must be a full 40-character sha, got {base_sha!r}")
    skip = skipped(report, "the fix pull request", out)
    if skip is not None:
        return SyncOutcome(skip, dry_run=dry_run)
    with api_session(client, token=token, api_url=api_url, sleep=sleep) as github:
        api = FixApi(github, repository)
        owner = repository.split("/", 1)[0]
        pulls = api.pulls(owner, branch, base)
        action = decide(report, fixes, pulls)
        steps = _PullRequestSteps(api, fixes, branch, base, base_sha, dry_run, out)
        return steps.apply(action, pulls.open)


@dataclass(frozen=True, slots=True)
class _PullRequestSteps:
    """Carries out what ``decide`` chose (or describes it, in a dry run)."""

    api: FixApi
    fixes: FixSet
    branch: str
    base: str
    base_sha: str | None
    dry_run: bool
    out: Callable[[str], None]

    def _say(self, text: str) -> None:
        self.out(step_line(text, dry_run=self.dry_run))

    def apply(self, action: PullAction, pull: PullRequest | None) -> SyncOutcome[PullAction]:
        if action == "created":
            return self._create()
        if action == "declined":
            self._say("These fixes were declined (their pull request was closed unmerged).")
            return SyncOutcome(action, dry_run=self.dry_run)
        if pull is None:
            self._say("No moved link to fix and no open fix pull request: nothing to do.")
            return SyncOutcome(action, dry_run=self.dry_run)
        ref = f"#{pull.number} ({terminal_safe(pull.url)})"
        if action == "unchanged":
            self._say(f"Fix pull request {ref} already carries these fixes: no change.")
            return SyncOutcome(action, pull.number, pull.url, self.dry_run)
        if action == "updated":
            return self._update(pull, ref)
        return self._close(pull, ref)

    def _new_commit(self) -> str:
        base_sha = self.base_sha or self.api.branch_sha(self.base)
        if base_sha is None:
            raise GitHubError(f"the base branch {self.base!r} does not exist")
        return self.api.commit(base_sha, self.fixes.changes, COMMIT_MESSAGE)

    def _create(self) -> SyncOutcome[PullAction]:
        title = pr_title(self.fixes)
        if self.dry_run:
            self._say(f"Would open a fix pull request from {self.branch!r}: {title}")
            return SyncOutcome("created", dry_run=True)
        sha = self._new_commit()
        exists = self.api.branch_sha(self.branch) is not None  # left over from a closed one
        self.api.point_branch(self.branch, sha, exists=exists)
        created = self.api.create_pull(self.branch, self.base, title, pr_body(self.fixes))
        self._say(f"Opened fix pull request #{created.number}: {terminal_safe(created.url)}")
        return SyncOutcome("created", created.number, created.url)

    def _update(self, pull: PullRequest, ref: str) -> SyncOutcome[PullAction]:
        title = pr_title(self.fixes)
        if self.dry_run:
            self._say(f"Would update fix pull request {ref}: {title}")
            return SyncOutcome("updated", pull.number, pull.url, True)
        sha = self._new_commit()
        self.api.point_branch(self.branch, sha, exists=True)
        self.api.update_pull(pull.number, {"title": title, "body": pr_body(self.fixes)})
        self._say(f"Updated fix pull request {ref}: {title}")
        return SyncOutcome("updated", pull.number, pull.url)

    def _close(self, pull: PullRequest, ref: str) -> SyncOutcome[PullAction]:
        if self.dry_run:
            self._say(f"Would comment on and close fix pull request {ref}: nothing left to fix.")
            return SyncOutcome("closed", pull.number, pull.url, True)
        self.api.comment(pull.number, CLOSED_COMMENT)
        self.api.update_pull(pull.number, {"state": "closed", "body": closed_body(pull.body)})
        self.api.delete_branch(self.branch)
        self._say(f"Nothing left to fix: commented on and closed fix pull request {ref}.")
        return SyncOutcome("closed", pull.number, pull.url)
