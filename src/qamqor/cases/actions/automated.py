"""Fully automated services: the portal application is decided by the system, with no human step.

A service whose pinned version has the form `electronic_full` ("Электрондық (толық
автоматтандырылған)", e.g. `001_9090383b8961739a.txt` annex 2 row 4 for `patronage-placement`) and is
applied for through the portal goes through the same steps and the same gate as every case:

1. filed and accepted on the portal (`intake.submit`): the recipient's declared facts are checked
   against the definition's accepted sources — a fact only a registry or the data bank may give is
   refused (400), so no recipient can declare their way to a decision;
2. the registries and the data bank are asked with the recipient's consent (`review.collect_registry_data`);
3. the judgement grounds, which no machine can examine, are recorded as not examined where the
   definition accepts that (`automation` source, an interpretation said out loud: decision 0009);
4. facts still missing → refused to accept, listing them (Law No. 88-V art. 20 p.2); otherwise the
   completeness check, review, and the decision the gate allows: granted, or the motivated refusal on
   the grounds that fire, directly (no official to hold a hearing); the result is issued to the
   personal cabinet.

A registry that does not answer parks the case; `decide_automatically` finishes it when the data are
in (`cases.wiring`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions import gate
from qamqor.cases.actions.common import in_languages, local_date, now
from qamqor.cases.actions.completeness import check_completeness
from qamqor.cases.actions.decision import JUDGEMENT_PREFIX
from qamqor.cases.actions.facts import FactRefused, record_not_examined
from qamqor.cases.actions.intake import submit, version_for_submission
from qamqor.cases.actions.moves import (
    DecisionNote,
    is_fully_automated,
    move_case,
    require_full_automation,
)
from qamqor.cases.actions.result import issue_result
from qamqor.cases.actions.review import await_registry_data, collect_registry_data, start_review
from qamqor.cases.exceptions import IllegalTransition, RoleNotAllowed, ServiceNotAvailable
from qamqor.cases.models import (
    Application,
    CaseEvent,
    Channel,
    Decision,
    DecisionKind,
    FactSource,
    Person,
)
from qamqor.cases.transitions import RECIPIENT, Status

DECIDED_AUTOMATICALLY = _(
    "Decided automatically by the information system: the service is fully automated "
    "(its standard, row 4); no official took part."
)
JUDGEMENT_NOT_EXAMINED = _(
    "Not examined: this ground needs an official's judgement and a fully automated service has no "
    "official; it is taken as not found (a limit of full automation)."
)
NO_HEARING = _(
    "Refused directly, without a hearing: a fully automated service has no official to hold one "
    "(the seeds do not say how APC art. 73 applies to fully automated services)."
)


@dataclass
class AutomatedOutcome:
    """What the automated path did: the case, its decision (None if refused to accept or waiting),
    the missing facts or documents of an incomplete application, and whether this is a replay."""

    case: Application
    decision: Decision | None = None
    missing_facts: list[str] = field(default_factory=list)
    replayed: bool = False

    @property
    def result(self) -> str:
        """grant | refuse | refused_to_accept | awaiting_registry_data"""
        if self.decision is not None:
            return "grant" if self.decision.kind == DecisionKind.GRANT else "refuse"
        if self.case.status == Status.REFUSED_TO_ACCEPT:
            return "refused_to_accept"
        return str(self.case.status)


def _not_examined(case: Application, version, at: dt.datetime) -> list[dict]:
    """Record the judgement facts no official examined as not found (where the definition accepts
    `automation` for them) and describe each for the decision."""
    out, new = [], []
    recorded = set(case.fact_rows.values_list("path", flat=True))
    for g in version.grounds:
        if not g.judgement:
            continue
        paths = {p for p, _h in g.when.facts} | {p for e in g.unless for p, _h in e.when.facts}
        for path in sorted(p for p in paths if p.startswith(JUDGEMENT_PREFIX)):
            rule = version.fact_source(path)
            if rule is None or not rule.accepts(FactSource.AUTOMATION):
                continue  # the definition does not let a machine pass over this ground: facts stay missing
            if path not in recorded:
                new.append(path)
                recorded.add(path)
            out.append(
                {
                    "item": g.item,
                    "code": g.code,
                    "fact": path,
                    "citation": g.citation.as_dict(),
                    "text": g.text.as_dict(),
                    "note": in_languages(JUDGEMENT_NOT_EXAMINED),
                }
            )
    # through the same source check as every fact (and the case's snapshot kept with them)
    record_not_examined(case, new, note=str(JUDGEMENT_NOT_EXAMINED), at=at)
    return out


def refuse_incomplete(case: Application, *, missing: Iterable[str], at=None) -> CaseEvent:
    """The electronic application lacks facts or documents: refused to accept, listing them (Law
    No. 88-V art. 20 p.2; the standard's row 8)."""
    require_full_automation(case)
    missing = sorted(set(missing))
    if not missing:
        raise ValidationError({"missing_facts": _("Name the missing facts: the refusal lists them.")})
    return move_case(
        case,
        Status.REFUSED_TO_ACCEPT,
        actor=None,
        at=at,
        action="refuse_incomplete_automated",
        payload={
            "missing_facts": missing,
            "refusal": "refusal_to_accept_incomplete_application",
            "reason": in_languages(
                _("The electronic application is incomplete: %(facts)s") % {"facts": ", ".join(missing)}
            ),
        },
    )


def decide_automatically(case: Application, *, at=None, not_examined: list | None = None) -> Decision:
    """Decide a fully automated portal case in review: the gate's grant or motivated refusal, issued
    to the personal cabinet. `NotFullyAutomated` for any other version; `IllegalTransition`
    (code needs_facts) if the recorded facts still do not decide (nothing changes)."""
    at = now(at)
    version = require_full_automation(case)
    if case.status != Status.IN_REVIEW:
        raise IllegalTransition(
            _("Only a case in review can be decided."), code="not_in_review", details={"status": case.status}
        )
    with transaction.atomic():
        if not_examined is None:
            not_examined = _not_examined(case, version, at)
        evaluation = gate.evaluate(case, at=at)[0]
        if evaluation.decision not in ("grant", "refuse"):
            raise IllegalTransition(
                _("The facts do not decide the case: %(facts)s")
                % {"facts": ", ".join(evaluation.missing_facts)},
                code="needs_facts",
                details={"missing_facts": list(evaluation.missing_facts)},
            )
        reasons = {"decided_automatically": in_languages(DECIDED_AUTOMATICALLY)}
        reasons.update({j["fact"]: j["note"] for j in not_examined})
        record = {"automated": True, "judgement_not_examined": not_examined}
        if evaluation.decision == "grant":
            event = move_case(
                case, Status.GRANTED, action="grant", actor=None, at=at, note=DecisionNote(reasons, record)
            )
        else:
            reasons["no_hearing"] = in_languages(NO_HEARING)
            event = move_case(
                case,
                Status.REFUSED,
                action="issue_automated_refusal",
                actor=None,
                at=at,
                note=DecisionNote(reasons, record),
            )
        issue_result(case, actor=None, at=at)
    return event.decision


def _person(iin: str, **names) -> Person:
    person = Person.objects.filter(iin=iin).first()
    if person is None:
        person = Person(iin=iin, **{k: v or "" for k, v in names.items()})
        person.save()
    return person


def _replay(existing: Application, applicant_iin: str, service_slug: str) -> AutomatedOutcome:
    if existing.applicant.iin != applicant_iin or existing.service_slug != service_slug:
        raise IllegalTransition(
            _("This idempotency key was already used for another request."), code="idempotency_key_reused"
        )
    decision = existing.decisions.order_by("-decided_at", "-id").first()
    last = existing.events.filter(action="refuse_incomplete_automated").first()
    missing = list((last.payload or {}).get("missing_facts", [])) if last else []
    return AutomatedOutcome(existing, decision, missing, replayed=True)


def apply_automated(
    service_slug: str,
    *,
    applicant,
    children: Iterable[Person | str],
    provider,
    facts: Mapping | None,
    consent: bool,
    documents: Iterable[Mapping] = (),
    at: dt.datetime | None = None,
    idempotency_key: str | None = None,
) -> AutomatedOutcome:
    """The recipient's portal application to a fully automated service, decided with no human step.

    `applicant` is the signed-in recipient (a `User` with an IIN); `children` are `Person`s or IINs.
    Raises `ServiceNotAvailable`, `FactRefused` or `ValidationError` and then writes nothing. The same
    `idempotency_key` returns the first outcome."""
    at = now(at)
    iin = getattr(applicant, "iin", None)
    if getattr(applicant, "role", None) != RECIPIENT or not iin:
        raise RoleNotAllowed(_("Only a recipient with an IIN applies on the portal."), code="portal_submitter")
    if idempotency_key:
        existing = (
            Application.objects.select_related("applicant").filter(idempotency_key=idempotency_key).first()
        )
        if existing is not None:
            return _replay(existing, iin, service_slug)
    version = version_for_submission(service_slug, Channel.PORTAL, provider, local_date(at))
    if not is_fully_automated(version):
        raise ServiceNotAvailable(
            _("The service “%(slug)s” is not fully automated: apply through the ordinary application.")
            % {"slug": service_slug},
            code="not_fully_automated",
        )
    if facts is not None and not isinstance(facts, Mapping):
        raise FactRefused(_("Facts must be a JSON object."), code="not_an_object")
    with transaction.atomic():
        person = _person(
            iin,
            last_name=getattr(applicant, "last_name", ""),
            first_name=getattr(applicant, "first_name", ""),
        )
        kids = [
            c if isinstance(c, Person) else _person(str(c), last_name="", first_name="") for c in children
        ]
        submitted = submit(
            service_slug=service_slug,
            channel=Channel.PORTAL,
            applicant=person,
            children=kids,
            provider=provider,
            actor=applicant,
            at=at,
            facts=facts,
            consent=bool(consent),
            documents=documents,
            idempotency_key=idempotency_key,
        )
        case = submitted.case
        if submitted.replayed:  # a concurrent retry with the same key won
            return _replay(case, iin, service_slug)
        pre = collect_registry_data(case, at=at, announce=False)
        not_examined = _not_examined(case, version, at)
        if pre["awaiting"]:
            # a registry did not answer: the request is kept, the query retried (registries); the case
            # waits in review for the data and is decided by `decide_automatically` afterwards
            check_completeness(case, actor=None, at=at)
            start_review(case, actor=None, at=at)
            await_registry_data(case, actor=None, at=at, registries=_awaited(case))
            return AutomatedOutcome(case)
        evaluation = gate.evaluate(case, at=at)[0]
        package = gate.missing_documents(case, at=at)
        if evaluation.decision == "needs_facts" or not package.complete:
            params = [f for f in evaluation.missing_facts if f.startswith("param:")]
            if params:  # our catalogue's gap, not the recipient's: nothing is written
                raise ServiceNotAvailable(
                    _("The system cannot decide on %(day)s: the catalogue lacks %(what)s.")
                    % {"day": f"{local_date(at):%d.%m.%Y}", "what": ", ".join(params)},
                    code="cannot_decide",
                )
            missing = [*evaluation.missing_facts, *package.missing, *package.expired]
            refuse_incomplete(case, missing=missing, at=at)
            return AutomatedOutcome(case, None, sorted(set(missing)))
        check_completeness(case, actor=None, at=at)
        start_review(case, actor=None, at=at)
        decision = decide_automatically(case, at=at, not_examined=not_examined)
    case.refresh_from_db()
    return AutomatedOutcome(case, decision)


def _awaited(case: Application) -> list[str]:
    from qamqor.registries.services import waiting_for_case

    return sorted(set(waiting_for_case(case.pk).values_list("registry", flat=True)))
