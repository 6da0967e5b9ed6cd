"""Child processes for the benchmarks: started on loopback, waited for, measured and stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.common import peak_rss_mb


class Child:
    """A child process with its own log; ``url`` is set for HTTP servers."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path, url: str | None = None) -> None:
        self.command = command
        self.env = env
        self.log = log
        self.url = url
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Child:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, **self.env}
        )
        if self.url:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.command} exited; see {self.log}")
                try:
                    if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            raise TimeoutError(f"{self.url}/health did not return 200 within {timeout} s; see {self.log}")
        return self

    def peak_rss_mb(self) -> float:
        assert self.process is not None
        return peak_rss_mb(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def python_module(module: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", module, *arguments]
