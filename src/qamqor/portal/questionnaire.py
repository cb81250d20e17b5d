""" "Can I apply?": the questions a recipient may answer and the legal core's answer to them.

The questions are the facts of the version in force that the definition lets a recipient declare
(`fact_sources` accepting `declaration`), typed by the version's facts schema; the answer is
`catalog.evaluate_service` over those answers (and the consent, which the application itself gives).
Nothing here is a rule: which ground stands in the way, with its clause, is the evaluation's; which
documents to bring is the version's document list with its conditions over the same answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from qamqor.catalog import evaluate_service
from qamqor.catalog.facts_schema import facts_schema
from qamqor.registries.types import REGISTRY_NAMES
from qamqor.rules.logic import Context, as_condition

CONSENT = "consent_personal_data"
APPLICATION_FORMS = ("application", "application_electronic")  # the application itself is not "brought"

# The wording of each question (the fact paths a recipient may declare somewhere in the catalogue).
QUESTIONS = {
    "child.category": _("Which of these describes the child's family?"),
    "applicant.married": _("Are you married?"),
    "applicant.monthly_income": _("Your family's total monthly income, in tenge"),
    "applicant.household_size": _("How many people live in your family, you included?"),
    "applicant.owns_housing": _("Do you own your home?"),
    "applicant.relation_to_child": _("How are you related to the child?"),
    "applicant.psych_training_certificate": _(
        "Do you have the certificate of the psychological and pedagogical training?"
    ),
    "applicant.disease_preventing_care": _(
        "Do you have a disease that prevents you from caring for a child?"
    ),
    "applicant.dispensary_registered": _("Are you registered at a psychiatric or narcological dispensary?"),
    "child.mother_died_or_deprived": _("Has the child's mother died or been deprived of parental rights?"),
}
VALUE_LABELS = {
    "close_relative": _("close relative"),
    "relative": _("relative"),
    "stepparent": _("stepmother or stepfather"),
    "none": _("not related"),
}
UNKNOWN_ANSWER = "unknown"
DATABANK = _("the Republican data bank")


@dataclass
class Question:
    path: str
    kind: str  # boolean | choice | integer | number | date
    label: str
    choices: list[tuple[str, str]] = field(default_factory=list)
    document: str | None = None  # the document that must come with this declaration
    value: Any = None
    raw: str = ""
    error: str = ""

    @property
    def name(self) -> str:
        return "f-" + self.path.replace(".", "-")


def _schema_of(schema: dict, path: str) -> dict:
    node = schema
    for part in path.split("."):
        node = (node.get("properties") or {}).get(part) or {}
    return node


def _condition_labels(version, path: str, lang: str) -> dict[str, str]:
    """A closed value's plain words where the definition states them: a document required when the
    fact equals that value carries the condition's text (e.g. camp-referral's child categories)."""
    out = {}
    for d in version.documents:
        if d.condition is None or d.condition_text is None:
            continue
        src = d.condition.source
        if isinstance(src, dict) and set(src) == {"eq"}:
            left, right = src["eq"]
            if left == {"fact": path} and isinstance(right, str):
                out[right] = d.condition_text.get(lang)
    return out


def questions(version, lang: str) -> list[Question]:
    """The recipient's questions of this version, by fact path."""
    schema = facts_schema(version)
    out = []
    for path in sorted(version.facts_read):
        src = version.fact_source(path)
        if src is None or "declaration" not in src.accept:
            continue
        node = _schema_of(schema, path)
        types = node.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        label = str(QUESTIONS.get(path, path))
        if "enum" in node:
            words = _condition_labels(version, path, lang)
            choices = [
                (v, words.get(v) or str(VALUE_LABELS.get(v, v))) for v in node["enum"] if v is not None
            ]
            q = Question(path, "choice", label, choices)
        elif "boolean" in types:
            q = Question(path, "boolean", label)
        elif "integer" in types:
            q = Question(path, "integer", label)
        elif "number" in types:
            q = Question(path, "number", label)
        elif node.get("format") == "date":
            q = Question(path, "date", label)
        else:  # a list of records (convictions…): the registries and the official, not a question
            continue
        q.document = src.document
        out.append(q)
    return out


def read_answers(qs: list[Question], data) -> dict[str, Any]:
    """The answers as facts (dotted path → value); "I don't know" and blanks are left out; a value
    that is not one of the question's gets the question's error and is left out too."""
    facts: dict[str, Any] = {}
    for q in qs:
        raw = (data.get(q.name) or "").strip()
        q.raw = raw
        if not raw or raw == UNKNOWN_ANSWER:
            continue
        try:
            if q.kind == "boolean":
                if raw not in ("yes", "no"):
                    raise ValueError
                value: Any = raw == "yes"
            elif q.kind == "choice":
                if raw not in dict(q.choices):
                    raise ValueError
                value = raw
            elif q.kind == "integer":
                value = int(raw)
                if value < 0:
                    raise ValueError
            elif q.kind == "number":
                value = float(raw.replace(",", ".").replace("\xa0", "").replace(" ", ""))
                if value < 0:
                    raise ValueError
            else:
                value = dt.datetime.strptime(raw, "%d.%m.%Y").date().isoformat()
        except ValueError:
            q.error = str(_("Choose one of the answers or enter a valid value."))
            continue
        q.value = value
        facts[q.path] = value
    return facts


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        *parents, last = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return out


@dataclass
class Open:
    """A ground the answers leave open, and who establishes what it still needs."""

    ground: Any  # GroundResult
    registries: list  # the state information systems' names (Text) that supply its facts
    officer: bool  # an official's finding
    consent: bool  # the application's consent
    unanswered: bool  # a question the recipient left as "I don't know"


@dataclass
class Answer:
    decision: str
    fired: list  # GroundResult that stand in the way
    open_grounds: list  # Open: the grounds still open and who will establish each
    documents: list  # (Document, condition applies: True | None)
    message: dict | None


def _open(version, ground) -> Open:
    """Who establishes the facts a ground still needs, per the version's `fact_sources`: a fact the
    recipient may declare and did not is theirs; else the registries it names, or an official."""
    out = Open(ground, [], False, False, False)
    for path in ground.missing_facts:
        src = version.fact_source(path)
        accept = src.accept if src else ()
        if "declaration" in accept:
            out.unanswered = True
        elif "registry" in accept or "databank" in accept:
            names = [REGISTRY_NAMES[r] for r in src.registries if r in REGISTRY_NAMES]
            if "databank" in accept:
                names.append(REGISTRY_NAMES.get("databank") or DATABANK)
            out.registries += [n for n in names if n not in out.registries]
        elif "consent" in accept:
            out.consent = True
        else:  # officer, automation
            out.officer = True
    return out


def answer(catalog, version, flat: dict[str, Any], consent: bool, channel: str, on: dt.date) -> Answer:
    facts = dict(flat)
    if CONSENT in version.facts_read:
        facts[CONSENT] = consent
    doc = nested(facts)
    ev = evaluate_service(catalog, version.slug, doc, on)
    open_grounds = [_open(version, g) for g in ev.all_grounds if g.status == "unknown"]
    ctx = Context(doc, on, catalog.params_on(on))
    documents = []
    for d in version.documents:
        if channel not in d.channels or d.code in APPLICATION_FORMS:
            continue
        needed = True if d.condition is None else as_condition(d.condition)(ctx)
        if needed is False:
            continue
        documents.append((d, needed))
    return Answer(ev.decision, list(ev.grounds), open_grounds, documents, ev.message)
