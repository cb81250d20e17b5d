"""A result the system decided with no official still has its document (issue 12): the patronage
decision (`001` annex 2 row 5) or the motivated refusal, signed with the provider's key, naming the
information system where an officer would sign and saying that it was decided automatically; read
back from the PDF in both languages."""

from __future__ import annotations

import pytest
from django.utils import translation

from documents.conftest import files_dir, signing_dir  # noqa: F401 (fixtures)
from documents.test_case_documents import issued, text_of
from qamqor.cases.actions.issuing import documents_of
from qamqor.documents import services, verification
from qamqor.documents.registry import get as kind_of
from qamqor.documents.services import SYSTEM_ISSUER

from .test_automated import apply

pytestmark = pytest.mark.django_db


def _set_lang(user, lang):
    user.language = lang
    user.last_name, user.first_name = user.last_name or "Қуанышұлы", user.first_name or "Өмірхан"
    user.save(update_fields=["language", "last_name", "first_name"])


def _system_checks(text, doc, decision, lang):
    with translation.override(lang):
        assert str(SYSTEM_ISSUER) in text
    assert decision.reasons["decided_automatically"][lang][:60] in text
    assert doc.organisation_code == "almaty-bostandyk-edu"
    assert verification.verify_code(doc.code).status == "valid"
    assert verification.verify_pdf(services.document_bytes(doc)).status == "valid"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_automated_grant_has_its_signed_decision(world, files_dir, lang):  # noqa: F811
    _set_lang(world.recipient, lang)
    out = apply(world)
    assert out.result == "grant"
    event = out.case.events.get(action="issue_result")
    assert "not_made" not in event.payload["document"]
    doc = issued(event)
    assert (doc.kind, doc.lang) == ("patronage_decision", lang)
    text = text_of(services.document_bytes(doc))
    assert kind_of(doc.kind).title_in(lang).split()[0] in text and doc.display_code in text
    assert "Сейітова Айгүл" in text and world.clean_iin in text and world.child_iin in text
    assert "15.03.2023" in text and out.case.number in text.replace(" ", "")
    assert world.dept.name(lang) in text
    _system_checks(text, doc, out.decision, lang)
    assert [d.kind for d in documents_of(out.case)] == ["patronage_decision"]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_automated_refusal_has_its_signed_motivated_refusal(world, files_dir, lang):  # noqa: F811
    _set_lang(world.convicted, lang)
    out = apply(world, world.convicted)
    assert out.result == "refuse"
    event = out.case.events.get(action="issue_result")
    assert "not_made" not in event.payload["document"], event.payload
    doc = issued(event)
    assert (doc.kind, doc.lang) == ("motivated_refusal", lang)
    text = text_of(services.document_bytes(doc))
    for ground in out.decision.grounds:
        assert ground["citation"]["clause"] in text
    _system_checks(text, doc, out.decision, lang)


def test_a_retried_automated_request_gives_the_same_document(world, files_dir):  # noqa: F811
    first = apply(world, key="k-1")
    again = apply(world, key="k-1")
    assert again.replayed and again.case.pk == first.case.pk
    assert [d.pk for d in documents_of(first.case)] == [d.pk for d in documents_of(again.case)]
    assert len(documents_of(first.case)) == 1
