"""One idempotency mechanism for every POST: the `Idempotency-Key` header, scoped to its user and
to what is asked, stored as a fixed-length digest (so no key is ever cut to fit a column).

A retry with the same key and the same scope answers with what the first request did; the same key
for a different request is refused by the step that finds it (`idempotency_key_reused`).
"""

from __future__ import annotations

import hashlib
import re

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_LENGTH = 100
PRINTABLE = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII, no spaces or control characters


def key_for(request, scope: str) -> str | None:
    """The stored key of this request in `scope` (e.g. "submit", "case:12:decide"), or None when the
    client sent none; a malformed header is a 400."""
    raw = request.META.get(HEADER, "").strip()
    if not raw:
        return None
    if len(raw) > MAX_LENGTH or not PRINTABLE.match(raw):
        raise exceptions.ValidationError(
            {"Idempotency-Key": [_("At most 100 visible ASCII characters.")]}, code="invalid"
        )
    user = getattr(request.user, "pk", None) or "anonymous"
    return hashlib.sha256(f"{user}\x1f{scope}\x1f{raw}".encode()).hexdigest()
