"""Time discover + read + extract over generated posts (no network).

``python -m benchmarks.bench_extract`` writes 2,000 posts of about 2 KB into a temporary
directory (or into ``--keep DIR``, which is kept) and prints how long finding, reading and
extracting them takes (best of ``--repeat``): one by one in this process, and through
``collect`` (the pipeline's entry, which uses worker processes for many posts).

``--dir DIR`` times posts already written instead, such as the large corpus of the side by
side benchmark (``python -m benchmarks.corpus large --out DIR``, posts in ``DIR/posts``).
``collect`` runs as the commands do: worker processes on many posts, the posts' text not
kept.

The end-to-end figure of the command line on the same posts:

    python -m benchmarks.bench_extract --keep /tmp/linkcheck-corpus
    time linkcheck extract /tmp/linkcheck-corpus --format json > /dev/null
"""

from __future__ import annotations

import argparse
import gc
import random
import tempfile
import time
from pathlib import Path

from linkcheck.cli import GC_THRESHOLDS
from linkcheck.collect import collect
from linkcheck.config import Settings
from linkcheck.discover import find_posts, read_document
from linkcheck.extract import extract_post

DEFAULT_POSTS = 2000
DEFAULT_REPEAT = 3
TARGET_BYTES = 2048
SEED = 20250314
WORDS: tuple[str, ...] = (
    *("energy", "carbon", "model", "training", "data", "centre", "emissions", "efficiency"),
    *("research", "report", "water", "cooling", "hardware", "renewable", "footprint"),
    *("compute", "inference", "policy"),
)


def make_post(number: int, rng: random.Random) -> str:
    """One post shaped like the blog's: frontmatter, sections of prose citing a source now and
    then (inline links, a bare URL), a bullet list, and a closing Resources list."""
    urls = [f"https://host{rng.randrange(40)}.example/paper/{number}-{i}" for i in range(4)]
    parts = [
        f"---\ntitle: Post {number}\nslug: post-{number}\ndate: 2025-03-14\n"
        f"canonical: https://blog.example/post-{number}\n---\n\n"
    ]
    size = len(parts[0])
    cited = 0
    paragraph = 0
    while size < TARGET_BYTES - 300:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(25, 50)))
        if paragraph % 3 == 0:
            text = f"## {rng.choice(WORDS).title()} {rng.choice(WORDS)}\n\n{words}.\n\n"
        elif paragraph % 3 == 1:
            url = urls[cited % len(urls)]
            cited += 1
            text = f"{words} [**{rng.choice(WORDS)}** study]({url}), with `code` too.\n\n"
        else:
            text = "".join(f"- **{w}** {words[:50]}\n" for w in WORDS[:3]) + "\n"
        parts.append(text)
        size += len(text)
        paragraph += 1
    parts.append(f"Also see {urls[0]}.\n\n## Resources\n\n")
    parts.extend(f"- [Source {i}]({url})\n" for i, url in enumerate(urls))
    return "".join(parts)


def write_corpus(root: Path, count: int) -> None:
    rng = random.Random(SEED)
    for number in range(count):
        folder = root / f"{number % 20:02d}"
        folder.mkdir(exist_ok=True)
        (folder / f"post-{number}.md").write_text(make_post(number, rng), encoding="utf-8")


def run_once(root: Path) -> tuple[float, int, int]:
    """Seconds for discover + read + extract, the number of posts and links."""
    started = time.perf_counter()
    links = 0
    posts = find_posts([root])
    for path in posts:
        links += len(extract_post(read_document(path, cwd=root)).links)
    return time.perf_counter() - started, len(posts), links


def run_collect(root: Path) -> tuple[float, int, int]:
    """Seconds for ``collect`` over ``root`` (as the command line runs it), posts and links."""
    settings = Settings(paths=(str(root),))
    started = time.perf_counter()
    collected = collect(settings, cwd=root, keep_text=False)
    links = sum(len(post.links) for post in collected.posts)
    return time.perf_counter() - started, len(collected.posts), links


def measure(root: Path, repeat: int) -> None:
    total = sum(p.stat().st_size for p in root.rglob("*.md"))
    for name, runner in (("one by one", run_once), ("collect", run_collect)):
        timings = [runner(root) for _ in range(max(1, repeat))]
        best = min(t[0] for t in timings)
        _, posts, links = timings[0]
        print(
            f"{posts} posts, {total / max(posts, 1) / 1024:.1f} KB each, {links} links: "
            f"discover+read+extract ({name}) best {best:.3f} s of {len(timings)} "
            f"({best / max(posts, 1) * 1000:.3f} ms per post)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="time the posts already in this directory (e.g. a corpus of benchmarks.corpus)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="write the posts here and keep them (an empty or new directory)",
    )
    args = parser.parse_args()
    gc.set_threshold(*GC_THRESHOLDS)  # as the command line sets them
    if args.dir is not None:
        if not args.dir.is_dir():
            parser.error(f"{args.dir} is not a directory")
        measure(args.dir, args.repeat)
        return
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        if any(args.keep.iterdir()):
            parser.error(f"{args.keep} is not empty")
        write_corpus(args.keep, args.posts)
        measure(args.keep, args.repeat)
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_corpus(root, args.posts)
        measure(root, args.repeat)


if __name__ == "__main__":
    main()
