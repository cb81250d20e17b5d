"""The portal's one write of its own: filing the recipient's draft (`drafts`) as an application.

`apply` calls the same step the API's submission calls (`cases.actions.submit`, channel portal: the
system accepts at once, `002_eefeb2ec619131ea.txt` annex 11 §7) with the draft's key as the
idempotency key — a repeated click or a retry returns the same application — and attaches the
draft's scans to it through `cases.actions.issuing.attach_upload` (checked again by content, stored
for `application:<id>`), all in one transaction: a refusal leaves nothing behind and the draft as
it was. Then, with the consent the application carries, the registries are asked for what they
hold (`actions.ask_registries_on_filing`, decision 0029)."""

from __future__ import annotations

import io

from django.db import transaction

from qamqor.cases import actions
from qamqor.cases.actions.intake import person_on_record
from qamqor.cases.actions.issuing import attach_upload
from qamqor.portal import drafts, questionnaire


class _Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def apply(draft: dict, *, slug: str, user, provider, at=None):
    """File the draft for `user` → `cases.actions.Submission`. Raises what `submit` and
    `attach_upload` raise (`CaseError`, `ServiceNotAvailable`, `ValidationError`, `UploadRejected`)."""
    from qamqor.documents import storage
    from qamqor.documents.models import Upload

    with transaction.atomic():
        applicant = person_on_record(user.iin, user.last_name or "-", user.first_name or "-")
        children = []
        if draft.get("child"):
            c = draft["child"]
            children.append(person_on_record(c["iin"], c["last_name"], c["first_name"]))
        submitted = actions.submit(
            service_slug=slug,
            channel=drafts.CHANNEL,
            applicant=applicant,
            children=children,
            provider=provider,
            actor=user,
            at=at,
            facts=questionnaire.nested(draft.get("facts") or {}),
            consent=bool(draft.get("consent")),
            idempotency_key=f"portal-draft-{draft['key']}",
        )
        case = submitted.case
        for code, ref in sorted(draft["uploads"].items()):
            upload = Upload.objects.get(pk=ref["id"], owner_ref=drafts.owner(draft))
            data = storage.read(upload.storage_name)
            attach_upload(case, actor=user, code=code, fileobj=_Named(data, upload.original_name), at=at)
    if not submitted.replayed:
        actions.ask_registries_on_filing(case, at=at)
    return submitted
