"""Errors of the case domain. Messages are translatable (kk / ru / en)."""

from __future__ import annotations


class CaseError(Exception):
    """Base class. `code` is a stable machine-readable reason; `str(exc)` the translated message."""

    code = "case_error"

    def __init__(self, message, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}

    def __str__(self) -> str:
        return str(self.message)


class IllegalTransition(CaseError):
    """The move is not in the transition table for this case (nothing was changed)."""

    code = "illegal_transition"


class RoleNotAllowed(IllegalTransition):
    """The move exists but this actor (role, provider, office, or not the applicant) may not make it."""

    code = "role_not_allowed"


class DeadlinePassed(IllegalTransition):
    """The law fixes a latest (or earliest) moment for this move, and `at` is outside it."""

    code = "deadline"


class ConcurrentUpdate(CaseError):
    """The case changed since the caller read it (`expected_version` differs): map to HTTP 409."""

    code = "concurrent_update"


class AccessDenied(CaseError):
    """The user may not see this case."""

    code = "access_denied"


class ServiceNotAvailable(CaseError):
    """The service cannot be applied for: unknown, not in force, incomplete source, channel not offered."""

    code = "service_not_available"
