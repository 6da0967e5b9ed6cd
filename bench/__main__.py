"""Run the benchmarks: ``python -m bench`` (full) or ``python -m bench --quick`` (smoke run).

Needs the local services (``scripts/services up`` and ``eval "$(scripts/services env)"``).
Every load goes to 127.0.0.1 only and is bounded in count and time. The full
run writes bench/results/latest.json and docs/benchmarks.md with its plots; the
quick run writes bench/results/quick.json only, unless --output names another file.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import append, growth, http_create, pipeline, report
from bench.common import ROOT, Figure, machine

MEASUREMENTS = ("append", "http", "freshness", "drain", "growth")


async def run(
    quick: bool,
    only: set[str],
    save: Callable[[list[Figure], dict[str, float]], None],
    fresh_rate: int | None = None,
) -> tuple[list[Figure], dict[str, float]]:
    """Run the chosen measurements in order, saving the results after each one."""
    figures: list[Figure] = []
    memory: dict[str, float] = {}
    steps = {
        "append": lambda: append.measure(quick),
        "http": lambda: http_create.measure(quick, memory),
        "freshness": lambda: pipeline.measure_freshness(quick, memory, fresh_rate),
        "drain": lambda: pipeline.measure_drain(quick, memory),
        "growth": lambda: growth.measure(quick),
    }
    for name in MEASUREMENTS:
        if name in only:
            figures += await steps[name]()
            save(figures, memory)
    return figures, memory


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts and short runs, for a smoke test")
    parser.add_argument("--only", nargs="+", choices=MEASUREMENTS, default=list(MEASUREMENTS), help="measurements to run")
    parser.add_argument("--rate", type=int, help="offered payments per second for the freshness measurement")
    parser.add_argument("--output", type=Path, help="result file (default bench/results/latest.json or quick.json)")
    parser.add_argument("--docs", action="store_true", help="also write docs/benchmarks.md and its plots (default for a full run)")
    parser.add_argument(
        "--report-from", nargs="+", type=Path, metavar="FILE",
        help="write docs/benchmarks.md from earlier result files instead of measuring",
    )
    arguments = parser.parse_args()
    if arguments.report_from:
        write_docs(*report.load_results(arguments.report_from))
        return

    started = time.monotonic()
    output = arguments.output or ROOT / "bench" / "results" / ("quick.json" if arguments.quick else "latest.json")
    run_info = {
        "command": ("python -m bench " + shlex.join(sys.argv[1:])).strip(),
        "mode": "quick" if arguments.quick else "full",
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": 0.0,
        "machine": machine(),
    }

    def save(figures: list[Figure], memory: dict[str, float]) -> None:
        run_info["seconds"] = time.monotonic() - started
        report.write_results(output, run_info, figures, memory)

    figures, memory = asyncio.run(run(arguments.quick, set(arguments.only), save, arguments.rate))
    print(f"results written to {output}")
    if arguments.docs or not arguments.quick:
        write_docs(run_info, figures, memory)


def write_docs(run_info: dict[str, Any], figures: list[Figure], memory: dict[str, float]) -> None:
    plots = report.plot(figures, ROOT / "docs" / "benchmarks")
    (ROOT / "docs" / "benchmarks.md").write_text(report.markdown(run_info, figures, memory, plots))
    print("docs/benchmarks.md written")


if __name__ == "__main__":
    main()
