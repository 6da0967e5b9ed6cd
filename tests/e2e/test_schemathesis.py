"""Property-based run of schemathesis against the service's own OpenAPI document, over real HTTP."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ServerProcess

# Checks on what the server sends back: no 5xx, and every status, content type,
# header and body as the OpenAPI document declares them.
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "unsupported_method",
    ]
)


def test_openapi_properties_hold(server: ServerProcess, tmp_path: Path) -> None:
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert executable, "schemathesis is a test dependency; run make test to install it"

    result = subprocess.run(
        [
            executable, "run", f"{server.url}/openapi.json",
            "--checks", CHECKS, "--max-examples", "60", "--seed", "20261204", "--request-timeout", "10",
        ],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )

    assert result.returncode == 0, result.stdout[-6000:]
    assert " passed" in result.stdout
    assert "Traceback" not in server.log_path.read_text()
