"""Benchmark corpora: realistic Markdown posts citing farm URLs, and their ground truth.

Each unique URL gets one farm behaviour (see :mod:`benchmarks.farm`) and so one expected
verdict. Posts cite a handful of sources inline and list them in a closing Resources section;
a few popular sources are cited by many posts. ``ground_truth.json`` maps every URL to its
expected verdict.

``python -m benchmarks.corpus medium --out benchmarks/out/medium`` writes one corpus.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.farm import ADDRESS_PREFIX, DEFAULT_HOSTS, DEFAULT_PORT, FIRST_HOST

GROUND_TRUTH_FILE = "ground_truth.json"
POSTS_DIR = "posts"
DEFAULT_SEED = 20250314
SLOW_OK_MS = 1500
"""A slow page that still answers well within any sensible timeout."""
STALL_MS = 30_000
"""A page that answers after the checkers' timeout: expected verdict ``timeout``."""
POPULAR_FRACTION = 0.02
MIN_POPULAR = 8
MISSING_EVERY = 10
"""Every Nth post leaves one inline citation out of its Resources section."""


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One farm behaviour: how to build its path and what a good checker concludes."""

    name: str
    verdict: str
    share: float
    """Fraction of the unique URLs with this behaviour (at least one each when sharing)."""


BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour("ok", "ok", 0.0),  # takes the remainder
    Behaviour("pdf", "ok", 0.04),
    Behaviour("nohead", "ok", 0.04),
    Behaviour("moved", "moved", 0.08),
    Behaviour("found", "redirected", 0.04),
    Behaviour("dead", "dead", 0.08),
    Behaviour("gone", "dead", 0.03),
    Behaviour("forbidden", "blocked", 0.02),
    Behaviour("ratelimit", "ok", 0.02),
    Behaviour("slow", "ok", 0.01),
    Behaviour("large", "ok", 0.004),
    Behaviour("stall", "timeout", 0.002),
    Behaviour("error", "error", 0.004),
    Behaviour("loop", "error", 0.003),
)
BEHAVIOURS_BY_NAME = {b.name: b for b in BEHAVIOURS}
HEALTHY_VERDICTS = frozenset({"ok", "moved", "redirected"})


@dataclass(frozen=True, slots=True)
class CorpusSpec:
    """The size of a corpus."""

    name: str
    posts: int
    unique: int
    citations_per_post: int
    """Sources cited by one post; each appears inline and in Resources (two links)."""
    mixed: bool = True
    """All behaviours (True) or only healthy pages (False)."""
    stalls: bool = True
    """Whether a mixed corpus has URLs that never answer in time (verdict timeout)."""
    inline: bool = True
    """Whether each citation is also an inline link (False: a reading list, each source
    cited once, in Resources only)."""

    @property
    def links(self) -> int:
        """Links in the corpus: every citation is one inline link plus one Resources entry
        (only the Resources entry without ``inline``)."""
        return self.posts * self.citations_per_post * (2 if self.inline else 1)


SPECS: dict[str, CorpusSpec] = {
    "small": CorpusSpec("small", posts=3, unique=15, citations_per_post=5),
    "medium": CorpusSpec("medium", posts=200, unique=800, citations_per_post=5),
    "large": CorpusSpec("large", posts=2000, unique=5000, citations_per_post=5),
    "large-nostall": CorpusSpec(
        "large-nostall", posts=2000, unique=5000, citations_per_post=5, stalls=False
    ),
    "throughput": CorpusSpec(
        "throughput", posts=250, unique=5000, citations_per_post=20, mixed=False
    ),
    "throughput-once": CorpusSpec(
        "throughput-once",
        posts=250,
        unique=5000,
        citations_per_post=20,
        mixed=False,
        inline=False,
    ),
}


@dataclass(frozen=True, slots=True)
class Source:
    """One unique cited URL."""

    url: str
    title: str
    behaviour: str
    verdict: str
    final_url: str | None = None


@dataclass(frozen=True, slots=True)
class Corpus:
    """A generated corpus on disk."""

    root: Path
    posts_dir: Path
    ground_truth: Path
    spec: CorpusSpec
    links: int
    unique: int
    verdicts: dict[str, int]


_TOPICS = (
    "carbon",
    "energy",
    "water use",
    "data centres",
    "model training",
    "inference",
    "hardware",
    "policy",
    "renewables",
    "efficiency",
)
_TITLE_WORDS = (
    ("Annual", "Quarterly", "Independent", "Open", "Global", "Regional", "Preliminary"),
    ("Report", "Study", "Analysis", "Survey", "Review", "Assessment", "Benchmark"),
)
_SENTENCES = (
    "Estimates vary widely, and the assumptions behind them matter more than the headline.",
    "The authors are careful to separate measured figures from projections.",
    "That number is often quoted without the context that makes it meaningful.",
    "Several follow-up studies reached similar conclusions with different methods.",
    "The trend is clear even if the exact figures are still debated.",
    "Reporting standards differ between companies, which makes comparison hard.",
)


def _title(rng: random.Random, index: int) -> str:
    first = rng.choice(_TITLE_WORDS[0])
    second = rng.choice(_TITLE_WORDS[1])
    return f"{first} {second} on {rng.choice(_TOPICS).title()} No. {index}"


def _behaviour_counts(spec: CorpusSpec) -> list[tuple[Behaviour, int]]:
    if not spec.mixed:
        return [(BEHAVIOURS_BY_NAME["ok"], spec.unique)]
    counts = [
        (b, max(1, round(b.share * spec.unique)))
        for b in BEHAVIOURS
        if b.share > 0 and (spec.stalls or b.name != "stall")
    ]
    rest = spec.unique - sum(n for _, n in counts)
    if rest < 1:
        raise ValueError(f"{spec.name}: too few unique URLs for every behaviour")
    return [(BEHAVIOURS_BY_NAME["ok"], rest), *counts]


def _path(behaviour: str, ident: str, rng: random.Random) -> tuple[str, str | None]:
    """The URL path for a behaviour, and the path where its redirects end (if any)."""
    if behaviour == "pdf":
        return f"/pdf/{ident}.pdf", None
    if behaviour in ("moved", "found"):
        hops = rng.randint(1, 3)
        return f"/{behaviour}/{hops}/{ident}", f"/ok/{ident}"
    if behaviour == "slow":
        return f"/slow/{SLOW_OK_MS}/{ident}", None
    if behaviour == "stall":
        return f"/slow/{STALL_MS}/{ident}", None
    return f"/{behaviour}/{ident}", None


def make_sources(
    spec: CorpusSpec, *, hosts: int, port: int, seed: int = DEFAULT_SEED
) -> list[Source]:
    """The unique URLs of a corpus, spread evenly over the hosts, in a shuffled order."""
    rng = random.Random(f"{seed}-{spec.name}-sources")
    sources: list[Source] = []
    index = 0
    for behaviour, count in _behaviour_counts(spec):
        for _ in range(count):
            host = f"{ADDRESS_PREFIX}{FIRST_HOST + index % hosts}"
            base = f"http://{host}:{port}"
            ident = f"s{index:05d}-{rng.choice(_TOPICS).replace(' ', '-')}"
            path, final = _path(behaviour.name, ident, rng)
            sources.append(
                Source(
                    url=base + path,
                    title=_title(rng, index),
                    behaviour=behaviour.name,
                    verdict=behaviour.verdict,
                    final_url=base + final if final else None,
                )
            )
            index += 1
    rng.shuffle(sources)
    return sources


def assign_citations(
    spec: CorpusSpec, sources: Sequence[Source], seed: int = DEFAULT_SEED
) -> list[list[Source]]:
    """Which sources each post cites: every source at least once, popular ones many times."""
    rng = random.Random(f"{seed}-{spec.name}-posts")
    slots = spec.posts * spec.citations_per_post
    if slots < len(sources):
        raise ValueError(f"{spec.name}: {slots} citations cannot cover {len(sources)} sources")
    extras_total = slots - len(sources)
    popular = list(sources[: max(MIN_POPULAR, int(len(sources) * POPULAR_FRACTION))])
    weights = [1.0 / (rank + 1) for rank in range(len(popular))]
    cover = iter(sources)
    posts: list[list[Source]] = []
    for i in range(spec.posts):
        extras = (i + 1) * extras_total // spec.posts - i * extras_total // spec.posts
        cited = [next(cover) for _ in range(spec.citations_per_post - extras)]
        chosen = {s.url for s in cited}
        for _ in range(extras):
            # Weighted draw without repeats inside one post; bounded by the popular list.
            for _attempt in range(len(popular) * 4):
                pick = rng.choices(popular, weights)[0]
                if pick.url not in chosen:
                    break
            else:
                pick = next(s for s in popular if s.url not in chosen)
            chosen.add(pick.url)
            cited.append(pick)
        rng.shuffle(cited)
        posts.append(cited)
    return posts


def render_post(
    index: int, cited: Sequence[Source], rng: random.Random, *, inline_links: bool = True
) -> str:
    """One Markdown post: frontmatter, a body with inline citations, a Resources list
    (without ``inline_links``, a body without links: each source is cited once, listed)."""
    topic = rng.choice(_TOPICS)
    title = f"Notes on {topic} #{index}"
    inline = list(cited) if inline_links else []
    listed = list(cited)
    if inline_links and index % MISSING_EVERY == MISSING_EVERY - 1 and len(cited) >= 2:
        # The first source is cited only inline (missing from Resources), and the second is
        # cited twice in the body, so the post keeps two links per source.
        listed = list(cited[1:])
        inline.append(cited[1])
    lines = [
        "---",
        f"title: {title.title()}",
        f"slug: notes-{index:05d}",
        f"description: What the sources say about {topic}.",
        f"publishDate: {1 + index % 28:02d} Mar 2025",
        f"tags: [{topic.replace(' ', '-')}, sustainability]",
        "---",
        "",
        f"This post collects what I have been reading about {topic}. {rng.choice(_SENTENCES)}",
        "",
    ]
    sections = ("## Background", "## What the numbers say", "## Open questions")
    per_section = max(1, -(-len(inline) // len(sections)))
    for number, heading in enumerate(sections):
        chunk = inline[number * per_section : (number + 1) * per_section]
        if not chunk:
            continue
        lines += [heading, ""]
        for source in chunk:
            lines.append(
                f"The [{source.title}]({source.url}) is worth reading closely. "
                f"{rng.choice(_SENTENCES)}"
            )
            lines.append("")
    lines += ["## Resources", ""]
    lines += [f"- [{source.title}]({source.url})" for source in listed]
    lines.append("")
    return "\n".join(lines)


def generate(
    spec: CorpusSpec,
    out: Path,
    *,
    hosts: int = DEFAULT_HOSTS,
    port: int = DEFAULT_PORT,
    seed: int = DEFAULT_SEED,
) -> Corpus:
    """Write the posts and ``ground_truth.json`` of ``spec`` under ``out``."""
    sources = make_sources(spec, hosts=hosts, port=port, seed=seed)
    posts = assign_citations(spec, sources, seed)
    posts_dir = out / POSTS_DIR
    posts_dir.mkdir(parents=True, exist_ok=True)
    for stale in posts_dir.glob("*.md"):
        stale.unlink()
    rng = random.Random(f"{seed}-{spec.name}-text")
    links = 0
    for index, cited in enumerate(posts):
        text = render_post(index, cited, rng, inline_links=spec.inline)
        links += text.count("](http")
        (posts_dir / f"post-{index:05d}.md").write_text(text, encoding="utf-8")
    verdicts = dict(Counter(s.verdict for s in sources))
    truth = {
        "spec": asdict(spec),
        "hosts": hosts,
        "port": port,
        "seed": seed,
        "links": links,
        "unique": len(sources),
        "verdicts": verdicts,
        "expected": {s.url: s.verdict for s in sources},
        "behaviours": {s.url: s.behaviour for s in sources},
        "final_urls": {s.url: s.final_url for s in sources if s.final_url},
    }
    ground_truth = out / GROUND_TRUTH_FILE
    ground_truth.write_text(json.dumps(truth, indent=1, sort_keys=True), encoding="utf-8")
    return Corpus(out, posts_dir, ground_truth, spec, links, len(sources), verdicts)


def load_ground_truth(path: Path) -> dict[str, str]:
    """``url -> expected verdict`` from a ``ground_truth.json``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    expected: dict[str, str] = data["expected"]
    return expected


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.corpus NAME --out DIR``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus")
    parser.add_argument("name", choices=sorted(SPECS))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--hosts", type=int, default=DEFAULT_HOSTS)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    corpus = generate(SPECS[args.name], args.out, hosts=args.hosts, port=args.port, seed=args.seed)
    print(
        json.dumps(
            {
                "posts": str(corpus.posts_dir),
                "ground_truth": str(corpus.ground_truth),
                "links": corpus.links,
                "unique": corpus.unique,
                "verdicts": corpus.verdicts,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
