"""Load loops shared by the measurements: a fixed number of operations at a fixed concurrency."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


@dataclass
class LoadResult:
    operations: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.operations / self.seconds


async def run_async(concurrency: int, operations: int, operation: Callable[[int], Awaitable[object]]) -> LoadResult:
    """Run ``operation(i)`` for i in range(operations) from ``concurrency`` tasks."""
    counter = iter(range(operations))
    latencies: list[float] = []

    async def worker() -> None:
        for index in counter:
            started = time.perf_counter()
            await operation(index)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(operations, time.perf_counter() - started, latencies)


def run_threads(concurrency: int, operations: int, operation: Callable[[int], object]) -> LoadResult:
    """Run ``operation(i)`` for i in range(operations) from ``concurrency`` threads."""
    latencies: list[float] = []

    def timed(index: int) -> None:
        started = time.perf_counter()
        operation(index)
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(timed, range(operations)))
    return LoadResult(operations, time.perf_counter() - started, latencies)
