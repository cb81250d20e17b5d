"""Load and check the catalogue: one YAML file per service, plus the dated parameters.

The loader is strict, because the catalogue is law: an unknown key, a rule without a citation, a
text without all three languages, overlapping version windows or an expression outside the
language are rejected with the file and the place named (docs/catalog-format.md).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from qamqor.catalog.declarations import edition_gap, fact_specs, home_visit, interpretation_of
from qamqor.catalog.model import (
    Catalog,
    Channel,
    Document,
    Fee,
    LegalBasis,
    Result,
    Service,
    ServiceVersion,
)
from qamqor.catalog.procedure import DECIDERS, Procedure, procedures
from qamqor.catalog.provenance import read_fact_sources, uncovered
from qamqor.rules.deadlines import STEP_ANCHORS
from qamqor.rules.grounds import Due, Ground, Obligation
from qamqor.rules.logic import Exception_, ExpressionError, compile_expr
from qamqor.rules.schedules import SCHEDULES
from qamqor.rules.types import (
    CHANNELS,
    REGISTRIES,
    Citation,
    DatedParameter,
    DatedValue,
    StepRule,
    Term,
    Text,
    Unknown,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DEFINITIONS_DIR = PACKAGE_DIR / "definitions"
SCENARIOS_DIR = PACKAGE_DIR / "scenarios"
PARAMETERS_FILE = PACKAGE_DIR / "parameters.yaml"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FORMS = {"paper", "electronic_partial", "electronic_full"}
STEP_UNITS = {"working_days", "calendar_days", "calendar_months", "calendar_years", "minutes"}
TERM_UNITS = {"working_days", "minutes"}
STEPS = frozenset(STEP_ANCHORS)
PLACEMENTS = ("guardianship", "foster_family", "patronage")  # kinds of placement the data bank records  # the step codes the deadline engine knows how to count


class CatalogError(ValueError):
    """The catalogue breaks its format; the message names the file and the place."""


def read_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)  # nosec B506  # _Loader is (C)SafeLoader


class _Reader:
    """Checks one mapping's keys and reads typed values, naming the place on every error."""

    def __init__(self, where: str):
        self.where = where
        self.bounds: dict[str, tuple[float, float]] = {}  # the declared ranges of the version being read

    def fail(self, msg: str, place: str = "") -> CatalogError:
        return CatalogError(f"{self.where}{(' ' + place) if place else ''}: {msg}")

    def keys(self, m: Any, place: str, required: set[str], optional: set[str] = frozenset()) -> Mapping:
        if not isinstance(m, Mapping):
            raise self.fail("expected a mapping", place)
        unknown = set(m) - required - optional
        if unknown:
            raise self.fail(f"unknown key(s) {sorted(unknown)}", place)
        absent = required - set(m)
        if absent:
            raise self.fail(f"missing key(s) {sorted(absent)}", place)
        return m

    def citation(self, m: Any, place: str) -> Citation:
        if m is None:
            raise self.fail("a rule without a citation", place)
        m = self.keys(m, place + ".citation", {"source", "clause"})
        source, clause = m["source"], m["clause"]
        if (
            not isinstance(source, str)
            or not source.strip()
            or not isinstance(clause, str | int)
            or not str(clause).strip()
        ):
            raise self.fail("citation needs a non-empty source and clause", place)
        return Citation(source=source.strip(), clause=str(clause).strip())

    def text(self, m: Any, place: str) -> Text:
        m = self.keys(m, place, {"kk", "ru", "en"})
        for lang in ("kk", "ru", "en"):
            if not isinstance(m[lang], str) or not m[lang].strip():
                raise self.fail(f"text in {lang} is empty", place)
        return Text(kk=m["kk"].strip(), ru=m["ru"].strip(), en=m["en"].strip())

    def date(self, v: Any, place: str, *, nullable: bool = False) -> dt.date | None:
        if v is None and nullable:
            return None
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                pass
        raise self.fail(f"expected an ISO date, got {v!r}", place)

    def integer(self, v: Any, place: str, *, nullable: bool = False) -> int | None:
        if v is None and nullable:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(f"expected a whole number, got {v!r}", place)
        return v

    def unknowns(self, items: Any, place: str) -> tuple[Unknown, ...]:
        out = []
        for i, u in enumerate(items or ()):
            u = self.keys(u, f"{place}[{i}]", {"field", "reason"})
            if not str(u["reason"]).strip():
                raise self.fail("an unknown needs a reason", f"{place}[{i}]")
            out.append(Unknown(field=str(u["field"]), reason=str(u["reason"]).strip()))
        return tuple(out)

    def expr(self, node: Any, place: str):
        try:
            return compile_expr(node, exception_factory=self.exception_factory(place), bounds=self.bounds)
        except ExpressionError as exc:
            raise self.fail(f"bad expression: {exc}", place) from None

    def exception_factory(self, place: str):
        def make(spec: Any, compiler) -> Exception_:
            spec = self.keys(spec, place + ".unless", {"code", "text", "when", "citation"})
            try:
                when = compiler.compile(spec["when"], "boolean")
            except ExpressionError as exc:
                raise self.fail(f"bad expression: {exc}", place + f".unless[{spec['code']}]") from None
            return Exception_(
                code=str(spec["code"]),
                when=when,
                citation=self.citation(spec["citation"], place + f".unless[{spec['code']}]"),
                text=self.text(spec["text"], place + f".unless[{spec['code']}].text"),
            )

        return make


