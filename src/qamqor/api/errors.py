"""Error responses of the API, in the language of `Accept-Language` (kk by default, ru, en).

Every error body has the same shape::

    {"code": "<stable machine code>", "detail": "<translated message>", "errors": {field: [messages]}}

`errors` is present for 400 responses with field errors. The domain's exceptions are mapped here:
illegal move → 409, role not allowed → 403 (checked before illegal move, its base class), concurrent update → 409, access denied → 404 (an
application someone may not see is reported as absent), service not available → 400.
An oversized body → 413; a log-in locked out by django-axes → 429 (api.views.ObtainToken).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from qamqor.api.negotiation import BodyTooLarge


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("This action changes the application: send its version in the If-Match header.")
    default_code = "precondition_required"


class VersionConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The application was changed by someone else. Reload it and try again.")
    default_code = "concurrent_update"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for a different request.")
    default_code = "idempotency_key_reused"


class IllegalMove(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This action is not allowed in the application's current status.")
    default_code = "illegal_transition"


class CaseRefused(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The rules do not allow this.")
    default_code = "refused"


class UnknownAction(exceptions.NotFound):
    default_detail = _("There is no such action.")
    default_code = "unknown_action"


class ServiceUnavailableForApplication(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("This service cannot be applied for.")
    default_code = "service_not_available"


class LoginLockedOut(exceptions.Throttled):
    default_detail = _("Too many failed log-ins. Try again later.")
    default_code = "locked_out"


NOT_FOUND = _("Not found.")
INVALID = _("The request has errors; see the fields.")


def _domain_exception(exc):
    """Translate a case-domain exception into an APIException (or None)."""
    try:
        from qamqor.cases import exceptions as ce
    except ImportError:  # pragma: no cover - the domain is always installed
        return None
    if not isinstance(exc, ce.CaseError):
        return None
    message = str(exc)
    field_errors = getattr(exc, "field_errors", None)
    if field_errors:  # facts refused: reported field by field, as every other 400 with field errors
        return exceptions.ValidationError({f"facts.{k}": [str(v)] for k, v in field_errors.items()})
    if isinstance(exc, ce.ConcurrentUpdate):
        return VersionConflict(message or None)
    if isinstance(exc, ce.AccessDenied):
        return exceptions.NotFound(NOT_FOUND, code="not_found")
    if isinstance(exc, ce.RoleNotAllowed):
        return exceptions.PermissionDenied(message or None, code=exc.code)
    if exc.code == "idempotency_key_reused":
        return IdempotencyKeyReused(message or None)
    if isinstance(exc, ce.IllegalTransition):
        return IllegalMove(message or None, code=exc.code)
    if isinstance(exc, ce.ServiceNotAvailable):
        return ServiceUnavailableForApplication(message or None, code=exc.code)
    # the rules refuse what was asked (a fact from a source the law does not accept, a decision the
    # gate does not allow, an incomplete package): the request is wrong, nothing changed
    return CaseRefused(message or None, code=exc.code)


def _django_validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        )
    return exceptions.ValidationError({"non_field_errors": [str(m) for m in exc.messages]})


def _codes(detail):
    if isinstance(detail, dict):
        return {k: _codes(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_codes(v) for v in detail]
    return getattr(detail, "code", None)


def exception_handler(exc, context):
    mapped = _domain_exception(exc)
    extra = None
    if mapped is not None:
        extra = getattr(exc, "details", None) or None
        if isinstance(mapped, exceptions.ValidationError) and getattr(exc, "code", None):
            extra = {"reason": exc.code, **(extra or {})}
        exc = mapped
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        exc = BodyTooLarge()
    elif isinstance(exc, DjangoValidationError):
        exc = _django_validation(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": "invalid", "detail": str(INVALID), "errors": errors}
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        code = getattr(exc.detail, "code", None) or exc.default_code
        body = {"code": code, "detail": str(detail)}
    if extra:
        body["details"] = extra
    response.data = body
    return response
