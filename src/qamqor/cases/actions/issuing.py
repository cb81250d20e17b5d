"""The documents a step of a case produces, issued inside the step's own move.

A step that ends in a document (the result, the State Corporation's receipts, the notice of the
preliminary refusal, the hearing record) passes `document_guard(step, …)` to `move_case`: inside the
case's lock and transaction, after the step's own checks, the context is built from the case
(names, IINs, addresses, children, office and officer, grounds with their clauses, dates), the kind is
chosen from `documents/kinds.yaml` (`issued_at`: step, service, procedure text, result code), and
`documents.services.issue` renders, signs with the issuing organisation's key (the provider's; the
State Corporation office's for its receipts) and stores it. The event's payload carries the
document's sha256 and short code; a rolled-back move leaves no document row. A retried step (the
same idempotency key) replays the first event and issues nothing; issuing the same context again
returns the first document byte for byte.

A result the system decided with no official (a fully automated service, `automated.py`) is signed
with the provider's key like any other; the document names the information system where an officer's
name would stand and says that it was decided automatically (the decision's own `decided_automatically`
reason, in the document's language).

A permission's or referral's period is what the official fills on the form (`particulars`); when
none is given the document is still made, the period's blanks left empty (as on the paper form) and
no validity bounds recorded. Where the case does not hold what a document cannot do without (a
required field of `kinds.yaml`), the move is still made and the payload says which fields were
missing (`document.not_made`): nothing is invented. Submission never issues anything (the intake
path stays free of rendering).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions.common import local_date, version_of
from qamqor.cases.models import Application, CaseEvent, Decision
from qamqor.cases.transitions import Status

OWNER_PREFIX = "application:"
# what an official may fill on the result that the case itself does not hold (the form's blanks)
PARTICULARS = ("period", "camp", "allowance", "conditions", "guardianship")
NO_POSITION = _("The recipient did not state a position.")
HEARING_OUTCOME = _("The position heard is taken into account in the decision on the application.")


def particulars_of(*, period_from=None, period_until=None, camp_name: str = "", camp_address: str = ""):
    """The official's particulars of a result as `issue_result` takes them (None: none given), from
    the fields of the API's body or the back office's form; a half or reversed period raises
    `ValidationError` on `period_until`."""
    from django.core.exceptions import ValidationError

    if (period_from is None) != (period_until is None):
        raise ValidationError(
            {"period_until": _("Give both the first and the last day of the period.")}, code="period"
        )
    if period_from is not None and period_until < period_from:
        raise ValidationError({"period_until": _("The period cannot end before it starts.")}, code="period")
    out = {}
    if period_from is not None:
        out["period"] = {"from": period_from, "until": period_until}
    if camp_name:
        out["camp"] = {"name": camp_name, "address": camp_address or ""}
    return out or None


def owner_ref(case: Application) -> str:
    return f"{OWNER_PREFIX}{case.pk}"


def language_of(case: Application) -> str:
    """The recipient's language as their account gives it (kk or ru: the forms' languages), else
    Kazakh (`documents.registry.DEFAULT_LANGUAGE`)."""
    from qamqor.accounts.models import User
    from qamqor.documents.registry import DEFAULT_LANGUAGE, LANGUAGES

    lang = (
        User.objects.filter(iin=case.applicant.iin, role="recipient")
        .values_list("language", flat=True)
        .first()
    )
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _person_name(user) -> str:
    if user is None:
        return ""
    return " ".join(p for p in (user.last_name, user.first_name) if p) or user.username


def _officer(user, lang: str) -> dict:
    from qamqor.accounts.models import Role

    if user is None:
        return {}
    with translation.override(lang):
        position = str(Role(user.role).label) if user.role in Role.values else ""
    return {"name": _person_name(user), "position": position}


def _names(version, codes, lang: str) -> list[str]:
    """The documents' names as the definition gives them in `lang` (the code where it has none)."""
    by_code = {d.code: d.name.get(lang) for d in version.documents}
    return [by_code.get(c) or c for c in codes]


def _grounds(version, grounds: list[dict], lang: str) -> list[dict]:
    """Each fired ground in the definition's words with its clause (and the official's evidence)."""
    text_of = {g.code: g.text.get(lang) for g in version.grounds}
    out = []
    for g in grounds:
        text = text_of.get(g.get("code")) or (g.get("explanation") or {}).get(lang, g.get("code", ""))
        if g.get("reason"):
            text = f"{text} — {g['reason']}"
        c = g.get("citation") or {}
        out.append({"text": text, "citation": f"{c.get('source', '')} {c.get('clause', '')}".strip()})
    return out


def grounds_context(version, grounds: list[dict], lang: str) -> list[dict]:
    """The grounds as a document states them (the complaints app's answer uses the same words)."""
    return _grounds(version, grounds, lang)


