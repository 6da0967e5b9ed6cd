"""The README's Try-it commands, run as written against a real server, in both languages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```bash\n(.*?)```", re.DOTALL)


def try_it_script(readme: Path, port: int) -> str:
    """Return the bash blocks between the try-it markers, aimed at ``port``."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("<!-- try-it:start -->")[1].split("<!-- try-it:end -->")[0]
    script = "\n".join(BLOCK.findall(section))
    return script.replace("http://localhost:8000", f"http://127.0.0.1:{port}")


@pytest.mark.parametrize("readme", ["README.md", "README.es.md"])
def test_try_it_commands_work(server: ServerProcess, readme: str) -> None:
    script = try_it_script(ROOT / readme, server.port)

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout

    assert result.returncode == 0, result.stderr
    assert output.count("HTTP/1.1 201 Created") == 2
    assert output.lower().count("idempotent-replayed: true") == 1
    assert output.count("HTTP/1.1 422 Unprocessable") == 2
    for code in (
        "metodo_pago_no_permitido_mayor_100",
        "metodo_pago_no_permitido_hasta_100",
        "monto_no_positivo",
        "metodo_pago_invalido",
        "monto_demasiados_decimales",
        "pago_ya_reversado",
    ):
        assert f'"code":"{code}"' in output, code
    assert "Payment method not allowed" in output
    assert "HTTP/1.1 409 Conflict" in output
    assert '"type":"PagoReversado"' in output
    assert '"estado":"Reversado"' in output
    assert '"monto":"80.00"' in output

    listed = httpx.get(f"{server.url}/api/pagos/cliente-001").json()["items"]
    other = httpx.get(f"{server.url}/api/pagos/cliente-002").json()["items"]
    assert sorted(item["monto"] for item in listed) == ["150.00", "80.00"]
    assert sorted(item["monto"] for item in other) == ["12.00", "45.50"]
