"""Documents a state information system holds are not the applicant's to bring (issue 13 review,
decision 0029): a portal application is asked of the registries with its consent as soon as it is
filed; the completeness check and the refusal to accept count a registry's document as given when
the registry has it, ask it of the applicant only when the registry answers it has no record (the
requirements list: "when the civil-registry IS has no record", `002` annex 11 annex 2 row 8), and a
registry that does not answer leaves the case waiting, never refused. The counter likewise."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import numpy as np
import pytest
import time_machine
from django.test import Client

from qamqor.rules.calendar import ALMATY
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)
URL = "/portal/services/camp-referral/apply/"
NOT_ON_RECORD = make_iin(dt.date(2015, 3, 9), "female", 77)  # a child the civil registry does not know


@pytest.fixture
def family():
    """A married mother of the sandbox population and her child, both on the registries' record."""
    from qamqor.registries.sandbox import failures, generate, use_population

    pop = generate(4000, 11)
    use_population(pop)
    failures.restore()
    kids = np.flatnonzero(pop["mother"] >= 0)
    for kid in kids:
        mother = int(pop["mother"][kid])
        if pop["spouse"][mother] >= 0 and np.isnat(pop["divorced_on"][mother]):
            break
    last, first, _middle = pop.names(mother)
    yield {"pop": pop, "mother": pop.iin_of(mother), "child": pop.iin_of(int(kid)), "names": (last, first)}
    failures.restore()
    use_population(None)


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def pdf_file(name="scan.pdf") -> io.BytesIO:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(100, 100)
    buf = io.BytesIO()
    w.write(buf)
    buf.seek(0)
    buf.name = name
    return buf


def recipient(family):
    from django.contrib.auth import get_user_model

    last, first = family["names"]
    return get_user_model().objects.create(
        username="sandbox-mother", role="recipient", iin=family["mother"], last_name=last, first_name=first
    )


def apply(user, child_iin: str):
    """The recipient applies for a camp referral uploading only the documents no registry holds."""
    from qamqor.cases.models import Application

    c = Client()
    c.cookies["django_language"] = "en"
    c.force_login(user)
    assert c.get(URL).status_code == 302
    assert c.post(URL + "provider/", {"provider": "astana-education"}).status_code == 302
    assert (
        c.post(URL + "child/", {"iin": child_iin, "last_name": "Бала", "first_name": "Дана"}).status_code
        == 302
    )
    assert c.post(URL + "questions/", {"f-child-category": "low_income"}).status_code == 302
    assert c.post(URL + "consent/", {"consent": "yes"}).status_code == 302
    r = c.post(
        URL + "documents/",
        {
            "file-medical_certificate_071u": pdf_file("071u.pdf"),
            "file-status_income_documents": pdf_file("income.pdf"),
            "action": "continue",
        },
    )
    assert r.status_code == 302 and r["Location"].endswith("/apply/check/")
    r = c.post(URL + "check/")
    assert r.status_code == 302
    return c, Application.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-2]))


def package(case):
    from django.utils import timezone

    from qamqor.cases.actions.gate import missing_documents

    case.refresh_from_db()
    found = missing_documents(case, at=timezone.now())
    return found, {d["code"]: d["state"] for d in found.from_registry}


def test_the_registries_supply_the_birth_certificate_and_the_package_is_complete(demo, family):
    from qamqor.cases import actions
    from qamqor.registries.models import RegistryQuery

    officer = demo("astana-officer")
    with time_machine.travel(MONDAY, tick=True):
        c, case = apply(recipient(family), family["child"])
        found, states = package(case)
        # asked at once, under the application's consent, each answer in the ledger
        asked = RegistryQuery.objects.filter(case_id=case.pk, registry="civil_registry", method="birth")
        assert asked.get().outcome == "answered" and asked.get().consent.case_id == case.pk
        assert states == {
            "child_birth_certificate": "received",
            "marriage_or_divorce_certificate": "received",
        }
        assert found.missing == [] and found.complete
        supplied = case.documents.get(code="child_birth_certificate")
        assert supplied.source == "registry" and supplied.registry == "civil_registry"
        # the recipient sees which document came from which registry
        page = text(c.get(f"/portal/applications/{case.pk}/"))
        assert "From the state information systems" in page and "received" in page
        assert "Missing from the applicant" not in page
        # the officer's check passes; a refusal for incompleteness is impossible
        with pytest.raises(Exception) as refused:
            actions.refuse_to_accept(case, actor=officer)
        assert getattr(refused.value, "code", "") == "package_complete"
        actions.check_completeness(case, actor=officer)
        case.refresh_from_db()
        assert case.status == "completeness_checked"