def _load_version(r: _Reader, slug: str, service_names: Text, m: Any, idx: int) -> ServiceVersion:
    place = f"versions[{idx}]"
    m = r.keys(
        m,
        place,
        {"id", "in_force_from", "in_force_until", "source_status", "legal_basis"},
        {
            "in_force_from_certainty",
            "in_force_until_certainty",
            "window_note",
            "names",
            "provider_kinds",
            "provider_kinds_citation",
            "channels",
            "term",
            "form",
            "form_citation",
            "results",
            "fee",
            "schedules",
            "schedules_citation",
            "duty_schedules",
            "duty_schedules_citation",
            "documents",
            "grounds",
            "obligations",
            "steps",
            "unknown",
            "procedure",
            "fact_sources",
            "facts",
            "interpretations",
            "editions_not_in_sources_before",
            "home_visit",
        },
    )
    vid = str(m["id"])
    place = f"version {vid}"
    status = m["source_status"]
    if status not in ("complete", "incomplete_source"):
        raise r.fail("source_status must be complete or incomplete_source", place)
    for key in ("in_force_from_certainty", "in_force_until_certainty"):
        if m.get(key, "exact") not in ("exact", "estimated"):
            raise r.fail(f"{key} must be exact or estimated", place)
    lb = r.keys(m["legal_basis"], place + ".legal_basis", {"text", "citation"})
    legal_basis = LegalBasis(
        r.text(lb["text"], place + ".legal_basis.text"), r.citation(lb["citation"], place + ".legal_basis")
    )
    start = r.date(m["in_force_from"], place + ".in_force_from")
    end = r.date(m["in_force_until"], place + ".in_force_until", nullable=True)
    if end is not None and end <= start:
        raise r.fail("in_force_until must be after in_force_from", place)

    channels = []
    for i, c in enumerate(m.get("channels") or ()):
        cp = f"{place}.channels[{i}]"
        c = r.keys(
            c,
            cp,
            {"channel", "citation"},
            {
                "max_wait_minutes",
                "max_service_minutes",
                "reception_at_registration_of",
                "reception_citation",
                "originals_returned",
                "originals_citation",
            },
        )
        if c["channel"] not in CHANNELS:
            raise r.fail(f"unknown channel {c['channel']!r}", cp)
        channels.append(
            Channel(
                channel=c["channel"],
                max_wait_minutes=r.integer(c.get("max_wait_minutes"), cp, nullable=True),
                max_service_minutes=r.integer(c.get("max_service_minutes"), cp, nullable=True),
                citation=r.citation(c.get("citation"), cp),
                **_office_duties(r, c, cp),
            )
        )
    if len({c.channel for c in channels}) != len(channels):
        raise r.fail("a channel is listed twice", place)

    term = None
    if m.get("term") is not None:
        t = r.keys(m["term"], place + ".term", {"value", "unit", "citation"})
        if t["unit"] not in TERM_UNITS:
            raise r.fail(f"term unit must be one of {sorted(TERM_UNITS)}", place + ".term")
        term = Term(
            value=r.integer(t["value"], place + ".term"),
            unit=t["unit"],
            citation=r.citation(t["citation"], place + ".term"),
        )
    elif status == "complete":
        raise r.fail("a complete version needs a term", place)

    form = tuple(m.get("form") or ())
    if set(form) - FORMS:
        raise r.fail(f"unknown form {sorted(set(form) - FORMS)}", place)
    if form and m.get("form_citation") is None:
        raise r.fail("a form without a citation", place)

    results = []
    for i, res in enumerate(m.get("results") or ()):
        rp = f"{place}.results[{i}]"
        res = r.keys(res, rp, {"code", "text", "citation"})
        results.append(
            Result(str(res["code"]), r.text(res["text"], rp + ".text"), r.citation(res["citation"], rp))
        )

    fee = None
    if m.get("fee") is not None:
        f = r.keys(m["fee"], place + ".fee", {"citation"}, {"free", "amount_mci"})
        fee = Fee(
            free=f.get("free"),
            amount_mci=f.get("amount_mci"),
            citation=r.citation(f["citation"], place + ".fee"),
        )

    schedules = dict(m.get("schedules") or {})
    for ch, schedule_id in schedules.items():
        if ch not in CHANNELS:
            raise r.fail(f"schedule for unknown channel {ch!r}", place)
        if schedule_id not in SCHEDULES:  # checked at load like any reference, not at the first deadline
            raise r.fail(f"unknown schedule {schedule_id!r} for channel {ch!r}", place)
    if schedules and m.get("schedules_citation") is None:
        raise r.fail("schedules without a citation", place)
    duty_schedules = dict(m.get("duty_schedules") or {})
    for ch, schedule_id in duty_schedules.items():
        if ch not in CHANNELS or schedule_id not in SCHEDULES:
            raise r.fail(f"duty schedule {schedule_id!r} for channel {ch!r}: unknown", place)
    if duty_schedules and m.get("duty_schedules_citation") is None:
        raise r.fail("duty schedules without a citation", place)

    documents = []
    for i, d in enumerate(m.get("documents") or ()):
        dp = f"{place}.documents[{i}]"
        d = r.keys(
            d, dp, {"code", "name", "channels", "citation"}, {"condition", "condition_text", "registry"}
        )
        if set(d["channels"]) - set(CHANNELS):
            raise r.fail("unknown channel in document", dp)
        if d.get("registry") is not None and d["registry"] not in REGISTRIES:
            raise r.fail(f"unknown registry {d['registry']!r}", dp)
        documents.append(
            Document(
                code=str(d["code"]),
                name=r.text(d["name"], dp + ".name"),
                channels=tuple(d["channels"]),
                condition=r.expr(d["condition"], dp + ".condition")
                if d.get("condition") is not None
                else None,
                condition_text=r.text(d["condition_text"], dp + ".condition_text")
                if d.get("condition_text")
                else None,
                registry=d.get("registry"),
                citation=r.citation(d["citation"], dp),
            )
        )

    facts = fact_specs(r, m.get("facts"), place + ".facts")
    r.bounds = {
        p: (-math.inf if f.minimum is None else f.minimum, math.inf if f.maximum is None else f.maximum)
        for p, f in facts.items()
        if "[]" not in p and (f.minimum is not None or f.maximum is not None)
    }

    grounds = []
    for i, g in enumerate(m.get("grounds") or ()):
        gp = f"{place}.grounds[{i}]"
        g = r.keys(g, gp, {"item", "code", "text", "citation"}, {"judgement", "unless", "when", "interpretation"})
        gp = f"{place}.ground {g['item']}"
        interpretation, when = interpretation_of(r, g.get("interpretation"), gp + ".interpretation", g.get("when"))
        grounds.append(
            Ground(
                item=r.integer(g["item"], gp),
                code=str(g["code"]),
                text=r.text(g["text"], gp + ".text"),
                citation=r.citation(g["citation"], gp),
                when=r.expr(when, gp + ".when"),
                unless=tuple(r.exception_factory(gp)(u, _top_compiler(r, gp)) for u in g.get("unless") or ()),
                judgement=bool(g.get("judgement", False)),
                interpretation=interpretation,
            )
        )
    items = [g.item for g in grounds]
    if len(set(items)) != len(items):
        raise r.fail("a ground item number is used twice", place)
    grounds.sort(key=lambda g: g.item)

    obligations = []
    for i, o in enumerate(m.get("obligations") or ()):
        op = f"{place}.obligations[{i}]"
        o = r.keys(o, op, {"code", "text", "when", "citation"}, {"due"})
        due = None
        if o.get("due") is not None:
            dm = r.keys(o["due"], op + ".due", {"value", "unit", "from"})
            if dm["unit"] not in STEP_UNITS:
                raise r.fail("unknown unit", op + ".due")
            due = Due(value=r.integer(dm["value"], op + ".due"), unit=dm["unit"], anchor=str(dm["from"]))
        obligations.append(
            Obligation(
                code=str(o["code"]),
                text=r.text(o["text"], op + ".text"),
                citation=r.citation(o["citation"], op),
                when=r.expr(o["when"], op + ".when"),
                due=due,
            )
        )

    steps = []
    for i, s in enumerate(m.get("steps") or ()):
        sp = f"{place}.steps[{i}]"
        s = r.keys(s, sp, {"step", "value", "unit", "citation"}, {"note"})
        if s["step"] not in STEPS:
            raise r.fail(f"unknown step {s['step']!r}", sp)
        if s["unit"] not in STEP_UNITS:
            raise r.fail(f"unknown unit {s['unit']!r}", sp)
        steps.append(
            StepRule(
                step=s["step"],
                value=r.integer(s["value"], sp),
                unit=s["unit"],
                citation=r.citation(s["citation"], sp),
                note=r.text(s["note"], sp + ".note") if s.get("note") else None,
            )
        )
    if len({s.step for s in steps}) != len(steps):
        raise r.fail("a step is listed twice", place)

    interpretations = tuple(
        interpretation_of(r, x, f"{place}.interpretations[{i}]", None)[0]
        for i, x in enumerate(m.get("interpretations") or ())
    )
    gap = edition_gap(r, m.get("editions_not_in_sources_before"), place + ".editions_not_in_sources_before", start)

    version = ServiceVersion(
        slug=slug,
        id=vid,
        in_force_from=start,
        in_force_until=end,
        in_force_from_certainty=m.get("in_force_from_certainty", "exact"),
        in_force_until_certainty=m.get("in_force_until_certainty", "exact"),
        window_note=m.get("window_note"),
        source_status=status,
        legal_basis=legal_basis,
        names=r.text(m["names"], place + ".names") if m.get("names") else service_names,
        provider_kinds=tuple(m.get("provider_kinds") or ()),
        provider_kinds_citation=r.citation(m["provider_kinds_citation"], place + ".provider_kinds")
        if m.get("provider_kinds_citation")
        else None,
        channels=tuple(channels),
        term=term,
        form=form,
        form_citation=r.citation(m["form_citation"], place + ".form") if m.get("form_citation") else None,
        results=tuple(results),
        fee=fee,
        schedules=schedules,
        duty_schedules=duty_schedules,
        duty_schedules_citation=r.citation(m["duty_schedules_citation"], place + ".duty_schedules")
        if m.get("duty_schedules_citation")
        else None,
        schedules_citation=r.citation(m["schedules_citation"], place + ".schedules")
        if m.get("schedules_citation")
        else None,
        documents=tuple(documents),
        grounds=tuple(grounds),
        obligations=tuple(obligations),
        steps=tuple(steps),
        unknown=r.unknowns(m.get("unknown"), place + ".unknown"),
        procedure=_procedure(r, m.get("procedure"), place, status),
        facts=facts,
        bounds=dict(r.bounds),
        interpretations=interpretations,
        edition_gap=gap,
        home_visit=home_visit(r, m.get("home_visit"), place + ".home_visit", tuple(c.channel for c in channels)),
    )
    r.bounds = {}
    from qamqor.catalog.facts_schema import DeclarationError, check_declarations

    try:
        check_declarations(version)
    except DeclarationError as exc:
        raise r.fail(str(exc), place + ".facts") from None
    return version


