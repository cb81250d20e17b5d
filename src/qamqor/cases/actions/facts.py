"""The facts of a case, each with its source, and the check that the law accepts that source.

A fact reaches a case in one of four ways, each a function here: the recipient's declaration
(`declared_fact_rows`, at submission), an official's finding with its evidence (`record_findings`),
a state registry's answer (`record_registry_facts`) or the data bank's (`record_databank_fact`).
The consent to protected personal data is never typed by anyone: it is the application's own
consent (`current_facts`). Each path is checked against the pinned version's `fact_sources`
(qamqor.catalog.provenance): a fact from a source the definition does not accept is refused with
`FactRefused` naming the fact, and nothing is written.

The facts the rules see (`current_facts`) are read from the append-only rows, the latest row of a
path winning; `Application.facts` is only a snapshot of them for reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qamqor.audit.chain import append as append_to_trail
from qamqor.cases.actions.common import jsonable, role_of, set_path, version_of
from qamqor.cases.exceptions import CaseError
from qamqor.cases.models import Application, CaseFact, FactSource
from qamqor.catalog.provenance import split_facts

CONSENT_FACT = "consent_personal_data"
# The calendar a date fact may fall in: a date outside is a typing error, not a fact (issue 15).
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class FactRefused(CaseError):
    """A fact the service does not read, or from a source its definition does not accept (400).
    `field_errors`: fact path → the message about it (the API reports them as field errors)."""

    code = "fact_refused"

    def __init__(self, message, *, code=None, details=None, field_errors=None):
        super().__init__(message, code=code, details=details)
        self.field_errors = dict(field_errors or {})


@dataclass
class CurrentFacts:
    """What the rules see: the facts (nested) and each path's source."""

    facts: dict = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)


def _source_name(kind: str) -> str:
    return str(FactSource(kind).label)


def check_facts(version, facts: Mapping[str, Any] | None, kind: str, registry: str | None = None) -> dict:
    """The facts of a nested document as {path: value}, each a fact the version reads and accepts from
    this kind of source (and registry); otherwise `FactRefused` (nothing written). Values are checked
    against the version's facts schema first."""
    if not facts:
        return {}
    if not isinstance(facts, Mapping):
        raise FactRefused(_("Facts must be a JSON object."), code="not_an_object")
    _check_schema(version, facts)
    flat = split_facts(facts, version.facts_read)
    stray = flat.pop(None, [])
    if stray:
        raise FactRefused(
            _("Not a fact of this service: %(facts)s") % {"facts": ", ".join(sorted(stray))},
            code="unknown_fact",
            details={"facts": sorted(stray)},
            field_errors={p: _("Not a fact of this service.") for p in stray},
        )
    for path in flat:
        rule = version.fact_source(path)
        if path == CONSENT_FACT or rule is None or not rule.accepts(kind, registry):
            accepted = list(rule.accept) if rule is not None else []
            message = _(
                "The fact “%(fact)s” is not accepted from %(source)s; the law accepts it from: %(accepted)s."
            ) % {
                "fact": path,
                "source": _source_name(kind),
                "accepted": ", ".join(_source_name(a) for a in accepted) or "—",
            }
            raise FactRefused(
                message,
                code="source_not_accepted",
                details={"fact": path, "source": kind, "registry": registry, "accepted": accepted},
                field_errors={path: message},
            )
    return flat


def _check_schema(version, facts: Mapping) -> None:
    """The values against the version's facts schema (closed value sets, ranges, ISO dates and
    countries: `catalog.facts_schema.validate_facts`) and a plausible calendar for every date."""
    from django.utils.translation import get_language

    from qamqor.catalog.facts_schema import validate_facts

    lang = (get_language() or "kk").split("-")[0]
    errors = {}
    for err in validate_facts(version, facts):
        errors.setdefault(err.path or "facts", err.message.get(lang) or err.message["kk"])
    for path, value in _dates(version, facts):
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            errors.setdefault(
                path,
                _("The date must be between %(first)s and %(last)s.")
                % {"first": f"{EARLIEST_DATE:%d.%m.%Y}", "last": f"{LATEST_DATE:%d.%m.%Y}"},
            )
    if errors:
        raise FactRefused(
            _("Wrong values: %(facts)s") % {"facts": ", ".join(sorted(errors))},
            code="invalid_facts",
            details={"errors": sorted(errors)},
            field_errors=errors,
        )


def _dates(version, facts: Mapping):
    """(path, date) of every date-typed fact given (the schema has checked the format)."""
    from qamqor.catalog.facts_schema import facts_validator

    props = facts_validator(version).schema.get("properties", {})  # built once per version

    def walk(node, schema, at):
        for k, v in (node or {}).items():
            s = (schema or {}).get(k) or {}
            path = f"{at}.{k}" if at else str(k)
            if isinstance(v, Mapping):
                yield from walk(v, s.get("properties"), path)
            elif s.get("format") == "date" and isinstance(v, str):
                try:
                    yield path, dt.date.fromisoformat(v)
                except ValueError:
                    continue

    yield from walk(facts, props, "")


def _row(case, path, value, kind, *, actor=None, at, **extra) -> CaseFact:
    return CaseFact(
        application=case,
        path=path,
        value=jsonable(value),
        source=kind,
        actor=actor,
        actor_role=role_of(actor),
        at=at,
        **extra,
    )


