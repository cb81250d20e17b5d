"""Template context of every page: whether this is the demo (the pages then say so; issue 15)."""

from __future__ import annotations

from django.conf import settings


def mode(request) -> dict:
    return {"qamqor_demo": settings.QAMQOR_DEMO}
