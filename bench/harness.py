"""Shared by the HTTP benchmarks (intake.py, automated.py): ports, start-up wait, CPU per request."""

from __future__ import annotations

import http.client
import os
import socket
import time

# --- CPU per request (Linux /proc), to say where the time goes ------------------------------------------


def _cpu_seconds(pid: int) -> float:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pid: int | None) -> dict[str, float]:
    """CPU seconds so far of the web server (master and workers), of every PostgreSQL process on
    the machine (other databases' work included, if any), and of this script's finished children
    (the load processes)."""
    out = {"server": 0.0, "postgres": 0.0, "load": 0.0}
    if not os.path.isdir("/proc"):
        return out
    if server_pid:
        try:
            kids = open(f"/proc/{server_pid}/task/{server_pid}/children").read().split()
        except OSError:
            kids = []
        out["server"] = sum(_cpu_seconds(int(p)) for p in [server_pid, *kids])
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if open(f"/proc/{name}/comm").read().strip() == "postgres":
                    out["postgres"] += _cpu_seconds(int(name))
            except OSError:
                pass
    t = os.times()
    out["load"] = t.children_user + t.children_system
    return out


def cpu_per_request(before: dict, after: dict, n: int) -> str:
    if n <= 0:
        return ""
    parts = [f"{k} {(after[k] - before[k]) / n * 1000:.2f}" for k in ("server", "postgres", "load")]
    return "CPU ms/request: " + ", ".join(parts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the web server did not start")