RECEPTION_SUBJECTS = ("applicant", "child")


def _office_duties(r: _Reader, c: Mapping, cp: str) -> dict:
    """A channel's territorial reception rule and its originals-returned duty, each with its clause."""
    out: dict = {}
    of = c.get("reception_at_registration_of")
    if of is not None:
        of = tuple(of) if isinstance(of, list) else None
        if not of or set(of) - set(RECEPTION_SUBJECTS):
            raise r.fail(f"reception_at_registration_of must list some of {list(RECEPTION_SUBJECTS)}", cp)
        out["reception_at_registration_of"] = of
        out["reception_citation"] = r.citation(c.get("reception_citation"), cp + ".reception")
    if c.get("originals_returned") is not None:
        if not isinstance(c["originals_returned"], bool):
            raise r.fail("originals_returned must be true or false", cp)
        out["originals_returned"] = c["originals_returned"]
        if c["originals_returned"]:
            out["originals_citation"] = r.citation(c.get("originals_citation"), cp + ".originals")
    return out


def _procedure(r: _Reader, m: Any, place: str, status: str) -> Procedure | None:
    """The version's `procedure` (its text, placement kind and decider); a complete version needs one."""
    if m is None:
        if status == "complete":
            raise r.fail("a complete version needs its procedure (text, decided_by)", place)
        return None
    p = place + ".procedure"
    m = r.keys(m, p, {"text", "citation"}, {"placement", "decided_by"})
    if str(m["text"]) not in procedures().texts:
        raise r.fail(f"unknown procedure text {m['text']!r} (procedures.yaml)", p)
    if m.get("decided_by", "case") not in DECIDERS:
        raise r.fail(f"decided_by must be one of {DECIDERS}", p)
    if m.get("placement") is not None and m["placement"] not in PLACEMENTS:
        raise r.fail(f"placement must be one of {PLACEMENTS}", p)
    return Procedure(
        text=str(m["text"]),
        placement=m.get("placement"),
        decided_by=m.get("decided_by", "case"),
        citation=r.citation(m["citation"], p),
    )


