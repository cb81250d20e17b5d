"""The bench's API clients (`crash.py`): one request, the same request again with the same key until
the server answers something other than 5xx, the officer's decision and a case's status."""

from __future__ import annotations

import http.client
import json
import threading
import time

RETRYABLE = {429, 500, 502, 503, 504}


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: dict[str, dict] = {}  # idempotency key → {id, number}
        self.decided: set[int] = set()
        self.retries = 0
        self.refused: list[str] = []


def call(port, method, path, token, body=None, key=None, if_match=None):
    headers = {
        "Authorization": f"Token {token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    if key:
        headers["Idempotency-Key"] = key
    if if_match is not None:
        headers["If-Match"] = f'"{if_match}"'
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers
        )
        r = conn.getresponse()
        data = r.read()
        etag = r.getheader("ETag")
        return r.status, (json.loads(data) if data else None), etag
    finally:
        conn.close()


def until_done(stats, port, method, path, token, body=None, key=None, if_match=None, stop=None):
    """The request again, with the same key, until the server answers something other than 5xx."""
    while True:
        try:
            status, data, etag = call(port, method, path, token, body, key, if_match)
        except (OSError, http.client.HTTPException):
            status, data, etag = None, None, None
        if status is not None and status not in RETRYABLE:
            return status, data, etag
        with stats.lock:
            stats.retries += 1
        if stop is not None and stop.is_set():
            return status, data, etag
        time.sleep(0.3)


def decide_case(stats, port, token, case_id, key, version, findings) -> bool:
    body = {"findings": findings, "evidence": {k: "Examined at the counter: bench" for k in findings}}
    path = f"/api/v1/applications/{case_id}/actions/decide/"
    status, data, _etag = until_done(stats, port, "POST", path, token, body, f"{key}-decide", version)
    if status not in (200, 201):
        with stats.lock:
            stats.refused.append(f"decide {status}: {str(data)[:200]}")
        return False
    with stats.lock:
        stats.decided.add(case_id)
    return True


def case_status(stats, port, token, case_id):
    """(status, version) of a case, or (None, None) while the server is down."""
    status, data, etag = until_done(stats, port, "GET", f"/api/v1/applications/{case_id}/", token)
    if status != 200:
        return None, None
    return data["status"], int(etag.strip('"')) if etag else data["version"]
