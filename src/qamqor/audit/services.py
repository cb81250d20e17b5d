"""Writing the personal-data access log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from qamqor.audit.chain import append
from qamqor.audit.models import PersonalDataAccess


def log_reads(
    actor,
    *,
    subjects: Iterable[tuple[str, str]],
    purpose: str,
    case_id=None,
    case_number="",
    at: dt.datetime | None = None,
) -> list[PersonalDataAccess]:
    """One row per subject (iin, kind) read by `actor` (None = the system)."""
    at = at or timezone.now()
    role = getattr(actor, "role", None) or "system"
    rows = [
        PersonalDataAccess(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_role=role,
            subject_iin=iin,
            subject_kind=kind,
            case_id=case_id,
            case_number=case_number or "",
            purpose=purpose[:120],
            at=at,
        )
        for iin, kind in subjects
    ]
    with transaction.atomic():  # the rows and their links together (decision 0019)
        rows = PersonalDataAccess.objects.bulk_create(rows)
        append(rows)
    return rows