def _facts_read(v: ServiceVersion) -> frozenset[str]:
    paths: set[str] = set()
    for g in v.grounds:
        paths.update(p for p, _h in g.when.facts)
        for e in g.unless:
            paths.update(p for p, _h in e.when.facts)
    for o in v.obligations:
        paths.update(p for p, _h in o.when.facts)
    for d in v.documents:
        if d.condition is not None:
            paths.update(p for p, _h in d.condition.facts)
    return frozenset(paths)


def _with_sources(r: _Reader, v: ServiceVersion, service_level: Any, own: Any) -> ServiceVersion:
    """Attach the fact sources (the version's own first, then the service's) and check that every
    fact a rule reads has its accepted sources (provenance.py)."""
    codes = {d.code for d in v.documents}
    place = f"version {v.id}"
    rules = read_fact_sources(own, r, place + ".fact_sources", codes) + read_fact_sources(
        service_level, r, "fact_sources", codes
    )
    read = _facts_read(v)
    missing = uncovered(rules, read)
    if missing and v.source_status == "complete":
        raise r.fail(f"facts without their accepted sources (fact_sources): {missing}", place)
    return replace(v, fact_sources=rules, facts_read=read)


def _top_compiler(r: _Reader, place: str):
    from qamqor.rules.logic import Compiler

    return Compiler(r.exception_factory(place), inside_item=False, bounds=r.bounds)


