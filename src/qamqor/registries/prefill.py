"""Once only: what the state already knows is taken from the registries, not asked again.

`prefill_case(case, version, consent=...)` returns, for each document of the case's catalogue
version, either "supplied by <registry>" (with the record's source) or "asked for", and the facts
of the refusal grounds that the registries answer, each as `{value, source}`; every other fact is
left for the officer or the recipient (`003_4cf6e905af0d21d2.txt` §8, `002_eefeb2ec619131ea.txt`
annex 11 §9). The version is passed in (registries sit beside the catalogue, not above it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from qamqor.registries import services
from qamqor.registries.models import Outcome, QueryAnswer, RegistryQuery
from qamqor.registries.types import REGISTRY_NAMES, Source


def _alpha2(code):
    """The registry's citizenship (ISO 3166-1 alpha-3, as the population register gives it) as the
    alpha-2 code the definitions read; None (stateless) stays None."""
    if code is None or len(str(code)) == 2:
        return code
    import pycountry

    country = pycountry.countries.get(alpha_3=str(code).upper())
    return country.alpha_2 if country is not None else str(code)


def _categories_named(version) -> frozenset[str]:
    """The conviction categories the version's rules name (`{"in": [{"item": "category"}, [...]]}` or
    `{"eq": [{"item": "category"}, "..."]}` in a ground or exception): a registry record of one of
    them keeps its category, any other is only intentional or negligent (the one distinction the
    general ground draws). Read from the definition, so the list of crimes lives in one place."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for op in ("in", "eq"):
                args = node.get(op)
                if isinstance(args, list) and len(args) == 2 and args[0] == {"item": "category"}:
                    values = args[1] if isinstance(args[1], list) else [args[1]]
                    found.update(v for v in values if isinstance(v, str))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for g in getattr(version, "grounds", ()):
        walk(g.when.source)
        for e in g.unless:
            walk(e.when.source)
    return frozenset(found - {"intentional", "negligent"})


# Documents a registry can supply: (registry, method, whose IIN: applicant | child).
DOCUMENT_QUERIES: dict[str, tuple[str, str, str]] = {
    "population": ("population", "identity", "applicant"),
    "civil_registry:birth": ("civil_registry", "birth", "child"),
    "civil_registry:marriage": ("civil_registry", "marriages", "applicant"),
}


def document_query(code: str, registry: str | None) -> tuple[str, str, str] | None:
    """(registry, method, whose IIN) this layer asks for the document `code` the definition says
    `registry` holds; None where none is asked (no registry, or the digital-documents service, which
    shares a document only after its owner's one-time password, `003_4cf6e905af0d21d2.txt` §8)."""
    key = registry
    if registry == "civil_registry":
        key = "civil_registry:marriage" if "marriage" in code else "civil_registry:birth"
    return DOCUMENT_QUERIES.get(key or "")


# What the ledger says of a document the registries are asked for (`document_states`).
RECEIVED, NOT_FOUND, PENDING, NO_CONSENT, NOT_ASKED = (
    "received",
    "not_found",
    "pending",
    "no_consent",
    "not_asked",
)
_STATE_OF_OUTCOME = {
    "answered": RECEIVED,
    "not_found": NOT_FOUND,
    "failed": PENDING,
    "no_consent": NO_CONSENT,
}


def document_states(
    case_id: int | None, documents, *, applicant: str, child: str | None
) -> dict[str, tuple[str, str]]:
    """{code: (registry, state)} for each `(code, registry)` of `documents` this layer asks a
    registry for: the latest ledger entry of that query for the case — received, not found, pending
    (the registry did not answer; the query is retried, `services.retry_pending`), no consent — or
    not asked yet."""
    wanted = {}
    for code, registry in documents:
        q = document_query(code, registry)
        if q is not None:
            kind, method, whose = q
            wanted[code] = (registry, (kind, method, applicant if whose == "applicant" else child))
    if not wanted:
        return {}
    latest: dict[tuple, str] = {}
    if case_id is not None:
        rows = RegistryQuery.objects.filter(
            case_id=case_id, registry__in={k[0] for _r, k in wanted.values()}
        ).order_by("at", "id")
        for r in rows.values_list("registry", "method", "subject_iin", "outcome"):
            latest[r[:3]] = r[3]
    return {
        code: (registry, _STATE_OF_OUTCOME.get(latest.get(key, ""), NOT_ASKED))
        for code, (registry, key) in wanted.items()
    }