def base_context(case: Application, lang: str, at: dt.datetime, officer) -> dict:
    version = version_of(case)
    a = case.applicant
    return {
        "organisation": {"name": case.provider.name(lang)},
        "officer": _officer(officer, lang),
        "recipient": {"name": a.full_name, "iin": a.iin, "address": a.address, "phone": a.phone},
        "children": [
            {"name": c.full_name, "iin": c.iin, "birth_date": c.birth_date}
            for c in case.children.order_by("id")
        ],
        "service": {"name": version.names.get(lang)},
        "issued_on": local_date(at),
        "number": case.number,
    }


def _office(case: Application, lang: str) -> dict:
    office = case.office
    return {
        "organisation": {"name": office.name(lang)},
        "office": {"number": office.number, "address": office.address},
    }


def _last_decision(case: Application) -> Decision | None:
    return case.decisions.order_by("-decided_at", "-id").first()


def context_for(
    step: str, case: Application, *, lang: str, at: dt.datetime, actor, info: Mapping
) -> tuple[dict, str]:
    """(context, issuing organisation's code) of the document `step` makes for `case`; `info`: what
    the step knows besides the case (the guard's findings, the hearing, the official's particulars)."""
    version = version_of(case)
    if step == "refuse_to_accept":
        ctx = base_context(case, lang, at, actor) | _office(case, lang)
        ctx["missing_documents"] = _names(
            version, [c for c in info.get("missing_documents", ()) if c != "consent"], lang
        )
        ctx["expired_documents"] = _names(version, info.get("expired_documents", ()), lang)
        ctx["executor"] = {"name": _person_name(actor)}
        return ctx, case.office.code
    if step == "accept_at_front_office":
        ctx = base_context(case, lang, at, actor) | _office(case, lang)
        codes = ["application"] + list(dict.fromkeys(case.documents.values_list("code", flat=True)))
        ctx["accepted_documents"] = _names(version, codes, lang)
        if case.due_date:
            ctx["result_due"] = case.due_date
        return ctx, case.office.code
    if step == "issue_preliminary_refusal":
        ctx = base_context(case, lang, at, actor)
        ctx["grounds"] = _grounds(version, info["grounds"], lang)
        ctx["hearing"] = {"at": info["hearing_at"], "place": info["hearing_place"]}
        return ctx, case.provider.code
    if step == "hold_hearing":
        ctx = base_context(case, lang, at, actor)
        position = info.get("position") or ""
        participants = ([ctx["recipient"]["name"]] if position else []) + [ctx["officer"].get("name", "")]
        with translation.override(lang):
            ctx["hearing"] = {
                "at": case.hearing_at or at,
                "place": case.hearing_place,
                "participants": [p for p in participants if p],
                "statements": [position or str(NO_POSITION)],
                "outcome": str(HEARING_OUTCOME),
            }
        return ctx, case.provider.code
    if step == "issue_result":
        decision = _last_decision(case)
        officer = actor if actor is not None else getattr(decision, "decided_by", None)
        ctx = base_context(case, lang, at, officer)
        if officer is None and decision is not None and (decision.evaluation or {}).get("automated"):
            from qamqor.documents.services import automated_issuer

            ctx.update(automated_issuer(decision.reasons.get("decided_automatically") or {}, lang))
        if case.outcome == "refused" and decision is not None:
            ctx["grounds"] = _grounds(version, decision.grounds, lang)
            if case.events.filter(action="hold_hearing").exists() and case.hearing_at:
                ctx["hearing"] = {"at": case.hearing_at, "place": case.hearing_place}
        ctx.update({k: v for k, v in (info.get("particulars") or {}).items() if k in PARTICULARS})
        return ctx, case.provider.code
    raise ValueError(f"no document context for the step {step!r}")


def result_code(case: Application) -> str | None:
    """The catalogue's result code of the case's outcome (the definition's `results`)."""
    codes = [r.code for r in version_of(case).results]
    if case.outcome == "refused":
        return "motivated_refusal" if "motivated_refusal" in codes else None
    return next((c for c in codes if c != "motivated_refusal"), None)


def issue_document(
    step: str, case: Application, *, at: dt.datetime, actor, info: Mapping | None = None
) -> dict:
    """Issue the document of `step` for `case` (see the module docstring) → the event payload's part:
    `{"document": {kind, lang, sha256, code, id}}`, `{"document": {kind, not_made: [fields]}}` when the
    case lacks what it must say, `{}` when the step makes no document for this service."""
    from qamqor.documents import registry, rendering, services

    info = dict(info or {})
    kind = registry.kind_for(
        step,
        service=case.service_slug,
        procedure=case.procedure_source,
        result=result_code(case) if step == "issue_result" else None,
    )
    if kind is None:
        return {}
    lang = language_of(case)
    context, organisation = context_for(step, case, lang=lang, at=at, actor=actor, info=info)
    try:
        rendering.check_context(kind, context)
    except rendering.ContextError as exc:
        return {"document": {"kind": kind.code, "lang": lang, "not_made": exc.missing}}
    doc = services.issue(kind.code, lang, context, organisation, owner_ref(case), now=at)
    return {
        "document": {
            "kind": doc.kind,
            "lang": doc.lang,
            "sha256": doc.sha256,
            "code": doc.display_code,
            "id": doc.pk,
        }
    }