def load_service(path: Path, *, draft: bool = False) -> Service:
    r = _Reader(path.name)
    m = r.keys(read_yaml(path), "", {"slug", "names", "versions"}, {"order_item", "unknown", "fact_sources"})
    slug = m["slug"]
    if slug != path.stem and not draft:
        raise r.fail(f"slug {slug!r} differs from the file name")
    names = r.text(m["names"], "names")
    raw_versions = m["versions"]
    if not isinstance(raw_versions, list) or not raw_versions:
        raise r.fail("a service needs at least one version")
    versions = [
        _with_sources(r, _load_version(r, slug, names, v, i), m.get("fact_sources"), v.get("fact_sources"))
        for i, v in enumerate(raw_versions)
    ]
    versions.sort(key=lambda v: v.in_force_from)
    if len({v.id for v in versions}) != len(versions):
        raise r.fail("a version id is used twice")
    for a, b in zip(versions, versions[1:], strict=False):
        b_start = b.edition_gap.start if b.edition_gap else b.in_force_from
        if a.in_force_until is None or a.in_force_until > b_start:
            raise r.fail(f"version windows overlap: {a.id} and {b.id}")
    return Service(
        slug=slug,
        order_item=r.integer(m.get("order_item"), "order_item", nullable=True),
        names=names,
        versions=tuple(versions),
        unknown=r.unknowns(m.get("unknown"), "unknown"),
    )