def kept_answers(
    case_id: int | None, consent, *, since: dt.datetime, until: dt.datetime
) -> dict[tuple[str, str, str], services.RegistryAnswer]:
    """{(registry, method, subject IIN): answer} this case received under `consent` from `since` to
    `until`: for each query, its latest ledger entry in that time, when it is an answer ("nothing on
    record" included) whose kept answer (`QueryAnswer`) is the one the ledger recorded (same registry,
    method and sources). A failure, a refusal, another consent or an answer not kept: not here, so
    asked again."""
    if case_id is None or consent is None:
        return {}
    latest: dict[tuple, tuple] = {}
    rows = (
        RegistryQuery.objects.filter(case_id=case_id, consent=consent, at__gte=since, at__lte=until)
        .exclude(registry="databank")  # the data bank is ours, asked by the case layer (`review`)
        .order_by("at", "id")
        .values_list("registry", "method", "subject_iin", "outcome", "id", "source_reference")
    )
    for registry, method, iin, outcome, query_id, reference in rows:
        latest[(registry, method, iin)] = (outcome, query_id, reference)
    answered = [q for outcome, q, _r in latest.values() if outcome in (Outcome.ANSWERED, Outcome.NOT_FOUND)]
    kept = dict(QueryAnswer.objects.filter(query_id__in=answered).values_list("query_id", "answer"))
    found = {}
    for key, (_outcome, query_id, reference) in latest.items():
        if query_id not in kept:
            continue
        answer = services.RegistryAnswer.from_dict(kept[query_id])
        if (
            (answer.registry, answer.method, answer.query_id) != (*key[:2], query_id)
            or ";".join(s.reference for s in answer.sources)[:120] != reference
            or any(s.registry != answer.registry for s in answer.sources)  # a fact's source is its registry
        ):
            continue  # not what the ledger (hash-chained, decision 0019) says was answered: asked again
        found[key] = answer
    return found


class _Asker:
    """Asks each (registry, method, subject) once per prefill; remembers answers and failures. An
    answer in `kept` (this collection's, `kept_answers`) is used instead of asking again, while the
    consent it was given under still covers the person."""

    def __init__(self, case, consent, actor, at, due, kept=None):
        self.case, self.consent, self.actor, self.at, self.due = case, consent, actor, at, due
        self.answers: dict[tuple, Any] = {}
        self.kept: dict[tuple, Any] = dict(kept or {})
        self.reused: list[int] = []
        self.deferred: list[int] = []
        self.no_consent = False
        self.principals: set[str] = set()

    def ask(self, kind: str, method: str, iin: str | None):
        key = (kind, method, iin)
        if iin is None:
            return None
        if iin not in self.principals and (self.consent is None or not self.consent.covers(iin, self.at)):
            return None  # a third person (e.g. the child's mother) not covered by the consent: not asked
        if key not in self.answers and key in self.kept and self.consent.covers(iin, self.at):
            self.answers[key] = self.kept[key]  # once only: answered in this collection already
            self.reused.append(self.kept[key].query_id)
        if key not in self.answers:
            try:
                self.answers[key] = services.query_registry(
                    kind,
                    method,
                    iin,
                    actor=self.actor,
                    case=self.case,
                    purpose="prefill",
                    consent=self.consent,
                    at=self.at,
                    case_due_at=self.due,
                )
            except services.ConsentMissing:
                self.no_consent = True
                self.answers[key] = None
            except services.QueryDeferred as exc:
                self.deferred.append(exc.pending.pk)
                self.answers[key] = None
        return self.answers[key]