def declared_fact_rows(case: Application, version, facts: Mapping | None, *, actor, at) -> list[CaseFact]:
    """The recipient's declared facts as rows (not yet saved: the submission inserts them with the
    application); `FactRefused` for a fact the law does not take from a declaration."""
    flat = check_facts(version, facts, FactSource.DECLARATION)
    return [_row(case, p, v, FactSource.DECLARATION, actor=actor, at=at) for p, v in flat.items()]


def _save(case: Application, rows: list[CaseFact]) -> list[CaseFact]:
    """Insert the rows and bring the case's snapshot up to date, in one transaction."""
    if not rows:
        return rows
    with transaction.atomic():
        append_to_trail(CaseFact.objects.bulk_create(rows))  # and their links (decision 0019)
        snapshot = dict(case.facts or {})
        for r in rows:
            set_path(snapshot, r.path, r.value)
        Application.objects.filter(pk=case.pk).update(facts=jsonable(snapshot))
        case.facts = snapshot
    return rows


def record_findings(
    case: Application, findings: Mapping[str, Any], *, evidence: Mapping[str, str], actor, at, catalog=None
) -> list[CaseFact]:
    """An official's findings (e.g. {"officer.false_documents": True}), each with its evidence: the
    documents examined and why. A finding without evidence is refused."""
    version = version_of(case, catalog)
    nested: dict = {}
    for path, value in findings.items():
        set_path(nested, str(path), value)
    flat = check_facts(version, nested, FactSource.OFFICER)
    notes = {str(k): str(v).strip() for k, v in (evidence or {}).items()}
    bare = sorted(p for p in flat if not notes.get(p))
    if bare:
        raise FactRefused(
            _("A finding must come with its evidence: %(facts)s") % {"facts": ", ".join(bare)},
            code="evidence_required",
            details={"facts": bare},
        )
    return _save(
        case,
        [
            _row(case, p, v, FactSource.OFFICER, actor=actor, at=at, evidence=notes[p])
            for p, v in flat.items()
        ],
    )


def record_registry_facts(case: Application, meta: Mapping[str, Mapping], *, consent, at, catalog=None):
    """The registries' answers ({path: {value, source: [{registry, reference}, …]}}, as
    `registries.prefill` gives them), each under the consent-ledger entry it was asked with."""
    version = version_of(case, catalog)
    rows = []
    for path, m in meta.items():
        if path == CONSENT_FACT:
            continue  # the consent is the application's own, never a registry's
        refs = list(m.get("source") or [])
        registry = (refs[0].get("registry") if refs else "") or ""
        nested: dict = {}
        set_path(nested, path, m["value"])
        check_facts(version, nested, FactSource.REGISTRY, registry)
        rows.append(
            _row(
                case,
                path,
                m["value"],
                FactSource.REGISTRY,
                at=at,
                registry=registry,
                reference="; ".join(str(r.get("reference", "")) for r in refs)[:300],
                consent_reference=str(getattr(consent, "reference", "") or ""),
            )
        )
    return _save(case, rows)


def record_not_examined(case: Application, paths, *, note: str, at, catalog=None) -> list[CaseFact]:
    """Judgement facts a fully automated service has no official to examine, taken as not found
    (`automation` source): only where the definition accepts that for them (decision 0009)."""
    version = version_of(case, catalog)
    nested: dict = {}
    for path in paths:
        set_path(nested, path, False)
    flat = check_facts(version, nested, FactSource.AUTOMATION)
    return _save(case, [_row(case, p, v, FactSource.AUTOMATION, at=at, evidence=note) for p, v in flat.items()])


def record_databank_fact(case: Application, path: str, value, *, reference: str, at, catalog=None):
    """A fact the Republican data bank answers (e.g. the training certificate on record)."""
    version = version_of(case, catalog)
    nested: dict = {}
    set_path(nested, path, value)
    check_facts(version, nested, FactSource.DATABANK)
    return _save(
        case, [_row(case, path, value, FactSource.DATABANK, at=at, registry="databank", reference=reference)]
    )


def current_facts(
    case: Application,
    version,
    *,
    on: dt.date,
    rows: Iterable[CaseFact] | None = None,
) -> CurrentFacts:
    """The facts the rules see on `on`: the latest row of each path whose source the definition
    accepts. (The documents that support declarations are the completeness check's, which the gate
    repeats before a decision: `gate.verdict`.)"""
    rows = list(rows) if rows is not None else list(case.fact_rows.order_by("id"))
    latest: dict[str, CaseFact] = {}
    for r in rows:
        latest[r.path] = r
    out = CurrentFacts()
    for path, r in sorted(latest.items()):
        rule = version.fact_source(path)
        if rule is None or not rule.accepts(r.source, r.registry or None):
            continue  # the definition no longer takes it from there (a row of another version)
        set_path(out.facts, path, r.value)
        out.sources[path] = {
            "value": r.value,
            "source": r.source,
            **({"registry": r.registry} if r.registry else {}),
            **({"reference": r.reference} if r.reference else {}),
            **({"consent": r.consent_reference} if r.consent_reference else {}),
            **({"document": rule.document} if r.source == FactSource.DECLARATION and rule.document else {}),
            **({"evidence": r.evidence} if r.evidence else {}),
            "at": r.at.isoformat(),
            "actor_role": r.actor_role,
        }
    if version.needs_consent:
        out.facts[CONSENT_FACT] = bool(case.consent)
        out.sources[CONSENT_FACT] = {
            "value": bool(case.consent),
            "source": FactSource.CONSENT.value,
            "at": (case.consent_at or case.submitted_at).isoformat(),
        }
    return out
