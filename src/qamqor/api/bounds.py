"""Bounds of what the API stores (issue 15): list lengths, the facts document, names, dates.

Operational limits, not law: they stop a body that no real application has (a thousand children,
megabytes of facts, right-to-left overrides in a name) before anything is stored. Where the law
limits what a service takes (e.g. the children a service allows), the case layer applies it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import orjson
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from qamqor.api.negotiation import check_json_value

MAX_CHILDREN = 10
MAX_DOCUMENTS = 50
MAX_LIST_ITEMS = 50
FACTS_MAX_BYTES = 64 * 1024  # the facts document as compact JSON
FACTS_MAX_DEPTH = 8
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def _refused(ch: str) -> bool:
    """Control characters (Cc), format characters (Cf: bidi overrides and isolates, zero-width
    space/joiners, BOM), line and paragraph separators, and unassigned or private-use code points."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def clean_text(value: str) -> str:
    """The text in NFC; refused (400) when it holds a control, bidi or zero-width character."""
    if not value:
        return value
    if not value.isascii() or not value.isprintable():
        if any(_refused(ch) for ch in value):
            raise serializers.ValidationError(
                _("Remove control, direction-changing and invisible characters."), code="invisible_character"
            )
        value = unicodedata.normalize("NFC", value)
    return value


def clean_name(value: str) -> str:
    return clean_text(value)


def plausible_date(value: dt.date | None) -> dt.date | None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise serializers.ValidationError(
            _("Enter a date between %(first)s and %(last)s.")
            % {"first": EARLIEST_DATE.strftime("%d.%m.%Y"), "last": LATEST_DATE.strftime("%d.%m.%Y")},
            code="implausible_date",
        )
    return value


def bounded_json(value):
    """A JSON document (facts, findings) within FACTS_MAX_BYTES and FACTS_MAX_DEPTH, else 400."""
    try:
        check_json_value(value, max_depth=FACTS_MAX_DEPTH)
    except exceptions.ParseError as exc:
        raise serializers.ValidationError(str(exc.detail), code=exc.detail.code) from None
    try:
        size = len(orjson.dumps(value))
    except TypeError:  # pragma: no cover - a parsed JSON body always serialises
        size = FACTS_MAX_BYTES + 1
    if size > FACTS_MAX_BYTES:
        raise serializers.ValidationError(
            _("At most %(n)d KB of data.") % {"n": FACTS_MAX_BYTES // 1024}, code="too_large"
        )
    return value
