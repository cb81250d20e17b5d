"""The people and records of the authorisation matrix: every role, each with a stranger of the same
role from another provider, office or family; two cases (one at the State Corporation, one at a
provider) and a recipient's automated certificate, built through the case layer's own steps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
import time_machine

from helpers import MON, package
from qamqor.rules.iin import make_iin

CHILD_A = make_iin(dt.date(2016, 2, 17), "male", 31)
CHILD_B = make_iin(dt.date(2017, 5, 3), "female", 32)


@dataclass
class Resource:
    """Something that holds personal data, who may see it, and what would show it in a response."""

    name: str
    markers: tuple[str, ...]  # IINs and numbers that must not reach anyone else
    sees: object  # user (None = anonymous) -> bool
    pk: int = 0
    extra: dict = field(default_factory=dict)


def sees_case(case):
    """The policy (cases/access.py docstring, written out independently here): a recipient their own
    applications; provider staff and complaints reviewers their provider's; an operator their office's;
    auditors and administrators all."""

    def check(user) -> bool:
        if user is None:
            return False
        role = user.role
        if role in ("auditor", "administrator"):
            return True
        if role == "recipient":
            return user.iin == case.applicant.iin
        if role in ("provider_officer", "provider_head", "complaints_reviewer"):
            return user.provider_id == case.provider_id
        if role == "front_office_operator":
            return case.office_id is not None and user.office_id == case.office_id
        return False

    return check


@pytest.fixture
def cast(world, install_catalog):
    """Every role (insiders of case A: Astana, office No. 1, Marat) and its stranger."""
    from qamqor.accounts.models import StateCorpOffice, User

    install_catalog(None)
    office2 = StateCorpOffice.objects.create(
        code="almaty-con-1",
        number="1",
        kind="regular",
        name_kk="Алматы №1 ХҚКО",
        name_ru="ЦОН Алматы №1",
        name_en="Almaty PSC No. 1",
        region="Almaty",
        address="Almaty, Abai 1",
    )

    def user(username, role, **kw):
        return User.objects.create(username=username, role=role, **kw)

    return {
        "recipient": world.marat,
        "recipient (stranger)": world.aliya,
        "front_office_operator": world.operator,
        "front_office_operator (stranger)": user("operator-almaty", "front_office_operator", office=office2),
        "provider_officer": world.officer,
        "provider_officer (stranger)": world.almaty_officer,
        "provider_head": world.head,
        "provider_head (stranger)": user("almaty-head", "provider_head", provider=world.almaty),
        "complaints_reviewer": user("astana-reviewer", "complaints_reviewer", provider=world.astana),
        "complaints_reviewer (stranger)": user(
            "almaty-reviewer", "complaints_reviewer", provider=world.almaty
        ),
        "auditor": world.auditor,
        "administrator": user("admin", "administrator", is_staff=True, is_superuser=True),
        "contact_centre_operator": user("c1414", "contact_centre_operator"),
        "ministry_officer": user("ministry", "ministry_officer"),
        "complaints_reviewer (authorised body)": user("authority", "complaints_reviewer"),
        "anonymous": None,
    }


@pytest.fixture
def records(world, cast):
    """Case A (State Corporation office No. 1 for Astana, Marat), case B (at the Almaty provider,
    Aliya) and Marat's automated guardianship certificate."""
    from qamqor.cases import actions as sv
    from qamqor.cases.models import Person
    from qamqor.complaints.actions import file_complaint
    from qamqor.databank.services import request_guardianship_certificate

    def person(iin, last, first):
        return Person.objects.get_or_create(iin=iin, defaults={"last_name": last, "first_name": first})[0]

    marat = person(world.marat.iin, "Жұмабаев", "Марат")
    aliya = person(world.aliya.iin, "Сейітова", "Әлия")
    with time_machine.travel(MON, tick=False):
        a = sv.submit_application(
            service_slug="parent-meeting-permission",
            channel="state_corp",
            applicant=marat,
            children=[person(CHILD_A, "Жұмабаев", "Алихан")],
            provider=world.astana,
            office=world.office,
            actor=world.operator,
            facts={},
            consent=True,
            documents=package("parent-meeting-permission", "state_corp"),
        )
        sv.accept_at_front_office(a, actor=world.operator)
        b = sv.submit_application(
            service_slug="parent-meeting-permission",
            channel="provider",
            applicant=aliya,
            children=[person(CHILD_B, "Сейітова", "Айгерім")],
            provider=world.almaty,
            actor=world.almaty_officer,
            facts={},
            consent=True,
            documents=package("parent-meeting-permission", "provider"),
        )
        cert = request_guardianship_certificate(world.marat, CHILD_A, True)
        complaint = file_complaint(
            a,
            actor=world.marat,
            route="provider_head",
            channel="portal",
            text="Nothing has happened with my application.",
            complainant_name="Жұмабаев Марат",
            postal_address="Astana, Abai 1",
            phone="+77010000001",
        )
    a.refresh_from_db()
    b.refresh_from_db()
    return {
        "case A": Resource("case A", (marat.iin, CHILD_A, a.number), sees_case(a), a.pk, {"case": a}),
        "case B": Resource("case B", (aliya.iin, CHILD_B, b.number), sees_case(b), b.pk, {"case": b}),
        # seen by its case's insiders (complaints.actions.common.may_see; the cast's reviewers have a provider)
        "complaint A": Resource("complaint A", (marat.iin, a.number), sees_case(a), complaint.pk),
        "certificate": Resource(
            "certificate",
            (cert.recipient_iin, cert.child_iin, cert.number),
            lambda u: u is not None and u.iin == cert.recipient_iin,
            cert.pk,
        ),
    }
