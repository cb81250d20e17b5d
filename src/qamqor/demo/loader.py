"""Build the demo data set through the case domain's services (idempotent)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qamqor.accounts.security import DEMO_PASSWORD

log = logging.getLogger("qamqor.demo")
ALMATY = ZoneInfo("Asia/Almaty")
MARKER_USER = "demo-admin"

PROVIDERS = [
    # code, kind, kk, ru, en, region, locality, parent
    (
        "astana-education",
        "city_education_administration",
        "Астана қаласының білім басқармасы",
        "Управление образования города Астаны",
        "Astana City Education Administration",
        "Astana",
        "",
        None,
    ),
    (
        "almaty-education",
        "city_education_administration",
        "Алматы қаласының білім басқармасы",
        "Управление образования города Алматы",
        "Almaty City Education Administration",
        "Almaty",
        "",
        None,
    ),
    (
        "shymkent-education",
        "city_education_administration",
        "Шымкент қаласының білім басқармасы",
        "Управление образования города Шымкент",
        "Shymkent City Education Administration",
        "Shymkent",
        "",
        None,
    ),
    (
        "karasay-education",
        "district_education_department",
        "Қарасай ауданының білім бөлімі",
        "Отдел образования Карасайского района",
        "Karasay District Education Department",
        "Almaty Region",
        "Karasay District",
        None,
    ),
    (
        "taraz-education",
        "city_education_department",
        "Тараз қаласының білім бөлімі",
        "Отдел образования города Тараз",
        "Taraz City Education Department",
        "Zhambyl Region",
        "Taraz",
        None,
    ),
    (
        "astana-school-12",
        "education_organisation",
        "Астана қаласының №12 мектеп-лицейі",
        "Школа-лицей №12 города Астаны",
        "School-Lyceum No. 12, Astana",
        "Astana",
        "",
        "astana-education",
    ),
]

OFFICES = [
    # code, number, kind, kk, ru, en, region, address
    (
        "astana-con-1",
        "1",
        "regular",
        "Астана қаласы №1 ХҚКО",
        "ЦОН №1 города Астаны",
        "Astana PSC No. 1",
        "Astana",
        "Astana, Mangilik El Ave. 1 (demo)",
    ),
    (
        "astana-con-duty",
        "7",
        "duty",
        "Астана қаласы №7 кезекші ХҚКО",
        "Дежурный ЦОН №7 города Астаны",
        "Astana duty PSC No. 7",
        "Astana",
        "Astana, Kabanbay Batyr Ave. 7 (demo)",
    ),
    (
        "almaty-con-3",
        "3",
        "regular",
        "Алматы қаласы №3 ХҚКО",
        "ЦОН №3 города Алматы",
        "Almaty PSC No. 3",
        "Almaty",
        "Almaty, Abay Ave. 3 (demo)",
    ),
]

# username, role, provider code, office code, (birth date, sex) for an IIN or "sandbox", names
DEMO_USERS = [
    ("demo-admin", "administrator", None, None, None, ("Әкімшіәлі", "Демо")),
    ("demo-auditor", "auditor", None, None, None, ("Аудиторова", "Демо")),
    ("demo-reviewer", "complaints_reviewer", "astana-education", None, None, ("Шағымбекова", "Демо")),
    ("demo-contact-centre", "contact_centre_operator", None, None, None, ("Байланысова", "Демо")),
    ("demo-ministry", "ministry_officer", None, None, None, ("Министрлікова", "Демо")),
    ("astana-officer", "provider_officer", "astana-education", None, None, ("Маманова", "Айгүл")),
    ("astana-head", "provider_head", "astana-education", None, None, ("Басшыбеков", "Ерлан")),
    ("almaty-officer", "provider_officer", "almaty-education", None, None, ("Алматова", "Дина")),
    ("shymkent-officer", "provider_officer", "shymkent-education", None, None, ("Оңтүстіков", "Бауыржан")),
    ("karasay-officer", "provider_officer", "karasay-education", None, None, ("Қарасаев", "Нұрлан")),
    ("taraz-officer", "provider_officer", "taraz-education", None, None, ("Таразова", "Гүлнар")),
    ("school12-officer", "provider_officer", "astana-school-12", None, None, ("Мектепова", "Сәуле")),
    ("astana-operator", "front_office_operator", None, "astana-con-1", None, ("Операторова", "Жанар")),
    ("duty-operator", "front_office_operator", None, "astana-con-duty", None, ("Кезекшиев", "Арман")),
    ("almaty-operator", "front_office_operator", None, "almaty-con-3", None, ("Алматыұлы", "Тимур")),
    ("recipient-aliya", "recipient", None, None, (dt.date(1988, 4, 12), "female"), ("Сейітова", "Әлия")),
    ("recipient-marat", "recipient", None, None, (dt.date(1983, 9, 30), "male"), ("Жұмабаев", "Марат")),
    # a person of the sandbox population (the registries answer for her): the granted placements
    ("recipient-gulnar", "recipient", None, None, "sandbox", ("Ғабдуллина", "Гүлнар")),
]

# the recipients' languages: their documents are issued in them (Kazakh unless chosen)
DEMO_LANGUAGES = {"recipient-aliya": "ru"}
# the recipients' addresses, printed on their permissions and receipts
DEMO_ADDRESSES = {
    "recipient-aliya": "Астана қ., Сарыарқа ауданы, Бейбітшілік к-сі 14, 5-пәтер (demo)",
    "recipient-marat": "Астана қ., Есіл ауданы, Қабанбай батыр даңғ. 21, 40-пәтер (demo)",
}

ROLE_LABELS = {
    "administrator": "administrator / әкімші / администратор",
    "auditor": "auditor / аудитор",
    "complaints_reviewer": "complaints reviewer / шағымдарды қараушы / рассмотрение жалоб",
    "contact_centre_operator": "contact centre 1414 / байланыс орталығы / контакт-центр",
    "ministry_officer": "ministry (the rules) / министрлік (қағидалар) / министерство (правила)",
    "provider_officer": "provider officer / қызмет берушінің маманы / специалист услугодателя",
    "provider_head": "head of the provider / қызмет беруші басшысы / руководитель услугодателя",
    "front_office_operator": "State Corporation operator / ХҚКО операторы / оператор ЦОН",
    "recipient": "recipient / қызмет алушы / услугополучатель",
}


@dataclass
class DemoResult:
    created: bool
    logins: list[dict] = field(default_factory=list)
    applications: int = 0
    skipped: list[str] = field(default_factory=list)


def _login_rows(usernames: set[str] | None = None) -> list[dict]:
    rows = []
    for username, role, provider, office, _iin, _names in DEMO_USERS:
        if usernames is not None and username not in usernames:
            continue
        rows.append(
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "role": role,
                "role_label": ROLE_LABELS.get(role, role),
                "where": provider or office or "",
            }
        )
    return rows


def demo_logins() -> list[dict]:
    """The demo log-ins that exist in the database (empty when the demo data is not loaded)."""
    from django.contrib.auth import get_user_model

    present = set(
        get_user_model()
        .objects.filter(username__in=[u[0] for u in DEMO_USERS])
        .values_list("username", flat=True)
    )
    return _login_rows(present)


def iin_for(birth: dt.date, sex: str, serial: int) -> str:
    from qamqor.rules.iin import make_iin

    return make_iin(birth, sex, serial)


class DemoNotAllowed(RuntimeError):
    """The demo data was asked for in production mode."""


def load_demo_data(*, now: dt.datetime | None = None) -> DemoResult:
    """Create the demo data unless it is there already (the marker is the user `demo-admin`).

    Never in production mode (settings.QAMQOR_PRODUCTION): demo users share a published password."""
    from django.contrib.auth import get_user_model

    if settings.QAMQOR_PRODUCTION:
        raise DemoNotAllowed("the demo data is not loaded in production mode")

    User = get_user_model()
    if User.objects.filter(username=MARKER_USER).exists():
        return DemoResult(created=False, logins=demo_logins())
    now = now or timezone.now()
    with transaction.atomic():
        providers, offices = organisations()
        users = _users(User, providers, offices)
    result = DemoResult(created=True, logins=_login_rows())
    result.applications, result.skipped = _applications(users, providers, offices, now)
    return result


def organisations():
    """The demo's providers and State Corporation offices, created where missing (idempotent)."""
    from qamqor.accounts.models import Provider, StateCorpOffice

    providers = {}
    for code, kind, kk, ru, en, region, locality, parent in PROVIDERS:
        providers[code], _ = Provider.objects.get_or_create(
            code=code,
            defaults=dict(
                kind=kind,
                name_kk=kk,
                name_ru=ru,
                name_en=en,
                region=region,
                locality=locality,
                parent=providers.get(parent),
                address=f"{region} (demo)",
            ),
        )
    offices = {}
    for code, number, kind, kk, ru, en, region, address in OFFICES:
        offices[code], _ = StateCorpOffice.objects.get_or_create(
            code=code,
            defaults=dict(
                number=number, kind=kind, name_kk=kk, name_ru=ru, name_en=en, region=region, address=address
            ),
        )
    return providers, offices


