"""What a case stores or refuses with is said in kk / ru / en, never in English alone: the reason a case
has no deadlines (with a stable code), and the State Corporation's custody term in the refusal to hand
the result over early (the term the rule applies, not a fixed "one month")."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from django.utils import translation

from helpers import at, submit_meeting, to_review_at_state_corp
from qamqor.cases import actions as sv
from qamqor.cases.exceptions import DeadlinePassed
from qamqor.cases.models import Application
from qamqor.rules.deadlines import DeadlineError, compute_deadline

pytestmark = pytest.mark.django_db
SLUG = "parent-meeting-permission"


def meeting(w, channel, when):
    return submit_meeting(w, channel, when, children=[w.child])


def _changed(catalog, slug: str, **changes):
    """`catalog` with every version of `slug` changed (`dataclasses.replace`)."""
    service = catalog.service(slug)
    versions = tuple(dataclasses.replace(v, **changes) for v in service.versions)
    services = {**catalog.services, slug: dataclasses.replace(service, versions=versions)}
    return dataclasses.replace(catalog, services=services, _params_by_day={})


def _without(catalog, slug: str):
    return dataclasses.replace(
        catalog, services={k: v for k, v in catalog.services.items() if k != slug}, _params_by_day={}
    )


def _assert_three_languages(text: dict):
    assert set(text) == {"kk", "ru", "en"} and all(text.values())
    assert len(set(text.values())) == 3, text  # kk and ru are not the English


# --- no deadlines: the reason in three languages and a code ------------------------------------------
def test_a_version_without_a_term_stores_why_in_three_languages_with_a_code(world, case_catalog, client_for):
    case = meeting(world, "provider", at(2026, 2, 2, 10))
    assert case.due_date is not None and "steps" in case.deadlines

    stored = sv.recompute_deadlines(case, catalog=_changed(case_catalog, SLUG, term=None))

    assert set(stored) == {"unknown"} and stored["unknown"]["code"] == "no_term"
    _assert_three_languages(stored["unknown"]["text"])
    assert "мерзім" in stored["unknown"]["text"]["kk"] and "срок" in stored["unknown"]["text"]["ru"]
    fresh = Application.objects.get(pk=case.pk)
    assert fresh.deadlines == stored and fresh.due_date is None and fresh.registered_on is None
    assert sv.step_due(fresh, "decision") is None  # readers of the steps see none
    # the API gives what is stored, in every language, whatever Accept-Language says
    body = client_for(world.officer, "ru").get(f"/api/v1/applications/{case.pk}/").json()
    assert body["deadlines"] == stored


def test_a_pinned_version_that_is_gone_stores_why_in_three_languages_with_a_code(world, case_catalog):
    case = meeting(world, "provider", at(2026, 2, 2, 10))

    stored = sv.recompute_deadlines(case, catalog=_without(case_catalog, SLUG))

    assert stored["unknown"]["code"] == "version_missing"
    text = stored["unknown"]["text"]
    _assert_three_languages(text)
    msg = "The pinned catalogue version is gone."
    kk, ru = (translation.trans_real.translation(lang).gettext(msg) for lang in ("kk", "ru"))
    assert text == {"kk": kk, "ru": ru, "en": msg} and kk != msg and ru != msg
    # the same in whatever language is active when it is computed
    with translation.override("ru"):
        assert sv.recompute_deadlines(case, catalog=_without(case_catalog, SLUG)) == stored


def test_deadline_errors_carry_a_code_and_the_reason_in_three_languages(case_catalog):
    version = case_catalog.service(SLUG).versions[-1]
    cases = [
        ("no_term", dict(term=None, channel="provider")),
        ("unknown_channel", dict(term=version.term, channel="fax")),
    ]
    for code, args in cases:
        with pytest.raises(DeadlineError) as caught:
            compute_deadline(args["term"], version.steps, args["channel"], at(2026, 2, 2, 10))
        exc = caught.value
        assert exc.code == code and str(exc) == exc.text.en
        _assert_three_languages(exc.text.as_dict())
        again = pickle.loads(pickle.dumps(exc))
        assert (again.code, again.text) == (exc.code, exc.text)


# --- custody: the message says the term the rule applies ----------------------------------------------
def _held_at_state_corp(w):
    case = meeting(w, "state_corp", at(2026, 2, 2, 10))
    to_review_at_state_corp(w, case)
    sv.decide(case, actor=w.head, at=at(2026, 2, 4, 11))
    sv.issue_result(case, actor=w.officer, at=at(2026, 2, 4, 12))
    sv.hold_at_state_corp(case, actor=w.operator, at=at(2026, 2, 6, 15))
    return case


def _too_early(w, case, when) -> dict[str, str]:
    """The refusal of an early transfer, in each language; nothing changes."""
    version = case.version
    out = {}
    for lang in ("kk", "ru", "en"):
        with translation.override(lang), pytest.raises(DeadlinePassed) as caught:
            sv.transfer_to_provider(case, actor=w.operator, at=when)
        assert caught.value.code == "too_early"
        out[lang] = str(caught.value)
    case.refresh_from_db()
    assert case.version == version and case.status == "held_at_state_corp"
    return out


def test_the_custody_refusal_names_the_catalogue_term_and_the_day(world, case_catalog, install_catalog):
    steps = tuple(
        dataclasses.replace(s, value=2) if s.step == "custody" else s
        for s in case_catalog.service(SLUG).versions[-1].steps
    )
    install_catalog(_changed(case_catalog, SLUG, steps=steps))
    case = _held_at_state_corp(world)

    # a month and a day later: the rule (two months in this catalogue) still refuses, and says so
    said = _too_early(world, case, at(2026, 3, 7, 15))
    assert said == {
        "kk": "Мемлекеттік корпорация нәтижені 2 ай сақтайды: оны 06.04.2026 15:00 дейін тапсыруға болмайды.",
        "ru": "Государственная корпорация хранит результат 2 месяца: передать его можно не ранее "
        "06.04.2026 15:00.",
        "en": "The State Corporation keeps the result for 2 months: not before 06.04.2026 15:00.",
    }
    ev = sv.transfer_to_provider(case, actor=world.operator, at=at(2026, 4, 6, 15))
    assert ev.payload["custody_months"] == 2


def test_without_a_custody_step_the_transfer_records_the_term_as_unknown(world, case_catalog, install_catalog):
    """No custody term in the definition: the transfer cannot be said to be early, and no default
    number stands in for the law; the event says the term is unknown and why."""
    steps = tuple(s for s in case_catalog.service(SLUG).versions[-1].steps if s.step != "custody")
    install_catalog(_changed(case_catalog, SLUG, steps=steps))
    case = _held_at_state_corp(world)
    ev = sv.transfer_to_provider(case, actor=world.operator, at=at(2026, 2, 9, 15))
    assert case.status == "transferred_to_provider" and "custody_months" not in ev.payload
    assert "no custody term" in ev.payload["custody_term_unknown"]
