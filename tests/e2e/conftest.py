"""A real ``pagos serve`` process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from pymongo import MongoClient

from tests.conftest import fresh_postgres_database, require_service
from tests.integration.conftest import mongo_monto_format

STARTUP_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ServerProcess:
    """A ``pagos serve`` child process with its own data folder; ``start`` and ``stop`` can repeat."""

    data_dir: Path
    log_path: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # The embedded default, even when the shell has the real services' variables.
        env = {
            "Pagos__DataDir": str(self.data_dir),
            "Pagos__RelayPollSeconds": "0.1",
            "ConnectionStrings__SQL": "",
            "ConnectionStrings__MongoDB": "",
            "Kafka__BootstrapServers": "",
        }
        child = ManagedProcess(["serve", "--port", str(self.port)], env, self.log_path)
        child.start()
        self.process = child.process
        wait_until_healthy(self.url, child)

    def stop(self) -> int:
        """Stop with SIGTERM, as an orchestrator would, and return the exit code.

        Uvicorn re-raises SIGTERM after its graceful shutdown, so a clean stop exits with -SIGTERM.
        """
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(data_dir=tmp_path / "data", log_path=tmp_path / "server.log", port=free_port())
    process.start()
    try:
        yield process
    finally:
        if process.process is not None and process.process.poll() is None:
            process.stop()


@dataclass
class ManagedProcess:
    """A ``pagos`` command run as a child process with its own log file; ``start`` and ``stop`` can repeat."""

    arguments: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pagos.entrypoints.cli", *self.arguments],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> int:
        """Stop with SIGTERM and return the exit code; kill after 30 s."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def wait_until_healthy(url: str, process: ManagedProcess, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
    """Poll ``url``/health until it returns 200; fail early if the process exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.running():
            raise RuntimeError(f"{process.arguments[0]} exited; see {process.log_path}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s; see {process.log_path}")


@dataclass
class Deployment:
    env: dict[str, str]
    topic: str
    mongo_url: str
    mongo_database: str
    kafka: str
    tmp: Path


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    postgres = require_service("PAGOS_TEST_POSTGRES_URL", "PostgreSQL")
    kafka = require_service("PAGOS_TEST_KAFKA", "Kafka")
    mongo = require_service("PAGOS_TEST_MONGODB", "MongoDB")
    suffix = uuid4().hex[:10]
    async for sql_url in fresh_postgres_database(postgres):
        env = {
            "ConnectionStrings__SQL": sql_url,
            "ConnectionStrings__MongoDB": mongo,
            "Kafka__BootstrapServers": kafka,
            "Kafka__Topic": f"pagos-e2e-{suffix}",
            "Kafka__ConsumerGroup": f"pagos-e2e-{suffix}",
            "Mongo__Database": f"pagos_e2e_{suffix}",
            "Mongo__MontoFormat": mongo_monto_format(),
            "Pagos__RelayPollSeconds": "0.2",
        }
        migrate = subprocess.run(
            [sys.executable, "-m", "pagos.entrypoints.cli", "migrate"],
            env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False,
        )
        assert migrate.returncode == 0, migrate.stderr
        yield Deployment(env, env["Kafka__Topic"], mongo, env["Mongo__Database"], kafka, tmp_path)
        MongoClient(mongo).drop_database(env["Mongo__Database"])
