"""Shared helpers: timing, statistics, process memory, machine description and result records."""

from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Figure:
    """One measured figure, its baseline from the same run, and the ratio per round."""

    measurement: str
    case: str
    unit: str
    ours: list[float]
    baseline: list[float]
    baseline_name: str
    higher_is_better: bool = True
    target: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratios(self) -> list[float]:
        pairs = zip(self.ours, self.baseline, strict=True)
        if self.higher_is_better:
            return [ours / base for ours, base in pairs if base]
        return [base / ours for ours, base in pairs if ours]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio_median"] = median(self.ratios)
        data["ratio_spread"] = spread(self.ratios)
        data["ours_median"] = median(self.ours)
        data["baseline_median"] = median(self.baseline)
        return data


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: list[float]) -> float:
    """Half the range between the smallest and largest value: the spread over rounds."""
    return (max(values) - min(values)) / 2 if len(values) > 1 else 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which ``fraction`` of ``values`` fall (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """Yield a list that holds the elapsed seconds once the block ends."""
    elapsed: list[float] = []
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.append(time.perf_counter() - started)


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a running process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def machine() -> dict[str, Any]:
    """CPU, memory and versions of the machine the run is on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    versions = {"python": platform.python_version()}
    for module in ("sqlalchemy", "asyncpg", "fastapi", "uvicorn", "confluent_kafka", "pymongo", "eventsourcing"):
        try:
            imported = __import__(module)
            versions[module] = getattr(imported, "__version__", None) or _distribution_version(module)
        except ImportError:
            continue
    versions["postgresql"] = _command_output(["psql", "--version"])
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "versions": versions,
    }


def _distribution_version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module.replace("_", "-"))
    except PackageNotFoundError:
        return "?"


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except OSError:
        return "?"


def pagos_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "pagos.entrypoints.cli", *arguments]
