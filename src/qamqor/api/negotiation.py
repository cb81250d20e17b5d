"""DRF's content negotiation with a shortcut for the usual API call (settings.REST_FRAMEWORK).

Parsing the `Accept` header and matching it against every renderer was ~5 % of the server's CPU on
the hot paths, while nearly every API client sends no `Accept`, `*/*`, or the JSON media type. For
exactly those (and no `?format=` / format suffix) the answer is the one DRF gives: the first
renderer, with its media type; anything else goes to `DefaultContentNegotiation`.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if renderers and not format_suffix and not request.META.get("QUERY_STRING"):
            first = renderers[0]
            accept = request.META.get("HTTP_ACCEPT", "*/*")
            if accept == "*/*" or accept == first.media_type:
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)


# --- request bodies ---------------------------------------------------------------------------------

JSON_MAX_DEPTH = 32  # objects and arrays nested deeper than this are refused (issue 15)


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def check_json_value(value, max_depth: int = JSON_MAX_DEPTH) -> None:
    """Raise ParseError when `value` nests deeper than `max_depth` or holds a NUL character (which
    PostgreSQL refuses in text and in jsonb). Iterative: no recursion however deep the input."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise exceptions.ParseError(_("Text may not contain a NUL character."), code="nul_character")
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise exceptions.ParseError(
                    _("JSON nested deeper than %(n)d levels.") % {"n": max_depth}, code="too_deep"
                )
            if isinstance(item, dict):
                for k, v in item.items():
                    if "\x00" in k:
                        raise exceptions.ParseError(
                            _("Text may not contain a NUL character."), code="nul_character"
                        )
                    stack.append((v, depth + 1))
            else:
                stack.extend((v, depth + 1) for v in item)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with bounds: the body at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413; the
    stream is read no further), nesting at most JSON_MAX_DEPTH, no NUL in any string (400). Parsed
    by orjson, which refuses NaN/Infinity and lone surrogates as DRF's strict parser refuses NaN, and
    fails cleanly (instead of a RecursionError) on any depth."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise BodyTooLarge()
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        check_json_value(data)
        return data