def test_a_birth_the_civil_registry_does_not_hold_is_asked_of_the_applicant(demo, family):
    from qamqor.cases import actions

    officer = demo("astana-officer")
    with time_machine.travel(MONDAY, tick=True):
        c, case = apply(recipient(family), NOT_ON_RECORD)
        found, states = package(case)
        assert states["child_birth_certificate"] == "not_found"
        # the requirements list asks the copy "when the civil-registry IS has no record": missing
        assert found.missing == ["child_birth_certificate"]
        page = text(c.get(f"/portal/applications/{case.pk}/"))
        assert "not found: a copy is needed from the applicant" in page
        # the status page offers to send the copy; a file that is no document is refused there and
        # changes nothing; the scan is taken, the package is complete and passes the check
        assert f'action="/portal/applications/{case.pk}/documents/"' in page
        bad = io.BytesIO(b"not a scan at all")
        bad.name = "birth.pdf"
        r = c.post(
            f"/portal/applications/{case.pk}/documents/", {"code": "child_birth_certificate", "file": bad}
        )
        assert r.status_code == 400 and 'role="alert"' in text(r)
        assert package(case)[0].missing == ["child_birth_certificate"]
        r = c.post(
            f"/portal/applications/{case.pk}/documents/",
            {"code": "child_birth_certificate", "file": pdf_file("birth.pdf")},
        )
        assert r.status_code == 302 and r["Location"] == f"/portal/applications/{case.pk}/"
        assert package(case)[0].missing == []
        assert "Send a missing copy" not in text(c.get(f"/portal/applications/{case.pk}/"))
        actions.check_completeness(case, actor=officer)


def test_an_incomplete_package_for_a_registry_not_found_is_refused_with_it_listed(demo, family):
    from qamqor.cases import actions

    officer = demo("astana-officer")
    with time_machine.travel(MONDAY, tick=True):
        _c, case = apply(recipient(family), NOT_ON_RECORD)
        event = actions.refuse_to_accept(case, actor=officer)
    # `002` annex 11 §8: an incomplete package, a motivated refusal of further consideration
    assert event.payload["missing_documents"] == ["child_birth_certificate"]
    states = {d["code"]: d["state"] for d in event.payload["from_registry"]}
    assert states["child_birth_certificate"] == "not_found"


def test_a_silent_registry_leaves_the_case_waiting_and_never_refused(demo, family):
    from qamqor.cases import actions
    from qamqor.cases.exceptions import CaseError
    from qamqor.registries import services
    from qamqor.registries.sandbox import failures

    officer = demo("astana-officer")
    failures.fail("civil_registry", "timeout")
    with time_machine.travel(MONDAY, tick=True):
        c, case = apply(recipient(family), family["child"])
        found, states = package(case)
        assert states == {"child_birth_certificate": "pending", "marriage_or_divorce_certificate": "pending"}
        assert found.missing == [] and services.waiting_for_case(case.pk).exists()
        assert "pending" in text(c.get(f"/portal/applications/{case.pk}/"))
        with pytest.raises(CaseError) as refused:
            actions.refuse_to_accept(case, actor=officer)
        assert refused.value.code == "package_complete"
        actions.check_completeness(case, actor=officer)
        actions.start_review(case, actor=officer)
        actions.collect_registry_data(case, actor=officer)  # still silent: the case waits
        case.refresh_from_db()
        assert case.status == "awaiting_registry_data"
        failures.restore("civil_registry")
        services.sweep(at=dt.datetime.now(tz=ALMATY) + dt.timedelta(hours=1))
        case.refresh_from_db()
        assert case.status == "in_review"
        assert package(case)[1]["child_birth_certificate"] == "received"
        assert case.documents.filter(code="child_birth_certificate", source="registry").exists()


def test_a_decision_waits_for_a_registry_still_silent(demo, family):
    from qamqor.cases import actions
    from qamqor.cases.actions.gate import GateRefused
    from qamqor.registries.sandbox import failures

    officer = demo("astana-officer")
    failures.fail("civil_registry", "timeout")
    with time_machine.travel(MONDAY, tick=True):
        _c, case = apply(recipient(family), family["child"])
        actions.check_completeness(case, actor=officer)
        actions.start_review(case, actor=officer)
        case.refresh_from_db()
        with pytest.raises(GateRefused) as refused:
            actions.decide(case, actor=officer)
    assert refused.value.code == "registry_pending"
    assert {d["code"] for d in refused.value.details["from_registry"]} == {
        "child_birth_certificate",
        "marriage_or_divorce_certificate",
    }


def test_after_the_check_the_page_takes_no_copy_the_registries_did_not_refuse(demo, family):
    """The status page's upload is the case layer's `attach_upload`: once the package is checked, a
    copy of a document nobody asked for again is refused on the page, and nothing is stored."""
    from qamqor.cases import actions

    officer = demo("astana-officer")
    with time_machine.travel(MONDAY, tick=True):
        c, case = apply(recipient(family), family["child"])
        actions.check_completeness(case, actor=officer)
        held = case.documents.count()
        r = c.post(
            f"/portal/applications/{case.pk}/documents/",
            {"code": "medical_certificate_071u", "file": pdf_file("again.pdf")},
        )
        assert r.status_code == 400 and 'role="alert"' in text(r)
        assert case.documents.count() == held
        assert "Send a missing copy" not in text(c.get(f"/portal/applications/{case.pk}/"))
