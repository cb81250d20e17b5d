"""Errors of the front office. `str(exc)` is the message in the active language; `code` a stable
reason; `details` what the caller may show (the next opening, its schedule and clause, the same
message in kk / ru / en under `texts`)."""

from __future__ import annotations


class FrontOfficeError(Exception):
    def __init__(self, message, *, code: str, details: dict | None = None):
        super().__init__(message)
        self.message, self.code, self.details = message, code, details or {}

    def __str__(self) -> str:
        return str(self.message)
