"""Structured logs: one JSON object per line, each carrying the request id (issue 15).

`EdgeMiddleware` (api.middleware) sets the request id of the request being served; every record
logged while it runs — Django's `django.request` errors and warnings included — is written with it,
so the `X-Request-Id` a client quotes finds the server's lines. A traceback stays inside the one line
(JSON escapes its newlines).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging

import orjson

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("qamqor_request_id", default="")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        rid = getattr(record, "request_id", "")
        if rid:
            entry["request_id"] = rid
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            entry["method"] = request.method
            entry["path"] = getattr(request, "path", "")
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()