def _users(User, providers, offices):
    users = {}
    for serial, (username, role, provider, office, iin, names) in enumerate(DEMO_USERS, start=101):
        last, first = names
        user = User(
            username=username,
            role=role,
            provider=providers.get(provider) if provider else None,
            office=offices.get(office) if office else None,
            iin=_demo_iin(iin, serial),
            last_name=last,
            first_name=first,
            is_staff=role == "administrator",
            is_superuser=role == "administrator",
            language=DEMO_LANGUAGES.get(username, "kk"),
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
    return users


def _demo_iin(iin, serial: int) -> str | None:
    if iin == "sandbox":
        from qamqor.demo.placements import sandbox_iins

        return sandbox_iins()[0]
    return iin_for(iin[0], iin[1], serial) if iin else None


# --- applications in every stage ----------------------------------------------------------------------


def _person(iin: str, last: str, first: str, address: str = ""):
    from qamqor.cases.models import Person

    p, _ = Person.objects.get_or_create(
        iin=iin, defaults={"last_name": last, "first_name": first, "address": address}
    )
    return p


class _Clock:
    """Working-day moments counted back from now (the demo's cases are recent)."""

    def __init__(self, now: dt.datetime):
        from qamqor.rules.calendar import add_working_days, is_working_day

        self._add = add_working_days
        # the last working day whose office hours are over: every demo moment is in the past and in
        # office hours, whatever the time the demo is loaded at
        local = now.astimezone(ALMATY)
        day = local.date() if local.hour >= 19 else local.date() - dt.timedelta(days=1)
        while not is_working_day(day):
            day -= dt.timedelta(days=1)
        self.today = day

    def day(self, wd_back: int) -> dt.date:
        return self._add(self.today, -wd_back) if wd_back else self.today

    def at(self, wd_back: int, hour: int = 10, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(self.day(wd_back), dt.time(hour, minute), tzinfo=ALMATY)


def _applications(users, providers, offices, now) -> tuple[int, list[str]]:
    from qamqor.cases import actions as sv

    clock = _Clock(now)
    aliya, marat = users["recipient-aliya"], users["recipient-marat"]
    app_aliya = _person(aliya.iin, aliya.last_name, aliya.first_name, DEMO_ADDRESSES["recipient-aliya"])
    app_marat = _person(marat.iin, marat.last_name, marat.first_name, DEMO_ADDRESSES["recipient-marat"])
    child1 = _person(iin_for(dt.date(2014, 6, 1), "female", 201), "Сейітова", "Амина")
    child2 = _person(iin_for(dt.date(2016, 2, 17), "male", 202), "Жұмабаев", "Алихан")
    child3 = _person(iin_for(dt.date(2012, 11, 5), "male", 203), "Сейітов", "Нұрали")
    officer, operator = users["astana-officer"], users["astana-operator"]
    astana, con1 = providers["astana-education"], offices["astana-con-1"]

    # the packages the definitions list (`003` annex 2 row 8; `002` annex 11 annex 2 row 8), on paper
    def package(service, channel):
        from qamqor.catalog import active_catalog

        version = active_catalog().service(service).version_on(clock.today)
        return [
            {"code": d.code, "source": "paper" if channel != "portal" else "uploaded"}
            for d in version.documents
            if channel in d.channels and not d.code.startswith("application")
        ]

    def meeting_at_provider(wd_back: int, applicant=app_marat, child=child2):
        return sv.submit_application(
            service_slug="parent-meeting-permission",
            channel="provider",
            applicant=applicant,
            children=[child],
            provider=astana,
            actor=officer,
            at=clock.at(wd_back, 9, 30),
            consent=True,
            documents=package("parent-meeting-permission", "provider"),
        )

    def meeting_at_con(wd_back: int, applicant=app_marat, child=child2, complete=True):
        return sv.submit_application(
            service_slug="parent-meeting-permission",
            channel="state_corp",
            applicant=applicant,
            children=[child],
            provider=astana,
            office=con1,
            actor=operator,
            at=clock.at(wd_back, 9, 30),
            consent=True,
            documents=package("parent-meeting-permission", "state_corp") if complete else [],
        )

    def camp_on_portal(wd_back: int):
        return sv.submit_application(
            service_slug="camp-referral",
            channel="portal",
            applicant=app_aliya,
            children=[child1],
            provider=astana,
            actor=aliya,
            at=clock.at(wd_back, 11, 0),
            facts={"child": {"category": "low_income"}},
            consent=True,
            documents=package("camp-referral", "portal"),
        )

    def to_review(case, wd_back, channel="provider"):
        if channel == "provider":
            sv.register_at_provider(case, actor=officer, at=clock.at(wd_back, 9, 40))
        else:
            sv.accept_at_front_office(case, actor=operator, at=clock.at(wd_back, 9, 40))
            sv.send_by_courier(case, actor=operator, at=clock.at(wd_back, 15, 0))
            sv.receive_at_provider(case, actor=officer, at=clock.at(wd_back - 1, 10, 0))
            wd_back -= 1
        sv.check_completeness(case, actor=officer, at=clock.at(wd_back, 11, 0))
        sv.start_review(case, actor=officer, at=clock.at(wd_back, 11, 30))
        return wd_back

    def hearing(case, wd_back):
        # the official's finding, with its evidence, is what the refusal ground rests on
        sv.decide(
            case,
            actor=officer,
            at=clock.at(wd_back, 12, 0),
            findings={"officer.false_documents": True},
            evidence={
                "officer.false_documents": "The court decision's number is not in the court records (demo)."
            },
            hearing_at=clock.at(wd_back - 1, 15, 0),
            hearing_place="Astana, Education Administration, room 204 (demo)",
        )

    def grant(case, at):
        sv.decide(case, actor=officer, at=at)  # nothing found: the rules grant

    def issue_result(case, wd_back):
        # what the official fills on the result: the permission's (the referral's) period, the camp
        start = clock.day(wd_back) + dt.timedelta(days=7)
        particulars = {"period": {"from": start, "until": start + dt.timedelta(days=90)}}
        if case.service_slug == "camp-referral":
            particulars = {
                "period": {"from": start, "until": start + dt.timedelta(days=20)},
                "camp": {"name": "«Балауса» сауықтыру лагері (demo)", "address": "Бурабай ауданы (demo)"},
            }
        sv.issue_result(case, actor=officer, at=clock.at(wd_back, 11, 0), particulars=particulars)

    lives: list[tuple[str, Callable[[], object]]] = []

    def life(name):
        def add(fn):
            lives.append((name, fn))
            return fn

        return add

    @life("submitted")
    def _():
        meeting_at_provider(0)

    @life("registered (portal)")
    def _():
        camp_on_portal(0)  # the portal accepts at once

    @life("refused to accept (annex 3 receipt)")
    def _():
        c = meeting_at_con(1, complete=False)
        sv.refuse_to_accept(c, actor=operator, at=clock.at(1, 9, 45), reason="No documents brought (demo).")

    @life("in transit")
    def _():
        c = meeting_at_con(0)
        sv.accept_at_front_office(c, actor=operator, at=clock.at(0, 9, 40))
        sv.send_by_courier(c, actor=operator, at=clock.at(0, 12, 0))

    @life("at provider")
    def _():
        c = meeting_at_con(1)
        sv.accept_at_front_office(c, actor=operator, at=clock.at(1, 9, 40))
        sv.send_by_courier(c, actor=operator, at=clock.at(1, 12, 0))
        sv.receive_at_provider(c, actor=officer, at=clock.at(0, 9, 10))

    @life("completeness checked")
    def _():
        c = meeting_at_provider(1)
        sv.register_at_provider(c, actor=officer, at=clock.at(1, 9, 40))
        sv.check_completeness(c, actor=officer, at=clock.at(0, 9, 10))

    @life("in review (at risk)")
    def _():
        c = meeting_at_provider(3)
        to_review(c, 3)

    @life("awaiting registry data")
    def _():
        c = meeting_at_provider(1)
        to_review(c, 1)
        sv.await_registry_data(c, actor=officer, registries=["civil_registry"], at=clock.at(1, 12, 0))

    @life("granted")
    def _():
        c = meeting_at_provider(2)
        to_review(c, 2)
        grant(c, clock.at(1, 10, 0))

    @life("preliminary refusal, hearing notified")
    def _():
        c = meeting_at_provider(1)
        to_review(c, 1)
        hearing(c, 1)

    @life("hearing held")
    def _():
        c = meeting_at_provider(2)
        to_review(c, 2)
        hearing(c, 2)
        sv.hold_hearing(c, actor=officer, at=clock.at(1, 15, 30), position="The recipient disagrees (demo).")

    @life("motivated refusal")
    def _():
        c = meeting_at_provider(3)
        to_review(c, 3)
        hearing(c, 3)
        sv.hold_hearing(c, actor=officer, at=clock.at(2, 15, 30))
        sv.decide(c, actor=officer, at=clock.at(1, 10, 0))  # the ground still holds: motivated refusal

    @life("motivated refusal issued (its grounds and clauses)")
    def _():
        c = meeting_at_provider(4)
        to_review(c, 4)
        hearing(c, 4)
        sv.hold_hearing(c, actor=officer, at=clock.at(3, 15, 30), position="The recipient disagrees (demo).")
        sv.decide(c, actor=officer, at=clock.at(2, 10, 0))
        sv.issue_result(c, actor=officer, at=clock.at(2, 11, 0))
        # the recipient complains to the provider's head (`003` §13): the reviewer has work
        from qamqor.complaints.actions import file_complaint

        file_complaint(
            c,
            actor=marat,
            route="provider_head",
            channel="portal",
            text="The documents are genuine; I ask for the refusal to be reviewed (demo).",
            complainant_name=app_marat.full_name,
            postal_address=DEMO_ADDRESSES["recipient-marat"],
            phone="+7 701 000 00 00",
            decision=c.decisions.order_by("-decided_at").first(),
            at=clock.at(1, 10, 0),
        )

    @life("result issued")
    def _():
        c = meeting_at_provider(3)
        to_review(c, 3)
        grant(c, clock.at(2, 10, 0))
        issue_result(c, 2)

    @life("handed over at the provider")
    def _():
        c = meeting_at_provider(4)
        to_review(c, 4)
        grant(c, clock.at(3, 10, 0))
        issue_result(c, 3)
        sv.hand_over(
            c, actor=officer, at=clock.at(2, 10, 0), on="identity_document", document_number="N0000001"
        )

    @life("delivered to the personal cabinet")
    def _():
        c = camp_on_portal(4)
        sv.check_completeness(c, actor=officer, at=clock.at(3, 10, 0))
        sv.start_review(c, actor=officer, at=clock.at(3, 10, 30))
        grant(c, clock.at(2, 10, 0))
        issue_result(c, 2)  # delivered to the cabinet with it

    def state_corp_result(wd_back: int, applicant=app_aliya, child=child3):
        c = meeting_at_con(wd_back, applicant=applicant, child=child)
        w = to_review(c, wd_back, channel="state_corp")
        grant(c, clock.at(w - 1, 10, 0))
        issue_result(c, w - 1)
        sv.hold_at_state_corp(c, actor=operator, at=clock.at(w - 1, 16, 0))
        return c, w - 1

    @life("held at the State Corporation")
    def _():
        state_corp_result(5)

    @life("handed over at the State Corporation")
    def _():
        c, w = state_corp_result(6)
        sv.hand_over(
            c, actor=operator, at=clock.at(w - 1, 10, 0), on="identity_document", document_number="N0000002"
        )

    @life("transferred to the provider after a month")
    def _():
        c, w = state_corp_result(35)
        sv.transfer_to_provider(c, actor=operator, at=clock.at(w - 24, 10, 0))

    @life("return requested")
    def _():
        c, w = state_corp_result(36)
        sv.transfer_to_provider(c, actor=operator, at=clock.at(w - 24, 10, 0))
        sv.request_return(c, actor=operator, at=clock.at(w - 26, 10, 0))

    @life("withdrawn")
    def _():
        c = camp_on_portal(1)
        sv.withdraw(c, actor=aliya, at=clock.at(0, 9, 0), reason="No longer needed (demo).")

    from qamqor.demo.placements import placement_lives

    lives.extend(placement_lives(users, providers, offices, clock, package))
    made, skipped = 0, []
    for name, fn in lives:
        try:
            with transaction.atomic():
                fn()
            made += 1
        except Exception as exc:  # a service the catalogue does not have yet, a guard: keep going
            skipped.append(f"{name}: {type(exc).__name__}: {exc}")
            log.warning("demo application %r skipped: %s", name, exc)
    return made, skipped
