"""The order establishing guardianship, issued with the result of a gated grant (the integrity tests'
world: the shipped catalogue, the sandbox registries), in both languages, read back from the PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from integrity.conftest import _shipped_catalogue, people, pop, sandbox_pop  # noqa: F401 (fixtures)
from integrity.test_databank import _granted
from integrity.test_gate import WHEN
from qamqor.cases import actions as sv
from qamqor.documents import services

from .test_case_documents import common_checks, issued, text_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_guardianship_order_is_issued_with_the_result(world, people, files_dir, lang):  # noqa: F811
    people.adult_user.language = lang
    people.adult_user.save(update_fields=["language"])
    world.officer.last_name, world.officer.first_name = "Маманова", "Айгүл"
    world.officer.save(update_fields=["last_name", "first_name"])
    case, decision = _granted(world, people)
    assert decision.kind == "grant"
    event = sv.issue_result(case, actor=world.officer, at=WHEN + dt.timedelta(hours=1))
    doc = issued(event)
    assert (doc.kind, doc.lang, doc.organisation_code) == ("guardianship_decision", lang, "astana-education")
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, case, lang)
    assert people.adult.iin in text and people.child.full_name in text
    assert case.number in text.replace(" ", "")  # a long number may wrap
    assert "02.03.2026" in text and "Маманова Айгүл" in text
