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


# --- a lean HTTP/1.1 load client ---------------------------------------------------------------------------
# The load shares the two cores with the server and PostgreSQL, so what the client spends per request
# is taken from the server: `http.client` spent ~0.4 ms per submission (building headers, parsing the
# answer with the email parser). This client sends a request prepared as bytes on a kept-alive
# connection and reads the answer by its Content-Length, as load tools such as wrk do.


def request_bytes(method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


class KeepAliveClient:
    """One kept-alive connection to 127.0.0.1:`port`; `send(request) -> (status, body)`."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port, self.timeout = port, timeout
        self.sock: socket.socket | None = None
        self.buf = b""

    def _recv(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buf += chunk

    def send(self, request: bytes) -> tuple[int, bytes]:
        try:
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.buf = b""
            self.sock.sendall(request)
            while (end := self.buf.find(b"\r\n\r\n")) < 0:
                self._recv()
            head = self.buf[:end].decode("latin-1").split("\r\n")
            status, length = int(head[0].split(" ", 2)[1]), None
            for line in head[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding" or (name == "connection" and "close" in value.lower()):
                    length = None  # not what this client reads: start again on a new connection
                    break
            if length is None:
                raise ConnectionError("no Content-Length on a kept-alive answer")
            stop = end + 4 + length
            while len(self.buf) < stop:
                self._recv()
            body, self.buf = self.buf[end + 4 : stop], self.buf[stop:]
            return status, body
        except (OSError, ValueError):
            self.close()
            return 0, b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""


# The provider's office takes applications Mon–Fri 9:00–18:30 only (issue 11, `003` annex 2 row 7): a
# counter submission the bench made at night would be refused. The bench server then starts through
# `office_clock` (its WSGI entry with the clock moved to a working Monday 10:00 by time-machine,
# ticking); the raw-insert baseline and PostgreSQL keep the real clock.
def office_hours_server(command: list[str], env: dict) -> tuple[list[str], dict]:
    """(command, env) of the bench's web server: unchanged while the provider's office is open now,
    else served through `office_clock` in office hours."""
    import datetime as dt

    from qamqor.catalog import active_catalog

    version = active_catalog().service("parent-meeting-permission").versions[-1]
    if version.office_schedule("provider").is_open(dt.datetime.now(dt.UTC)):
        return command, env
    from office_clock import MOMENT

    print(f"(the office is closed now: the bench server's clock starts at {MOMENT:%d.%m.%Y %H:%M} Almaty)")
    bench_dir = os.path.dirname(os.path.abspath(__file__))
    path = os.pathsep.join(p for p in (bench_dir, env.get("PYTHONPATH", "")) if p)
    app = command[-1].replace("qamqor.project.wsgi:", "office_clock:")  # the same application object
    return [*command[:-1], app], {**env, "PYTHONPATH": path, "OFFICE_CLOCK": "1"}