def document_guard(
    step: str, *, actor, info: Mapping | None = None, before: Callable | None = None
) -> Callable:
    """A `move_case` guard: `before`'s checks and payload first, then the step's document (its
    context sees `before`'s payload: the missing documents, the grounds)."""

    def guard(locked, at, transition):
        extra = dict(before(locked, at, transition) or {}) if before is not None else {}
        return {**extra, **issue_document(step, locked, at=at, actor=actor, info={**(info or {}), **extra})}

    return guard


def documents_of(case: Application):
    """The documents issued for the case, oldest first."""
    from qamqor.documents.models import IssuedDocument

    return IssuedDocument.objects.filter(owner_ref=owner_ref(case)).order_by("id")


def document_events(case: Application) -> list[CaseEvent]:
    """The events of the case whose payload names an issued document."""
    return [e for e in case.events.order_by("seq") if (e.payload or {}).get("document", {}).get("sha256")]


# --- uploads: scans the completeness check counts --------------------------------------------------

# a recipient attaches scans until the package is checked (`003_4cf6e905af0d21d2.txt` §7: the
# completeness check is made on the documents received); staff attach them until the decision
BEFORE_COMPLETENESS = (Status.SUBMITTED, Status.REGISTERED, Status.IN_TRANSIT, Status.AT_PROVIDER)


def _not_found_in_registry(case: Application, code: str, at: dt.datetime) -> bool:
    """The registry the definition names for `code` answered it holds no record: the document is then
    the applicant's to bring (the requirements lists' "when the IS has no record"), and the recipient
    may attach it until the decision, since nobody could ask for it before the registry answered (the
    texts give no term for it: decision 0029)."""
    from qamqor.cases.actions.gate import missing_documents

    return any(
        d["code"] == code and d["state"] == "not_found" for d in missing_documents(case, at=at).from_registry
    )


def attach_upload(case: Application, *, actor, code: str, fileobj, at: dt.datetime | None = None):
    """A scan of the document `code` (a document of the case's pinned version for its channel),
    checked and stored by `documents.uploads.accept_upload`, recorded as the case's `Document` (source
    uploaded, its sha256 linking the stored `Upload` of this case) that `gate.missing_documents`
    counts. `UploadRejected` (nothing stored, the case unchanged) for a refused file; `CaseError` for
    a code the service does not ask for; `RoleNotAllowed` outside the actor's cases or steps."""
    from django.db import transaction

    from qamqor.cases.actions.common import now
    from qamqor.cases.actions.moves import check_scope
    from qamqor.cases.exceptions import CaseError, RoleNotAllowed
    from qamqor.cases.models import Document, DocumentSource
    from qamqor.cases.transitions import OPERATOR, PROVIDER_STAFF, RECIPIENT, WITHDRAWABLE
    from qamqor.documents.uploads import accept_upload

    at = now(at)
    role = getattr(actor, "role", None)
    if role not in (RECIPIENT, OPERATOR, *PROVIDER_STAFF):
        raise RoleNotAllowed(
            _("Only the applicant or the staff handling the case attach documents."), code="uploader"
        )
    check_scope(case, actor, role)
    if (
        role == RECIPIENT
        and case.status not in BEFORE_COMPLETENESS
        and not _not_found_in_registry(case, code, at)
    ):
        raise RoleNotAllowed(
            _("Documents can be attached only until the package is checked for completeness."),
            code="after_completeness",
        )
    if case.status not in WITHDRAWABLE:
        raise RoleNotAllowed(_("Documents can be attached only before the decision."), code="after_decision")
    asked = {d.code for d in version_of(case).documents if case.channel in d.channels}
    if code not in asked:
        raise CaseError(
            _("The service does not ask for the document “%(code)s” on this channel.") % {"code": code},
            code="unknown_document",
            details={"documents": sorted(asked)},
        )
    with transaction.atomic():
        upload = accept_upload(fileobj, owner_ref(case), uploaded_by=actor)
        doc, _created = Document.objects.get_or_create(
            application=case,
            code=code,
            sha256=upload.sha256,
            defaults={
                "source": DocumentSource.UPLOADED,
                "filename": upload.original_name,
                "received_at": at,
            },
        )
    return doc
