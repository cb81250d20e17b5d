"""Middleware of the project, lighter on the REST API.

`MessageMiddleware`: Django's, skipped under `/api/`. Flash messages are a browser-session feature that
no API view reads or writes; building the message storage (a signed-cookie store and a session store)
on every API call was ~1.5 % of the server's CPU on the hot paths. Elsewhere it runs unchanged.

`EdgeMiddleware`: what every request passes on its way in and out (issue 15):

- a request id (the client's `X-Request-Id` when it is a short token, else a new one), echoed in the
  `X-Request-Id` response header and written on every log line of the request (`project.logs`);
- under `/api/`: request checks that no view should have to repeat — a body larger than
  `DATA_UPLOAD_MAX_MEMORY_SIZE` is 413 before it is read, a NUL in the query string (PostgreSQL
  refuses it in a text value) or a malformed `Idempotency-Key` / `If-Match` header is 400;
- under `/api/`: every 4xx and 5xx answered in the API's JSON error shape (`api.errors`) whatever
  the `Accept` header and whoever produced it (Django's own 404/400/500 pages, DRF's browsable
  renderer), so a client never has to parse HTML;
- in demo mode (settings.QAMQOR_DEMO) an `X-Qamqor-Demo: 1` header on every response.
"""

from __future__ import annotations

import re
import uuid

import orjson
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as _DjangoMessageMiddleware
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from qamqor.project.logs import REQUEST_ID

API_PREFIX = "/api/"

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# An idempotency key: printable ASCII, 1-100 characters (the narrowest column that stores one, with
# the user's id prefixed, is 120 wide: cases.Application and databank.CertificateRequest).
IDEMPOTENCY_KEY_MAX = 100
_IDEMPOTENCY_RE = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,98}[\x21-\x7e])?$")  # 1-100 characters
# If-Match: one entity tag as the API sends it (`"7"`, weak form allowed) or `*`, bounded.
_IF_MATCH_RE = re.compile(r'^\s*(?:\*|(?:W/)?"?\d{1,18}"?)\s*$')

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def _status_detail(code: int) -> str:
    messages = {
        400: _("The request is malformed."),
        403: _("You do not have permission to perform this action."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request body is too large."),
        429: _("Too many requests; try again later."),
    }
    if code in messages:
        return messages[code]
    if code >= 500:
        return _("A server error occurred. It has been logged; quote the request id.")
    return _("The request cannot be served.")


def error_response(status: int, code: str, detail: str, errors: dict | None = None, **extra) -> HttpResponse:
    body = {"code": code, "detail": str(detail), **extra}
    if errors:
        body["errors"] = errors
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _as_json_error(response, request_id: str):
    """The response in the API's error shape (kept as is when it already is JSON); a server error
    names its request id, which finds its log lines."""
    if _is_json(response):
        return response
    data = getattr(response, "data", None)
    status = response.status_code
    if isinstance(data, dict) and "code" in data and "detail" in data:
        new = error_response(status, str(data["code"]), str(data["detail"]), data.get("errors"))
    else:
        code = _STATUS_CODES.get(status, "server_error" if status >= 500 else "error")
        extra = {"request_id": request_id} if status >= 500 else {}
        new = error_response(status, code, _status_detail(status), **extra)
    new._has_been_logged = getattr(response, "_has_been_logged", False)  # one log line per event
    for header in ("Allow", "WWW-Authenticate", "Retry-After", "Content-Language", "Vary"):
        if header in response:
            new[header] = response[header]
    return new


def _check_request(request):
    """The 400/413 of a request that must not reach a view (in the request's language), or None."""
    with translation.override(translation.get_language_from_request(request)):
        return _refusal(request)


def _refusal(request):
    meta = request.META
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return error_response(400, "bad_request", _("The Content-Length header is not a number."))
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return error_response(
            413, "request_too_large", _("The request body is too large (at most %(n)d bytes).") % {"n": limit}
        )
    query = meta.get("QUERY_STRING", "")
    if query and ("%00" in query or "\x00" in query):
        return _invalid("query", _("A query parameter contains a NUL character."))
    key = meta.get("HTTP_IDEMPOTENCY_KEY")
    if key is not None and not _IDEMPOTENCY_RE.match(key):
        return _invalid("Idempotency-Key", _("Send 1 to 100 printable ASCII characters."))
    if_match = meta.get("HTTP_IF_MATCH")
    if if_match is not None and not _IF_MATCH_RE.match(if_match):
        return _invalid("If-Match", _("Send the version as given in the ETag header."))
    return None


def _invalid(field: str, message: str) -> HttpResponse:
    return error_response(400, "invalid", _("The request has errors; see the fields."), {field: [message]})


class EdgeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = given if _REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        request.request_id = rid
        REQUEST_ID.set(rid)
        if request.path_info.startswith(API_PREFIX):
            refused = _check_request(request)
            response = refused or self.get_response(request)
            if response.status_code >= 400:
                response = _as_json_error(response, rid)
        else:
            response = self.get_response(request)
        response["X-Request-Id"] = rid
        if settings.QAMQOR_DEMO:
            response["X-Qamqor-Demo"] = "1"
        return response


class MessageMiddleware(_DjangoMessageMiddleware):
    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)
