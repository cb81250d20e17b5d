"""Fully automated services: the portal application is decided by the system, with no human step.

A service whose pinned catalogue version has the form `electronic_full` ("Электрондық (толық
автоматтандырылған)", e.g. `001_9090383b8961739a.txt` annex 2 row 4 for `patronage-placement`) and is
applied for through the portal is decided here, in one transaction per request:

1. the application is filed (`services.submit_application`, portal): the version in force on the
   submission date is pinned; a service not in force raises `ServiceNotAvailable` and writes nothing;
2. the state registries are asked through `registries.prefill.prefill_case`, with the recipient's
   consent (no consent → no query: the refusal is in the ledger and the "no consent" ground decides);
   the data bank answers whether the recipient holds the training certificate;
3. the registry facts (authoritative, with their source) are merged over the declared facts and the
   pinned version is evaluated (`qamqor.catalog.evaluate_version`). Judgement grounds (`officer.*`:
   false documents, Resolution No. 381) cannot be found by a machine: they are taken as not found and
   the decision says so (a limit of full automation, docs/decisions/0009-fully-automated-services.md);
4. `needs_facts` → the electronic application is incomplete: refused to accept, listing the missing
   facts (Law No. 88-V art. 20 p.2); otherwise registered ("request accepted"), completeness checked,
   in review, then granted (a placement grant records the carer and the ward in the data bank and so
   the relatives' one-year duty, `cases.wiring`) or a motivated refusal listing the grounds — directly,
   without a hearing (no official can hold one; the basis records `certainty: analogy`); the result is
   issued and delivered to the personal cabinet.

Each system move is a row of `cases.transitions.TABLE` (role `system`, channel portal) and is made
only for a pinned version whose form is `electronic_full` (`NotFullyAutomated` otherwise).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qamqor.cases import services
from qamqor.cases.exceptions import IllegalTransition, ServiceNotAvailable
from qamqor.cases.models import Application, CaseEvent, Channel, Decision, DecisionKind, Person
from qamqor.cases.transitions import RECIPIENT, Basis, Status
from qamqor.rules.types import LANGS

FULLY_AUTOMATED = "electronic_full"
JUDGEMENT_PREFIX = services.JUDGEMENT_PREFIX
# facts the recipient may not declare: the officer's findings and the consent (given by its own field)
RESERVED_FACTS = ("officer", "consent_personal_data", "registry_answers")

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
DECLARED_SOURCE = {"registry": "declared", "reference": "the recipient's electronic application"}


class NotFullyAutomated(IllegalTransition):
    """A system decision was asked for a version whose form is not fully automated."""

    code = "not_fully_automated"


@dataclass
class AutomatedOutcome:
    """What the automated path did: the case, its decision (None if refused to accept or waiting),
    the missing facts of an incomplete application, and whether this is an idempotent replay."""

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


def _cat(catalog=None):
    return services._catalog(catalog)


def _version_of(case: Application, catalog=None):
    version = _cat(catalog).service(case.service_slug).version_by_id(case.catalogue_version)
    if version is None:
        raise ServiceNotAvailable(_("The pinned catalogue version is gone."), code="version_missing")
    return version


def is_fully_automated(version) -> bool:
    return FULLY_AUTOMATED in tuple(getattr(version, "form", ()) or ())


def is_fully_automated_case(case: Application, catalog=None) -> bool:
    """A portal case whose pinned catalogue version is decided by machine alone."""
    return case.channel == Channel.PORTAL and is_fully_automated(_version_of(case, catalog))


def require_full_automation(case: Application, catalog=None):
    """The pinned version of `case`, if it is fully automated and the case came through the portal."""
    version = _version_of(case, catalog)
    if not is_fully_automated(version) or case.channel != Channel.PORTAL:
        raise NotFullyAutomated(
            _("The service “%(slug)s” is not fully automated: an official must decide this case.")
            % {"slug": case.service_slug},
            details={"form": list(version.form), "channel": case.channel},
        )
    return version


# ------------------------------------------------------------------------------------------------
# the system's moves (each checks the form first; the table checks status, channel and role)


def refuse_incomplete(case: Application, *, missing_facts: Iterable[str], at=None, catalog=None) -> CaseEvent:
    """The electronic application lacks facts the rules need: refused to accept, listing them
    (Law No. 88-V art. 20 p.2; the standard's row 8)."""
    require_full_automation(case, catalog)
    missing = sorted(set(missing_facts))
    if not missing:
        raise ValidationError({"missing_facts": _("Name the missing facts: the refusal lists them.")})
    return services.move_case(
        case,
        Status.REFUSED_TO_ACCEPT,
        actor=None,
        at=at,
        action="refuse_incomplete_automated",
        payload={
            "missing_facts": missing,
            "refusal": "refusal_to_accept_incomplete_application",
            "reason": services.in_languages(
                _("The electronic application is incomplete: %(facts)s") % {"facts": ", ".join(missing)}
            ),
        },
    )


def check_completeness(case: Application, *, at=None, catalog=None) -> CaseEvent:
    require_full_automation(case, catalog)
    return services.check_completeness(case, actor=None, at=at)


def start_review(case: Application, *, at=None, catalog=None) -> CaseEvent:
    require_full_automation(case, catalog)
    return services.start_review(case, actor=None, at=at)


def grant(case: Application, *, at=None, legal_basis=None, catalog=None) -> CaseEvent:
    """The grant by the system (a placement service's grant also records the placement, cases.wiring)."""
    require_full_automation(case, catalog)
    return services.grant(case, actor=None, at=at, legal_basis=legal_basis)


def issue_refusal(case: Application, *, grounds: Iterable[Mapping], at=None, legal_basis=None, catalog=None):
    """The motivated refusal on the standard's grounds, issued directly (no hearing: no official)."""
    require_full_automation(case, catalog)
    return services.issue_final_refusal(
        case, actor=None, at=at, grounds=list(grounds), legal_basis=legal_basis
    )


# ------------------------------------------------------------------------------------------------
# facts


def _flat(value, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    services._flatten(prefix, value, out)
    return out


def _set(d: dict, path: str, value) -> None:
    *head, last = path.split(".")
    for k in head:
        node = d.get(k)
        if not isinstance(node, dict):
            node = d[k] = {}
        d = node
    d[last] = value


def _declared(facts, version) -> dict:
    """The declared facts, checked against the version's facts schema (400 with field errors)."""
    from qamqor.catalog.facts_schema import facts_validator

    if facts is None:
        return {}
    if not isinstance(facts, Mapping):
        raise ValidationError({"facts": _("Facts must be a JSON object.")}, code="not_an_object")
    reserved = [k for k in facts if k in RESERVED_FACTS]
    if reserved:
        raise ValidationError(
            {f"facts.{k}": _("This fact is not declared by the recipient.") for k in reserved},
            code="reserved",
        )
    validator = facts_validator(version)
    errors = {}
    for err in validator.iter_errors(dict(facts)):
        path = ".".join(["facts", *(str(p) for p in err.absolute_path)])
        errors.setdefault(path, _("Wrong value: expected %(expected)s.") % {"expected": _expected(err)})
    if errors:
        raise ValidationError(errors, code="invalid_facts")
    return services._jsonable(dict(facts))


def _expected(err) -> str:
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    if schema.get("format") == "date":
        return "yyyy-mm-dd"
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    return str(kind or err.validator)


def _judgement_facts(version) -> list[tuple[Any, str]]:
    """(ground, fact path) for every fact a judgement ground reads."""
    out = []
    for g in version.grounds:
        if not g.judgement:
            continue
        paths = {p for p, _hint in getattr(g.when, "facts", ())}
        for exc in g.unless or ():
            paths.update(p for p, _hint in getattr(exc.when, "facts", ()))
        out.extend((g, p) for p in sorted(paths) if p.startswith(JUDGEMENT_PREFIX))
    return out


def _reads(version) -> set[str]:
    """Every fact path the version's grounds, exceptions and obligations read."""
    paths: set[str] = set()
    for holder in (*version.grounds, *version.obligations):
        paths.update(p for p, _hint in getattr(holder.when, "facts", ()))
        for exc in getattr(holder, "unless", ()) or ():
            paths.update(p for p, _hint in getattr(exc.when, "facts", ()))
    return paths


TRAINING_FACT = "applicant.psych_training_certificate"


def _databank_training(
    case: Application, version, consent, at: dt.datetime
) -> tuple[bool, list[dict]] | None:
    """Whether the data bank holds the recipient's training certificate (asked only when the rules
    read it and the consent covers the recipient; written to the ledger). A record found is
    authoritative; no record leaves the declared fact (a certificate may predate the data bank)."""
    from qamqor.databank.models import TrainingCertificate
    from qamqor.registries.models import Outcome, RegistryQuery
    from qamqor.rules.calendar import local

    if TRAINING_FACT not in _reads(version):
        return None
    if consent is None or not consent.covers(case.applicant.iin, at):
        return None
    doc = next((d for d in version.documents if d.code == "training_certificate"), None)
    if doc is None:  # the rules read the fact but the standard lists no such document
        return None
    basis = doc.citation
    cert = (
        TrainingCertificate.objects.filter(person_iin=case.applicant.iin, issued_on__lte=local(at).date())
        .order_by("-issued_on")
        .first()
    )
    RegistryQuery.objects.create(
        at=at,
        registry="databank",
        method="training_certificate",
        subject_iin=case.applicant.iin,
        actor=None,
        actor_role="system",
        case_id=case.pk,
        case_number=case.number,
        purpose=case.service_slug,
        legal_basis=[basis.as_dict()],
        legal_basis_source=basis.source,
        legal_basis_clause=basis.clause,
        consent=consent,
        outcome=Outcome.ANSWERED if cert else Outcome.NOT_FOUND,
        source_reference=f"DATABANK-TC-{cert.pk}" if cert else "",
    )
    if cert is None:
        return None
    return True, [{"registry": "databank", "reference": f"training certificate {cert.number}"}]


@dataclass
class _Findings:
    facts: dict  # what the case keeps (declared + registry), without the officer's defaults
    evaluated: dict  # what was evaluated (with the judgement facts taken as not found)
    sources: dict  # fact path -> {value, source: [...]}
    not_examined: list  # judgement grounds taken as not found
    awaiting: list  # pending registry queries
    documents: list


def _gather(case: Application, version, declared: dict, consent, at: dt.datetime) -> _Findings:
    from qamqor.registries.prefill import prefill_case

    pre = prefill_case(case, version, consent=consent, actor=None, at=at, due_at=case.due_at)
    facts = services._merge(dict(declared), pre["facts"])
    sources = {p: {"value": v, "source": [DECLARED_SOURCE]} for p, v in _flat(declared).items()}
    sources.update(pre["facts_meta"])
    training = _databank_training(case, version, consent, at)
    if training is not None:
        _set(facts, TRAINING_FACT, training[0])
        sources[TRAINING_FACT] = {"value": training[0], "source": training[1]}
    given = consent is not None and not pre["no_consent"]
    facts["consent_personal_data"] = given
    sources["consent_personal_data"] = {
        "value": given,
        "source": [{"registry": "ledger", "reference": str(consent.reference) if consent else "no consent"}],
    }
    evaluated = services._merge({}, facts)
    not_examined = []
    for ground, path in _judgement_facts(version):
        _set(evaluated, path, False)
        not_examined.append(
            {
                "item": ground.item,
                "code": ground.code,
                "fact": path,
                "citation": ground.citation.as_dict(),
                "text": ground.text.as_dict(),
                "note": services.in_languages(JUDGEMENT_NOT_EXAMINED),
            }
        )
    return _Findings(facts, evaluated, sources, not_examined, list(pre["awaiting"]), pre["documents"])


# ------------------------------------------------------------------------------------------------
# the decision


def decide_automatically(case: Application, *, at=None, catalog=None, _findings: _Findings | None = None):
    """Decide a fully automated portal case that is in review (or back in review after the
    registries answered): evaluate, grant or refuse, issue and deliver to the personal cabinet.

    Returns the `Decision` (decided_by None). `NotFullyAutomated` for any other version's form;
    `IllegalTransition(code="needs_facts")` if the facts still do not decide (nothing changes).
    """
    from qamqor.catalog import evaluate_version

    at = services._now(at)
    version = require_full_automation(case, catalog)
    if case.status != Status.IN_REVIEW:
        raise IllegalTransition(
            _("Only a case in review can be decided."), code="not_in_review", details={"status": case.status}
        )
    findings = _findings
    if findings is None:  # resumed: ask the registries again (once-only: their answers are recorded)
        from qamqor.registries.models import Consent

        consent = (
            Consent.objects.filter(case_id=case.pk, revoked_at__isnull=True).order_by("-given_at").first()
            if case.consent
            else None
        )
        declared = {k: v for k, v in (case.facts or {}).items() if k not in RESERVED_FACTS}
        findings = _gather(case, version, declared, consent, at)
    evaluation = evaluate_version(_cat(catalog), version, findings.evaluated, services._local_date(at))
    if evaluation.decision not in ("grant", "refuse"):
        raise IllegalTransition(
            _("The facts do not decide the case: %(facts)s") % {"facts": ", ".join(evaluation.missing_facts)},
            code="needs_facts",
            details={"missing_facts": list(evaluation.missing_facts)},
        )
    grounds = [g.as_dict() for g in evaluation.grounds]
    reasons: dict[str, Any] = {"decided_automatically": services.in_languages(DECIDED_AUTOMATICALLY)}
    for item in findings.not_examined:
        reasons[item["fact"]] = item["note"]
    with transaction.atomic():
        Application.objects.filter(pk=case.pk).update(facts=services._jsonable(findings.facts))
        case.facts = findings.facts
        if evaluation.decision == "grant":
            kind = DecisionKind.GRANT
            event = grant(case, at=at, catalog=catalog)
        else:
            kind = DecisionKind.FINAL_REFUSAL
            reasons["no_hearing"] = services.in_languages(NO_HEARING)
            basis = Basis(tuple(g.citation for g in evaluation.grounds))
            event = issue_refusal(case, grounds=grounds, at=at, legal_basis=basis, catalog=catalog)
        record = evaluation.as_dict(full=True)
        record.update(
            automated=True,
            fact_sources=findings.sources,
            judgement_not_examined=findings.not_examined,
            documents=findings.documents,
        )
        decision = Decision.objects.create(
            application=case,
            kind=kind,
            decided_by=None,
            decided_at=event.at,
            catalogue_version=case.catalogue_version,
            evaluation=services._jsonable(record),
            grounds=services._jsonable(grounds),
            reasons=services._jsonable(reasons),
        )
        services.issue_result(case, actor=None, at=at)
        services.deliver_to_cabinet(case, at=at)
    return decision


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
    at: dt.datetime | None = None,
    idempotency_key: str | None = None,
    catalog=None,
) -> AutomatedOutcome:
    """The recipient's portal application to a fully automated service, decided with no human step.

    `applicant` is the signed-in recipient (a `User` with an IIN: on the portal one applies for
    oneself); `children` are `Person`s or IINs. Raises `ServiceNotAvailable` (unknown, not in force,
    `not_fully_automated`, channel or provider kind) or `ValidationError` (malformed facts) and then
    writes nothing. The same `idempotency_key` returns the first outcome.
    """
    at = services._now(at)
    iin = getattr(applicant, "iin", None)
    if getattr(applicant, "role", None) != RECIPIENT or not iin:
        raise ValidationError({"recipient": _("Only a recipient with an IIN applies on the portal.")})
    if idempotency_key:
        existing = (
            Application.objects.select_related("applicant").filter(idempotency_key=idempotency_key).first()
        )
        if existing is not None:
            return _replay(existing, iin, service_slug)
    from qamqor.catalog import UnknownService

    day = services._local_date(at)
    cat = _cat(catalog)
    try:
        service = cat.service(service_slug)
    except UnknownService:
        raise ServiceNotAvailable(
            _("Unknown service “%(slug)s”.") % {"slug": service_slug}, code="unknown_service"
        ) from None
    version = service.version_on(day)
    if version is None:
        raise ServiceNotAvailable(
            _("The service “%(slug)s” is not in force on %(day)s.")
            % {"slug": service_slug, "day": f"{day:%d.%m.%Y}"},
            code="not_in_force",
        )
    if not is_fully_automated(version):
        raise ServiceNotAvailable(
            _("The service “%(slug)s” is not fully automated: apply through the ordinary application.")
            % {"slug": service_slug},
            code="not_fully_automated",
        )
    declared = _declared(facts, version)
    with transaction.atomic():
        applicant_person = _person(
            iin,
            last_name=getattr(applicant, "last_name", ""),
            first_name=getattr(applicant, "first_name", ""),
        )
        kids = [
            c if isinstance(c, Person) else _person(str(c), last_name="", first_name="") for c in children
        ]
        case = services.submit_application(
            service_slug=service_slug,
            channel=Channel.PORTAL,
            applicant=applicant_person,
            children=kids,
            provider=provider,
            actor=applicant,
            at=at,
            facts=declared,
            consent=bool(consent),
            idempotency_key=idempotency_key,
            catalog=catalog,
        )
        if case.status != Status.SUBMITTED:  # a concurrent retry with the same key won
            return _replay(case, iin, service_slug)
        consent_row = None
        if consent:
            from qamqor.registries.services import give_consent

            consent_row = give_consent(
                recipient_iin=iin,
                subject_iins=[k.iin for k in kids],
                at=at,
                case=case,
                service_slug=service_slug,
            )
        findings = _gather(case, version, declared, consent_row, at)
        Application.objects.filter(pk=case.pk).update(facts=services._jsonable(findings.facts))
        case.facts = findings.facts
        if findings.awaiting:
            # a registry did not answer: the request is kept, the query retried (registries); the
            # case waits in review for the data and is decided by `decide_automatically` afterwards
            services.register_on_portal(case, at=at)
            check_completeness(case, at=at, catalog=catalog)
            start_review(case, at=at, catalog=catalog)
            services.await_registry_data(case, actor=None, at=at, registries=_awaited_registries(findings))
            return AutomatedOutcome(case)
        from qamqor.catalog import evaluate_version

        evaluation = evaluate_version(cat, version, findings.evaluated, day)
        if evaluation.decision == "needs_facts":
            params = [f for f in evaluation.missing_facts if f.startswith("param:")]
            if params:  # our catalogue's gap, not the recipient's: nothing is written
                raise ServiceNotAvailable(
                    _("The system cannot decide on %(day)s: the catalogue lacks %(what)s.")
                    % {"day": f"{day:%d.%m.%Y}", "what": ", ".join(params)},
                    code="cannot_decide",
                )
            refuse_incomplete(case, missing_facts=evaluation.missing_facts, at=at, catalog=catalog)
            return AutomatedOutcome(case, None, sorted(set(evaluation.missing_facts)))
        services.register_on_portal(case, at=at)
        check_completeness(case, at=at, catalog=catalog)
        start_review(case, at=at, catalog=catalog)
        decision = decide_automatically(case, at=at, catalog=catalog, _findings=findings)
    case.refresh_from_db()
    return AutomatedOutcome(case, decision)


def _awaited_registries(findings: _Findings) -> list[str]:
    from qamqor.registries.models import PendingQuery

    return sorted(
        set(PendingQuery.objects.filter(pk__in=findings.awaiting).values_list("registry", flat=True))
    )


# ------------------------------------------------------------------------------------------------
# the personal cabinet


def cabinet_result(case: Application, lang: str = "kk", *, catalog=None) -> dict:
    """What the recipient's personal cabinet shows for an automated case: the result of the
    standard's row 5 (the notice and decision, or the motivated refusal with its grounds), the
    refusal to accept with the missing facts, or that the case is still waiting."""
    from qamqor.rules.calendar import fmt, local

    lang = lang if lang in LANGS else "kk"
    base = {"number": case.number, "service": case.service_slug, "status": case.status}
    if case.status == Status.REFUSED_TO_ACCEPT:
        event = case.events.filter(action="refuse_incomplete_automated").first()
        payload = event.payload if event else {}
        return {
            **base,
            "kind": "refusal_to_accept",
            "date": fmt(local(event.at).date()) if event else None,
            "missing_facts": payload.get("missing_facts", []),
            "text": (payload.get("reason") or {}).get(lang, ""),
            "legal_basis": event.legal_basis if event else {},
        }
    decision = case.decisions.order_by("-decided_at", "-id").first()
    if case.status != Status.DELIVERED_TO_CABINET or decision is None:
        return {**base, "kind": "pending", "date": None}
    version = _version_of(case, catalog)
    refused = decision.kind != DecisionKind.GRANT
    result = next(
        (r for r in version.results if (r.code == "motivated_refusal") == refused),
        version.results[0] if version.results else None,
    )
    delivered = case.events.filter(action="deliver_to_cabinet").order_by("-seq").first()
    out = {
        **base,
        "kind": "motivated_refusal" if refused else "grant",
        "result": {
            "code": result.code,
            "text": result.text.get(lang),
            "citation": result.citation.as_dict(),
        }
        if result is not None
        else None,
        "date": fmt(local(decision.decided_at).date()),
        "delivered_at": fmt(local(delivered.at).date()) if delivered else None,
        "decided_automatically": decision.decided_by_id is None,
        "note": (decision.reasons.get("decided_automatically") or {}).get(lang, ""),
        "grounds": [
            {
                "item": g["item"],
                "code": g["code"],
                "citation": g["citation"],
                "text": g["explanation"].get(lang, ""),
            }
            for g in decision.grounds
        ],
        "judgement_not_examined": [
            {"item": j["item"], "code": j["code"], "note": j["note"].get(lang, "")}
            for j in decision.evaluation.get("judgement_not_examined", [])
        ],
    }
    if refused:
        out["no_hearing"] = (decision.reasons.get("no_hearing") or {}).get(lang, "")
    else:
        from qamqor.databank.models import Obligation

        out["duties"] = [
            {
                "code": o.code,
                "due_on": fmt(o.due_on),
                "citation": {"source": o.citation_source, "clause": o.citation_clause},
            }
            for o in Obligation.objects.filter(placement__case_id=case.pk).order_by("due_on", "id")
        ]
    return out