def _src(ans) -> list[dict]:
    return [s.as_dict() for s in ans.sources] if ans is not None else []


def _courts(a: _Asker, iin, kinds) -> tuple[Any, list] | None:
    ans = a.ask("courts", "decisions", iin)
    if ans is None:
        return None
    found = [d for d in ans.value if d.kind in kinds and d.in_force_on <= a.on]
    return found, [s.as_dict() for s in (d.source for d in found)] or [
        {"registry": "courts", "reference": "none"}
    ]


def _fact_rules(
    a: _Asker, applicant: str, child: str | None, named: frozenset[str] = frozenset()
) -> dict[str, Callable[[], tuple[Any, list] | None]]:
    def ident(field, conv=lambda v: v):
        def f():
            ans = a.ask("population", "identity", applicant)
            return None if ans is None or ans.value is None else (conv(getattr(ans.value, field)), _src(ans))

        return f

    def courts(kinds, present, absent):
        def f():
            r = _courts(a, applicant, kinds)
            if r is None:
                return None
            found, src = r
            return (present(found) if found else absent), src

        return f

    def married():
        ans = a.ask("civil_registry", "marriages", applicant)
        if ans is None:
            return None
        return any(m.in_force_on(a.on) for m in ans.value), _src(ans) or [
            {"registry": "civil_registry", "reference": "none"}
        ]

    def convictions():
        ans = a.ask("criminal_records", "convictions", applicant)
        if ans is None:
            return None
        items = [
            {
                "category": c.category
                if c.category in named
                else ("intentional" if c.intentional else "negligent"),
                "kind": "conviction",
                "expunged": c.expunged,
                "prosecution_terminated_rehabilitating": c.prosecution_terminated_art35,
            }
            for c in ans.value
        ]
        return items, _src(ans) or [{"registry": "criminal_records", "reference": "none"}]

    def dispensary():
        ans = a.ask("health", "dispensary_records", applicant)
        return (
            None
            if ans is None
            else (
                any(d.active_on(a.on) for d in ans.value),
                _src(ans) or [{"registry": "health", "reference": "none"}],
            )
        )

    def disease():
        ans = a.ask("health", "diseases", applicant)
        return (
            None
            if ans is None
            else (
                any(d.listed_in_order_692 for d in ans.value),
                _src(ans) or [{"registry": "health", "reference": "none"}],
            )
        )

    def mother_lost():
        b = a.ask("civil_registry", "birth", child)
        if b is None or b.value is None or b.value.mother_iin is None:
            return None
        m = b.value.mother_iin
        death = a.ask("civil_registry", "death", m)
        deprived = _courts(a, m, {"parental_rights_deprived"})
        if death is None or deprived is None:
            return None
        value = death.value is not None or bool(deprived[0])
        return value, _src(b) + _src(death) + deprived[1]

    rules = {
        "applicant.birth_date": ident("birth_date"),
        "applicant.sex": ident("sex"),
        "applicant.citizenship": ident("citizenship", _alpha2),
        # a registered permanent address in the population register (which holds addresses in
        # Kazakhstan) is what these two facts mean; see the definitions' fact_sources notes
        "applicant.permanent_residence": ident("address", bool),
        "applicant.resides_in_kazakhstan": ident("address", bool),
        "applicant.married": married,
        "applicant.legal_capacity": courts(
            {"incapable", "limited_capacity"},
            lambda f: "incapable" if any(d.kind == "incapable" for d in f) else "limited",
            "full",
        ),
        "applicant.parental_rights": courts(
            {"parental_rights_deprived", "parental_rights_limited"},
            lambda f: "deprived" if any(d.kind == "parental_rights_deprived" for d in f) else "limited",
            "full",
        ),
        "applicant.removed_as_guardian": courts({"removed_as_guardian"}, lambda f: True, False),
        "applicant.adoption_cancelled_by_fault": courts(
            {"adoption_cancelled"}, lambda f: any(d.through_fault for d in f), False
        ),
        "applicant.convictions": convictions,
        "applicant.dispensary_registered": dispensary,
        "applicant.disease_preventing_care": disease,
    }
    if child:
        rules["child.mother_died_or_deprived"] = mother_lost
    return rules


