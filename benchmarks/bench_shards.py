"""A sharded run against one process: ``linkcheck run --shard I/N`` on the farm, then merged.

``python -m benchmarks.bench_shards --corpus large --shards 4 --repeat 2``

Generates the corpus, starts the farm in its own processes, and per round runs ``linkcheck
run`` once whole and once per shard (one after the other, each alone, as the jobs of a CI
matrix each have a machine of their own), then merges the shards' reports with ``linkcheck
report --merge`` and scores the merged verdicts against the ground truth. Printed: the wall
and CPU seconds (user + system, getrusage) of the whole run, of each shard, of the slowest
shard (what a matrix waits for before its merge job) and of all shards together, with the
load average of the machine at the time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.corpus import SPECS, generate, load_ground_truth
from benchmarks.farm import DEFAULT_HOSTS, DEFAULT_LATENCY, FarmConfig, FarmProcesses
from benchmarks.measure import Measurement, measure_isolated
from benchmarks.run import (
    DEFAULT_LINKCHECK,
    Limits,
    has_flag,
    linkcheck_command,
    linkcheck_help,
    parse_linkcheck,
    score,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "out" / "shards"
RUN_TIMEOUT = 600.0


def _measure(command: list[str], out: Path, name: str) -> Measurement:
    return measure_isolated(
        command,
        result=out / f"{name}.measure.json",
        timeout=RUN_TIMEOUT,
        cwd=out,
        stderr=out / f"{name}.stderr",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_shards", description=__doc__)
    parser.add_argument("--corpus", default="large", choices=sorted(SPECS))
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--farm-workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--linkcheck", type=Path, default=DEFAULT_LINKCHECK)
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    limits = Limits()
    help_text = linkcheck_help(args.linkcheck)
    if help_text is None or not has_flag(help_text, "--shard"):
        raise SystemExit(f"{args.linkcheck} has no `run --shard`")
    config = FarmConfig(hosts=DEFAULT_HOSTS, latency=DEFAULT_LATENCY, port=0, lifetime=3600)
    rows: list[dict[str, object]] = []
    with FarmProcesses(config, args.farm_workers, scratch=out) as farm:
        corpus = generate(SPECS[args.corpus], out / args.corpus, port=farm.port)
        (out / "linkcheck.toml").write_text("", encoding="utf-8")
        expected = load_ground_truth(corpus.ground_truth)
        posts = str(corpus.root / "posts")
        for attempt in range(1, args.repeat + 1):
            farm.reset()
            whole = _measure(
                linkcheck_command(args.linkcheck, limits, posts, out / "whole.json", help_text),
                out,
                f"whole-{attempt}",
            )
            farm.records()
            shards: list[Measurement] = []
            reports = []
            for index in range(1, args.shards + 1):
                report = out / f"shard-{index}.json"
                command = linkcheck_command(args.linkcheck, limits, posts, report, help_text)
                command[2:2] = ["--shard", f"{index}/{args.shards}"]
                farm.reset()
                shards.append(_measure(command, out, f"shard-{index}-{attempt}"))
                farm.records()
                reports.append(str(report))
            merged = out / "merged.json"
            subprocess.run(
                [
                    str(args.linkcheck),
                    "report",
                    "--merge",
                    *reports,
                    "--format",
                    "json",
                    "--output",
                    str(merged),
                ],
                check=True,
                cwd=out,
            )
            reported = parse_linkcheck(json.loads(merged.read_text(encoding="utf-8")))
            verdicts = score(expected, reported)
            rows.append(
                {
                    "load": os.getloadavg()[0],
                    "whole_wall": whole.wall_seconds,
                    "whole_cpu": whole.cpu_seconds,
                    "shard_walls": [m.wall_seconds for m in shards],
                    "shard_cpus": [m.cpu_seconds for m in shards],
                    "exact": f"{verdicts.exact}/{verdicts.unique}",
                }
            )
    print(
        f"| round | load | whole: wall s / CPU s | {args.shards} shards: slowest wall s | "
        "each shard wall s | all shards CPU s | merged verdicts exact |"
    )
    print("|---|---|---|---|---|---|---|")
    for number, row in enumerate(rows, 1):
        walls = row["shard_walls"]
        cpus = row["shard_cpus"]
        assert isinstance(walls, list)
        assert isinstance(cpus, list)
        print(
            f"| {number} | {row['load']:.1f} | {row['whole_wall']:.2f} / {row['whole_cpu']:.2f} | "
            f"{max(walls):.2f} | {' '.join(f'{w:.2f}' for w in walls)} | {sum(cpus):.2f} | "
            f"{row['exact']} |"
        )
    if len(rows) > 1:
        print(
            "medians: whole wall "
            f"{statistics.median(float(str(r['whole_wall'])) for r in rows):.2f} s"
        )
    (out / "shards.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
