"""Every template in both languages: rendered, the text extracted back, what it says compared."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from qamqor.documents import registry, rendering

from .samples import CHILD, KAZAKH_LETTERS, RECIPIENT, context_for

KINDS = sorted(registry.kinds())
CODE = "ABCD-EFGH-JKMN"


def _text(pdf: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def _render(kind, lang, context):
    return rendering.render(
        kind, lang, context, code=CODE, verify_url=f"https://qamqor.example/verify/{CODE}"
    )


def test_the_registry_covers_every_form_of_the_seeds_and_every_result():
    forms = {k.form for k in registry.kinds().values() if k.layout == "law"}
    assert forms == {
        "003_4cf6e905af0d21d2.txt annex 1",
        "003_4cf6e905af0d21d2.txt annex 3",
        "003_4cf6e905af0d21d2.txt annex 4",
        "000_e53799d7e328390d.txt annex 1",
        "000_e53799d7e328390d.txt annex 2",
        "000_e53799d7e328390d.txt annex 3",
        "002_eefeb2ec619131ea.txt annex 11, its annex 1",
        "002_eefeb2ec619131ea.txt annex 11, its annex 3",
    }
    ours = {k.code for k in registry.kinds().values() if k.layout == "ours"}
    assert ours == {
        "guardianship_certificate", "camp_referral", "guardianship_decision", "foster_family_decision",
        "patronage_decision", "motivated_refusal", "preliminary_refusal_notice", "hearing_record", "acceptance_receipt",
        "complaint_answer",
    }  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_a_template_says_in_its_source_whose_layout_it_is(kind):
    spec = registry.get(kind)
    source = (registry.FORMS_DIR / spec.template).read_text(encoding="utf-8")
    if spec.layout == "ours":
        assert "OURS" in source
    else:
        assert spec.form.split(",")[0].split(" annex")[0] in source  # the seed file of the form is cited


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_template_renders_what_the_context_says(kind, lang):
    ctx = context_for(kind)
    text = _text(_render(kind, lang, ctx))
    assert RECIPIENT["name"] in text
    assert CODE in text
    assert ctx["issued_on"].strftime("%d.%m.%Y") in text  # dates as dd.mm.yyyy
    if "children" in registry.get(kind).requires:
        assert CHILD["name"] in text
    if "period" in ctx:
        assert "07.12.2026" in text and "07.06.2027" in text
    for ground in ctx.get("grounds", []):
        assert ground["citation"] in text
    for doc in ctx.get("missing_documents", []) + ctx.get("expired_documents", []):
        assert doc in text
    if kind.endswith("refusal_receipt"):
        assert ("Жоқ құжаттардың атауы" if lang == "kk" else "Наименование отсутствующих документов") in text
    if "hearing.place" in registry.get(kind).requires:
        assert ctx["hearing"]["place"] in text and "10.12.2026 11:00" in text
    title = registry.get(kind).title_in(lang)
    assert title.split()[0] in text


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kazakh_letter_survives(kind, lang):
    ctx = context_for(kind)
    ctx["recipient"] = {**ctx["recipient"], "name": f"{KAZAKH_LETTERS[:9]} {KAZAKH_LETTERS[9:]}"}
    text = _text(_render(kind, lang, ctx))
    assert f"{KAZAKH_LETTERS[:9]} {KAZAKH_LETTERS[9:]}" in text
    assert [c for c in KAZAKH_LETTERS if c not in text] == []


def test_the_russian_and_kazakh_texts_differ():
    kk = _text(_render("meeting_permission", "kk", context_for("meeting_permission")))
    ru = _text(_render("meeting_permission", "ru", context_for("meeting_permission")))
    assert "кездесуге рұқсат береді" in kk and "разрешает встречу" in ru
    assert "разрешает" not in kk


def test_a_missing_field_is_named_and_nothing_is_rendered():
    ctx = context_for("meeting_permission")
    del ctx["officer"]
    ctx["recipient"] = {k: v for k, v in ctx["recipient"].items() if k != "address"}
    with pytest.raises(rendering.ContextError) as err:
        _render("meeting_permission", "kk", ctx)
    assert err.value.missing == ["recipient.address", "officer.name"]


@pytest.mark.parametrize("kind", ["meeting_permission", "legacy_meeting_permission", "camp_referral"])
def test_a_permission_without_its_period_is_made_with_the_blanks_empty(kind):
    ctx = context_for(kind)
    del ctx["period"]
    text = _text(_render(kind, "kk", ctx))
    assert RECIPIENT["name"] in text and CHILD["name"] in text and "07.12.2026" not in text


def test_a_result_decided_by_the_system_says_so():
    ctx = context_for("patronage_decision")
    assert ctx["automated"] in _text(_render("patronage_decision", "kk", ctx))
    del ctx["automated"]
    assert "автоматты" not in _text(_render("patronage_decision", "kk", ctx))


def test_a_refusal_receipt_needs_missing_or_expired_documents():
    ctx = context_for("meeting_refusal_receipt")
    ctx["missing_documents"], ctx["expired_documents"] = [], []
    with pytest.raises(rendering.ContextError):
        _render("meeting_refusal_receipt", "kk", ctx)


def test_an_unknown_kind_is_refused():
    with pytest.raises(registry.UnknownKind):
        _render("marriage_certificate", "kk", {})
