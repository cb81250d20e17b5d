"""The portal application in progress, kept server-side in the recipient's session (one draft per
service), and the steps it goes through. Nothing a step has acknowledged is lost: each step writes
the draft only after its input passed, and the scans are stored at once (`documents.uploads`, owner
`draft:<key>`) so a later step, a reload or the sign-in's session change keeps them.

Which documents to upload is the pinned version's list for the portal channel with its conditions
over the answers (as the completeness check reads it, `cases.actions.gate.missing_documents`): a
document a registry can supply is offered, not demanded (the registries are asked once the
application is in, `003_4cf6e905af0d21d2.txt` §8; if the registry then has no record the copy is
asked on the status page, decision 0029)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from qamqor.portal import questionnaire
from qamqor.registries.prefill import document_query
from qamqor.rules.logic import Context, as_condition

SESSION_KEY = "portal_drafts"
CHANNEL = "portal"
# the pages of the application, in order (GOV.UK: one thing per page)
STEPS = ("provider", "child", "questions", "consent", "documents", "check")


def needs_child(version) -> bool:
    """The service is about a child: its rules read a fact of the child or it asks for the child's
    documents (the application names the child)."""
    return any(p.startswith("child.") for p in version.facts_read) or any(
        "child" in d.code for d in version.documents
    )


def steps_for(version) -> list[str]:
    out = ["provider"]
    if needs_child(version):
        out.append("child")
    if questionnaire.questions(version, "kk"):
        out.append("questions")
    if version.needs_consent:
        out.append("consent")
    if any(
        CHANNEL in d.channels and d.code not in questionnaire.APPLICATION_FORMS for d in version.documents
    ):
        out.append("documents")
    out.append("check")
    return out


def drafts(session) -> dict:
    return session.setdefault(SESSION_KEY, {})


def get(session, slug: str) -> dict:
    """The draft of `slug` (a new one with its own key: the submission's idempotency key)."""
    all_drafts = drafts(session)
    if slug not in all_drafts:
        # the answers of "can I apply?" for this service, if the recipient gave them, fill the questions
        answers = dict(session.get("portal_check", {}).get(slug, {}))
        all_drafts[slug] = {"key": uuid.uuid4().hex, "done": [], "answers": answers, "uploads": {}}
        session.modified = True
    return all_drafts[slug]


def save(session, slug: str, draft: dict, step: str) -> None:
    if step not in draft["done"]:
        draft["done"].append(step)
    drafts(session)[slug] = draft
    session.modified = True


def keep(session, slug: str, draft: dict) -> None:
    drafts(session)[slug] = draft
    session.modified = True


def drop(session, slug: str) -> None:
    drafts(session).pop(slug, None)
    session.modified = True


def owner(draft: dict) -> str:
    return f"draft:{draft['key']}"


def first_missing(version, draft: dict, upto: str) -> str | None:
    """The first step before `upto` not yet done (a page reached out of order goes back there)."""
    for step in steps_for(version):
        if step == upto:
            return None
        if step not in draft["done"]:
            return step
    return None


def next_step(version, step: str) -> str:
    order = steps_for(version)
    return order[order.index(step) + 1]


@dataclass
class Wanted:
    document: object  # catalog Document
    required: bool  # False: a registry supplies it when it holds the record
    upload: dict | None  # the draft's scan of it {id, name}


def documents_wanted(catalog, version, draft: dict, on: dt.date) -> list[Wanted]:
    """The documents to upload for the portal, by the version's conditions over the draft's answers
    (a condition the answers leave open counts as needed, as the completeness check counts it)."""
    flat = dict(draft.get("facts") or {})
    ctx = Context(questionnaire.nested(flat), on, catalog.params_on(on))
    out = []
    for d in version.documents:
        if CHANNEL not in d.channels or d.code in questionnaire.APPLICATION_FORMS:
            continue
        if d.condition is not None and as_condition(d.condition)(ctx) is False:
            continue
        # required unless a registry this system asks holds it (as `gate.missing_documents` counts it)
        out.append(Wanted(d, document_query(d.code, d.registry) is None, draft["uploads"].get(d.code)))
    return out