def load_draft_service(path: Path) -> Service:
    """A draft amendment of a service (`qamqor impact --draft`): the same strict format and checks as
    the catalogue's own definitions, under any file name."""
    return load_service(path, draft=True)


def load_parameters(path: Path) -> dict[str, DatedParameter]:
    r = _Reader(path.name)
    raw = read_yaml(path) or {}
    out = {}
    for code, spec in raw.items():
        spec = r.keys(spec, code, {"unit", "name", "values"})
        values = []
        for i, v in enumerate(spec["values"]):
            vp = f"{code}.values[{i}]"
            v = r.keys(v, vp, {"from", "value", "citation"}, {"certainty"})
            if not isinstance(v["value"], int | float) or isinstance(v["value"], bool):
                raise r.fail("value must be a number", vp)
            if v.get("certainty", "confirmed") not in ("confirmed", "uncertain"):
                raise r.fail("certainty must be confirmed or uncertain", vp)
            values.append(
                DatedValue(
                    valid_from=r.date(v["from"], vp),
                    value=v["value"],
                    citation=r.citation(v.get("citation"), vp),
                    certainty=v.get("certainty", "confirmed"),
                )
            )
        values.sort(key=lambda x: x.valid_from)
        out[code] = DatedParameter(
            code=code, unit=str(spec["unit"]), name=r.text(spec["name"], code + ".name"), values=tuple(values)
        )
    return out


def load_catalog_from(definitions_dir: Path, parameters_file: Path | None) -> Catalog:
    services = {}
    for path in sorted(definitions_dir.glob("*.yaml")):
        svc = load_service(path)
        services[svc.slug] = svc
    params = load_parameters(parameters_file) if parameters_file and parameters_file.exists() else {}
    return Catalog(services=services, parameters=params)


@functools.lru_cache(maxsize=4)
def _cached(definitions_dir: str, parameters_file: str) -> Catalog:
    return load_catalog_from(Path(definitions_dir), Path(parameters_file))


def load_catalog() -> Catalog:
    """The catalogue shipped with the package (or `QAMQOR_CATALOG_DIR`), loaded once per process."""
    root = os.environ.get("QAMQOR_CATALOG_DIR")
    if root:
        return _cached(str(Path(root) / "definitions"), str(Path(root) / "parameters.yaml"))
    return _cached(str(DEFINITIONS_DIR), str(PARAMETERS_FILE))


# The catalogue the case and data-bank services decide with; None = `load_catalog()`. One setting for
# the process, so that a catalogue installed by a test or the demo reaches every layer that reads it
# (a case's grant recording a placement in the data bank, the certificate the data bank decides).
_active: Catalog | None = None


def active_catalog() -> Catalog:
    """The catalogue the services use: the one `use_catalog` installed, else `load_catalog()`."""
    return _active if _active is not None else load_catalog()


def use_catalog(catalog: Catalog | None) -> Catalog | None:
    """Make `catalog` the active one for the whole process (None: back to `load_catalog()`).
    Returns the one it replaces, for a test fixture to put back."""
    global _active
    previous, _active = _active, catalog
    return previous
