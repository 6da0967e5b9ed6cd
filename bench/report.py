"""Write the result file, docs/benchmarks.md and the plots from one run's figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import Figure, median, spread

TARGET_TEXT = {
    "append": "at 16-way concurrency, at least 0.5 of plain INSERTs and ahead of eventsourcing (ratio > 1)",
    "http_create": "at least 0.6 of the minimal endpoint",
    "freshness": "p99 under 500 ms at 200 payments/s",
    "drain": "each at least 0.5 of its direct baseline",
    "growth_append": "flat: ratio near 1 at every size",
    "growth_list": "flat: ratio near 1 at every size",
}


def write_results(path: Path, run: dict[str, Any], figures: list[Figure], memory: dict[str, float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**run, "figures": [figure.to_dict() for figure in figures], "peak_rss_mib": memory}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def load_results(paths: list[Path]) -> tuple[dict[str, Any], list[Figure], dict[str, float]]:
    """Combine result files of runs that measured different parts; the first file's run description wins."""
    run: dict[str, Any] = {}
    figures: list[Figure] = []
    memory: dict[str, float] = {}
    commands = []
    for path in paths:
        data = json.loads(path.read_text())
        run = run or {key: data[key] for key in ("command", "mode", "started", "seconds", "machine")}
        commands.append(data["command"])
        memory.update(data["peak_rss_mib"])
        fields = {"measurement", "case", "unit", "ours", "baseline", "baseline_name", "higher_is_better", "target", "extra"}
        figures += [Figure(**{key: value for key, value in item.items() if key in fields}) for item in data["figures"]]
    run["command"] = "; ".join(commands)
    return run, figures, memory


def plot(figures: list[Figure], folder: Path) -> list[str]:
    """Draw the curves (append by concurrency, growth by size) as PNG files; return their names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []

    append = [f for f in figures if f.measurement == "append" and f.baseline_name == "plain INSERT"]
    library = [f for f in figures if f.measurement == "append" and f.baseline_name != "plain INSERT"]
    if append:
        concurrency = [int(f.case.split()[-1]) for f in append]
        fig, axis = plt.subplots(figsize=(6, 4))
        axis.plot(concurrency, [median(f.ours) for f in append], marker="o", label="pagos (application layer)")
        axis.plot(concurrency, [median(f.baseline) for f in append], marker="o", label="plain INSERT")
        axis.plot(concurrency, [median(f.baseline) for f in library], marker="o", label="eventsourcing 9.x")
        axis.set_xscale("log", base=2)
        axis.set_xlabel("concurrent writers")
        axis.set_ylabel("payments per second (median of rounds)")
        axis.set_title("Append on PostgreSQL")
        axis.legend()
        axis.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(folder / "append.png", dpi=110)
        plt.close(fig)
        written.append("append.png")

    for measurement, title, label in (
        ("growth_append", "Append latency as the event store grows", "events in the store"),
        ("growth_list", "List query latency as one client's payments grow", "payments of the client"),
    ):
        series = [f for f in figures if f.measurement == measurement]
        if not series:
            continue
        fig, axis = plt.subplots(figsize=(6, 4))
        for figure in series:
            axis.plot(figure.extra["sizes"], figure.ours, marker="o", label=figure.case)
        axis.set_xscale("log")
        axis.set_xlabel(label)
        axis.set_ylabel("milliseconds")
        axis.set_title(title)
        axis.set_ylim(bottom=0)
        axis.legend()
        axis.grid(alpha=0.3)
        fig.tight_layout()
        name = f"{measurement}.png"
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        written.append(name)
    return written


def markdown(run: dict[str, Any], figures: list[Figure], memory: dict[str, float], plots: list[str]) -> str:
    machine = run["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Each figure is paired with a baseline measured in the same run, alternating where possible, and",
        "reported as a ratio (median over rounds, with the spread: half the range between the lowest and",
        "highest round). The ratio is above 1 when pagos does better than the baseline. Absolute numbers",
        "are shown too, but they depend on this machine; the ratios are the claim.",
        "",
        f"- Command: `{run['command']}`",
        f"- Mode: {run['mode']}, started {run['started']}, took {run['seconds']:.0f} s",
        f"- Machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB, Linux {machine['kernel']}",
        "- Versions: " + ", ".join(f"{name} {version}" for name, version in machine["versions"].items()),
        "- Services: the ones `scripts/services up` starts on loopback (PostgreSQL 15, Kafka 4.4 in KRaft mode,",
        "  FerretDB 1.24 on SQLite as the MongoDB-protocol server), all on the same 2-core machine as the",
        "  load generator and the processes under test.",
        "",
        "| Measurement | Case | pagos | Baseline | Baseline value | Ratio (median ± spread) | Target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for figure in figures:
        ratios = figure.ratios
        target = "" if figure.target is None else (
            f"{'<' if not figure.higher_is_better and figure.measurement == 'freshness' else '≥'} {figure.target:g}"
            + (" ms" if figure.measurement == "freshness" else "")
        )
        lines.append(
            f"| {figure.measurement} | {figure.case} | {median(figure.ours):,.1f} {figure.unit} | {figure.baseline_name} "
            f"| {median(figure.baseline):,.1f} {figure.unit} | {median(ratios):.2f} ± {spread(ratios):.2f} | {target} |"
        )
    lines += ["", "Targets: " + "; ".join(f"{name}: {text}" for name, text in TARGET_TEXT.items()) + ".", ""]
    fresh = [f for f in figures if f.measurement == "freshness" and "achieved_rate" in f.extra]
    if fresh:
        lines += ["## Freshness load", "", "| Case | Offered rate reached |", "| --- | --- |"]
        lines += [f"| {f.case} | {f.extra['achieved_rate']} payments/s |" for f in fresh]
        lines.append("")
    latency_rows = [f for f in figures if f.measurement == "http_create"]
    if latency_rows:
        lines += ["## HTTP latency", "", "| Backend | pagos p50 | pagos p99 | minimal p50 | minimal p99 |", "| --- | --- | --- | --- | --- |"]
        for figure in latency_rows:
            latency = figure.extra["latency"]
            lines.append(
                f"| {figure.case} | {latency['ours']['p50_ms']:.1f} ms | {latency['ours']['p99_ms']:.1f} ms "
                f"| {latency['minimal']['p50_ms']:.1f} ms | {latency['minimal']['p99_ms']:.1f} ms |"
            )
        lines.append("")
    if memory:
        lines += ["## Peak resident memory", "", "| Process and load | Peak RSS | Target |", "| --- | --- | --- |"]
        for name, value in memory.items():
            lines.append(f"| {name} | {value:.0f} MiB | < 200 MiB |")
        lines.append("")
    for name in plots:
        lines += [f"![{name}](benchmarks/{name})", ""]
    analysis = Path(__file__).with_name("analysis.md")
    if analysis.exists():
        lines += [analysis.read_text().rstrip(), ""]
    return "\n".join(lines)