def _facts_read(version) -> set[str] | None:
    paths: set[str] = set()
    for holder in (*getattr(version, "grounds", ()), *getattr(version, "obligations", ())):
        for attr in ("when",):
            c = getattr(holder, attr, None)
            paths.update(p for p, _hint in getattr(c, "facts", ()))
        for exc in getattr(holder, "unless", ()) or ():
            paths.update(p for p, _hint in getattr(getattr(exc, "when", None), "facts", ()))
    return paths or None


def _set(d: dict, path: str, value) -> None:
    *head, last = path.split(".")
    for k in head:
        d = d.setdefault(k, {})
    d[last] = value


def prefill_case(
    case,
    version,
    *,
    consent,
    actor=None,
    at: dt.datetime | None = None,
    due_at: dt.datetime | None = None,
    answered_since: dt.datetime | None = None,
) -> dict:
    """Documents supplied or asked for, and the ground facts the registries answer (`{value, source}`).

    `answered_since`: this prefill continues a collection begun then (the case layer's, when the
    last query it left waiting answered): what the case received since under `consent`
    (`kept_answers`) is used, only what never answered or was never asked is asked (once only,
    `003_4cf6e905af0d21d2.txt` §8, `002_eefeb2ec619131ea.txt` annex 11 §9; decision 0033). None: a
    new collection, every registry asked. `reused`: the ledger entries whose answers were used."""
    from django.utils import timezone

    at = at or timezone.now()
    kept = (
        kept_answers(getattr(case, "pk", None), consent, since=answered_since, until=at)
        if answered_since is not None
        else None
    )
    a = _Asker(case, consent, actor, at, due_at, kept)
    a.on = timezone.localtime(at).date()
    applicant = case.applicant.iin
    children = [c.iin for c in case.children.all()] if hasattr(case, "children") else []
    child = children[0] if children else None
    a.principals = {applicant, *children}
    documents = []
    for doc in version.documents:
        entry = {"code": doc.code, "name": doc.name.as_dict(), "citation": doc.citation.as_dict()}
        reg = doc.registry
        q = document_query(doc.code, reg)
        ans = None
        if q is not None:
            kind, method, whose = q
            ans = a.ask(kind, method, applicant if whose == "applicant" else child)
        value = getattr(ans, "value", None)
        if value not in (None, ()):
            entry.update(
                status="supplied", registry=reg, registry_name=REGISTRY_NAMES[reg].as_dict(), source=_src(ans)
            )
        elif reg == "digital_documents":
            entry.update(
                status="asked", registry=reg, note="shared after the owner's one-time password (003 §8)"
            )
        else:
            entry.update(status="asked", registry=reg)
        documents.append(entry)
    wanted = _facts_read(version)
    facts: dict = {}
    meta: dict[str, dict] = {}
    for path, rule in _fact_rules(a, applicant, child, _categories_named(version)).items():
        if wanted is not None and path not in wanted:
            continue
        got = rule()
        if got is None:
            continue
        value, source = got
        if isinstance(value, dt.date):
            value = value.isoformat()
        _set(facts, path, value)
        meta[path] = {"value": value, "source": source}
    if a.no_consent:
        facts["consent_personal_data"] = False
        meta["consent_personal_data"] = {"value": False, "source": [Source("ledger", "no consent").as_dict()]}
    asked = sorted((wanted or set()) - set(meta))
    return {
        "documents": documents,
        "facts": facts,
        "facts_meta": meta,
        "ask": asked,
        "awaiting": a.deferred,
        "no_consent": a.no_consent,
        "reused": sorted(set(a.reused)),
    }
