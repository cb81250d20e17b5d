"""The foster-family decision (`001` annex 3 row 5) and the forms of the earlier standard (`000`
annexes 1–3) from real cases of the shipped catalogue, in Kazakh and Russian: each taken through the
case layer's own steps (the gate included) to the step that produces it, its text read back from the
PDF and compared (names, IINs, dates dd.mm.yyyy, every Kazakh letter).

The application forms (`000` annex 2, like `003` annex 1) are the applicant's own paper: no step of
the case layer issues them; they are rendered here from the real case's context (the case layer's
`base_context`) and the period the applicant asks for."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import at, package
from integrity.conftest import _shipped_catalogue, people, pop, sandbox_pop  # noqa: F401 (fixtures)
from integrity.test_gate import DECLARED
from qamqor.cases import actions as sv
from qamqor.cases.actions import issuing
from qamqor.cases.models import Person
from qamqor.documents import rendering, services

from .test_case_documents import common_checks, issued, meeting, text_of

pytestmark = pytest.mark.django_db
KK_LETTERS = "әғқңөұүһі"  # each in the names printed (samples.KAZAKH_LETTERS: upper case too)
WHEN = at(2026, 3, 2, 11)
# a working Monday under the earlier standard (standard-annex-13: 19.06.2018 – 05.05.2020)
LEGACY = at(2019, 3, 4, 10)
PERIOD = {"from": dt.date(2019, 3, 18), "until": dt.date(2019, 6, 17)}


def _named(person, last, first, middle="", address=""):
    person.last_name, person.first_name, person.middle_name = last, first, middle
    person.address = address or person.address
    person.save()
    return person


def _every_letter(text):
    """Every Kazakh letter of the names printed comes back out of the PDF."""
    assert [c for c in KK_LETTERS if c not in text.lower()] == []


def _officer(world):
    for user, last, first in ((world.officer, "Өмірзақова", "Һәдия"), (world.operator, "Түсіпова", "Жанар")):
        user.last_name, user.first_name = last, first
        user.save(update_fields=["last_name", "first_name"])


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_foster_family_decision_from_a_gated_grant(world, people, files_dir, lang):  # noqa: F811
    people.adult_user.language = lang
    people.adult_user.save(update_fields=["language"])
    _officer(world)
    adult = _named(people.adult, "Ғабдуллина", "Әйгерім", "Құрманқызы", "Астана қ., Үмбетей жырау к. 4")
    child = _named(people.child, "Ңұрланова", "Гүлжан", "Өтегенқызы")
    slug, declared = (
        "foster-family-placement",
        {k: v for k, v in DECLARED["applicant"].items() if k != "owns_housing"},
    )
    request = dict(
        service_slug=slug, channel="provider", applicant=adult, children=[child], provider=world.astana
    )
    case = sv.submit_application(
        **request, actor=world.officer, at=WHEN, facts={"applicant": declared}, consent=True,
        documents=package(slug, "provider"),
    )  # fmt: skip
    for step in ("register_at_provider", "check_completeness", "start_review", "collect_registry_data"):
        getattr(sv, step)(case, actor=world.officer, at=WHEN)
    decision = sv.decide(case, actor=world.head, at=WHEN)
    assert decision.kind == "grant"  # the gate allowed it over the recorded facts
    allowance = {"amount": "Өңірлік бюджеттен ай сайын", "from": dt.date(2026, 3, 16)}
    event = sv.issue_result(
        case, actor=world.officer, at=WHEN + dt.timedelta(hours=1), particulars={"allowance": allowance}
    )
    doc = issued(event)
    assert (doc.kind, doc.lang, doc.organisation_code) == ("foster_family_decision", lang, "astana-education")
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, case, lang)
    assert adult.iin in text and child.iin in text and child.full_name in text
    assert "02.03.2026" in text and "16.03.2026" in text and allowance["amount"] in text
    assert "Өмірзақова Һәдия" in text and case.number in text.replace(" ", "")
    _every_letter(text)


def _legacy_case(world, lang, *, documents=None):
    """A meeting-permission application under the earlier standard (`000`), at the akimat."""
    world.astana.kind = "local_executive_body"  # 000 §2: the local executive bodies provided it
    world.astana.save(update_fields=["kind"])
    world.marat.language = lang
    world.marat.save(update_fields=["language"])
    _officer(world)
    applicant = Person.objects.create(
        iin=world.marat.iin, last_name="Шаһмарданов", first_name="Мыңбай", middle_name="Өмірғалиұлы",
        address="Қарағанды қ., Бұқар жырау даңғ. 21, 40-пәтер",
    )  # fmt: skip
    child = Person.objects.create(
        iin="160217500202", last_name="Шаһмарданова", first_name="Әйгүл", middle_name="Мыңбайқызы",
        birth_date=dt.date(2016, 2, 17),
    )  # fmt: skip
    channel = "provider" if documents is None else "state_corp"
    case = meeting(world, applicant, child, channel=channel, documents=documents, at=LEGACY)
    assert case.catalogue_version == "standard-annex-13" and case.procedure_source == "000"
    return case, applicant, child


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_000_annex_1_the_permission_of_the_earlier_standard(world, files_dir, lang):
    case, applicant, child = _legacy_case(world, lang)
    for hour, step in enumerate(("register_at_provider", "check_completeness", "start_review")):
        getattr(sv, step)(case, actor=world.officer, at=LEGACY + dt.timedelta(hours=hour, minutes=5))
    assert sv.decide(case, actor=world.head, at=LEGACY + dt.timedelta(hours=3)).kind == "grant"
    event = sv.issue_result(
        case, actor=world.officer, at=LEGACY + dt.timedelta(hours=4), particulars={"period": PERIOD}
    )
    doc = issued(event)
    assert (doc.kind, doc.lang) == ("legacy_meeting_permission", lang)
    assert (doc.valid_from, doc.valid_until) == (PERIOD["from"], PERIOD["until"])
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, case, lang)
    assert ("1-қосымша" if lang == "kk" else "Приложение 1") in text
    assert applicant.address in text and child.full_name in text and "Өмірзақова Һәдия" in text
    assert "18.03.2019" in text and "17.06.2019" in text and "04.03.2019" in text
    _every_letter(text)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_000_annex_2_the_application_of_the_earlier_standard(world, files_dir, lang):
    case, applicant, child = _legacy_case(world, lang)
    context = issuing.base_context(case, lang, LEGACY, None) | {"period": PERIOD}
    pdf = rendering.render(
        "legacy_meeting_application", lang, context, code="TESTTESTTEST", verify_url="https://q.example/v"
    )
    text = text_of(pdf)
    assert ("2-қосымша" if lang == "kk" else "Приложение 2") in text
    assert applicant.full_name in text and applicant.iin in text and child.full_name in text
    assert world.astana.name(lang) in text
    assert "18.03.2019" in text and "17.06.2019" in text and "04.03.2019" in text
    _every_letter(text)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_000_annex_3_the_refusal_receipt_of_the_earlier_standard(world, files_dir, lang):
    case, applicant, child = _legacy_case(world, lang, documents=[])  # nothing brought to the counter
    event = sv.refuse_to_accept(case, actor=world.operator, at=LEGACY + dt.timedelta(minutes=10))
    doc = issued(event)
    assert (doc.kind, doc.lang, doc.organisation_code) == (
        "legacy_meeting_refusal_receipt",
        lang,
        "astana-con-1",
    )
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, case, lang)
    assert ("3-қосымша" if lang == "kk" else "Приложение 3") in text
    version = sv.common.version_of(case)
    for code in event.payload["missing_documents"]:
        name = next(d.name.get(lang) for d in version.documents if d.code == code)
        assert name[:40] in text
    assert world.office.address in text and "04.03.2019" in text and "Түсіпова Жанар" in text
    _every_letter(text)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_camp_refusal_receipt_and_the_application_forms_from_real_cases(world, files_dir, lang):
    """`002` annex 11 annex 3 issued at the counter; `003` annex 1 and `002` annex 11 annex 1 (the
    applicant's own forms) rendered from the real cases' context."""
    from .test_case_documents import in_lang

    applicant, child = in_lang(world, lang)
    _named(applicant, "Шаһмарданов", "Мыңбай", "Өмірғалиұлы")
    _named(child, "Шаһмарданова", "Әйгүл", "Мыңбайқызы")
    _officer(world)
    camp = sv.submit_application(
        service_slug="camp-referral", channel="state_corp", applicant=applicant, children=[child],
        provider=world.astana, office=world.office, actor=world.operator, at=WHEN, consent=True, documents=[],
        facts={"child": {"category": "low_income"}},
    )  # fmt: skip
    event = sv.refuse_to_accept(camp, actor=world.operator, at=WHEN + dt.timedelta(minutes=10))
    doc = issued(event)
    assert (doc.kind, doc.lang, doc.organisation_code) == ("camp_refusal_receipt", lang, "astana-con-1")
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, camp, lang)
    assert world.office.address in text and "02.03.2026" in text and "Түсіпова Жанар" in text
    _every_letter(text)
    school = {"number": "12", "grade": "5 «Ә»", "year": "2025–2026"}
    forms = {
        "camp_application": (camp, {"school": school}),
        "meeting_application": (meeting(world, applicant, child, at=WHEN), {"period": PERIOD}),
    }
    for kind, (case, asked) in forms.items():
        context = issuing.base_context(case, lang, WHEN, None) | asked
        text = text_of(
            rendering.render(kind, lang, context, code="TESTTESTTEST", verify_url="https://q.example/v")
        )
        assert applicant.full_name in text and applicant.iin in text and child.full_name in text, kind
        assert "02.03.2026" in text and world.astana.name(lang) in text, kind
        _every_letter(text)
