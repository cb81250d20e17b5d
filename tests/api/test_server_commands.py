"""`qamqor serve`, `worker`, `manage`, `demo-data` from the command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from helpers import stop
from qamqor.cli import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_manage_needs_a_command(capsys):
    assert main(["manage"]) == 2
    assert "name a management command" in capsys.readouterr().err


def test_serve_refuses_a_port_in_use(capsys, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", "--port", str(port), "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"port {port}" in err and "Traceback" not in err


def test_bad_port_is_a_usage_error(capsys):
    assert main(["serve", "--port", "70000"]) == 2
    assert "65535" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_on_a_fresh_data_dir_creates_the_database_loads_demo_data_and_serves(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qamqor", "serve", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        out = "".join(lines)
        assert f"http://127.0.0.1:{port}/api/docs/" in out, out
        assert "astana-officer" in out and "qamqor-demo" in out and "recipient-aliya" in out
        assert (tmp_path / "data" / "qamqor.sqlite3").exists()
        for _ in range(50):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/?lang=en", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "Demo log-ins" in body
        schema = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/", timeout=10).read().decode()
        assert "openapi" in schema
    finally:
        stop(proc, signal.SIGINT, timeout=30)
    assert proc.returncode == 0
