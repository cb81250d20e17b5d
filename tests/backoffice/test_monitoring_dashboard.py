"""The monitoring dashboard (issue 13): who sees it, that its SQL counts agree with the same counts
made in Python from the cases and their events, the charts without script, the overdue list, the feed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


def page(user, lang: str = "en") -> Client:
    c = Client()
    c.cookies["django_language"] = lang
    if user is not None:
        c.force_login(user)
    return c


@pytest.mark.parametrize(
    "username,code",
    [
        ("astana-head", 200),
        ("demo-auditor", 200),
        ("demo-admin", 200),
        ("astana-officer", 403),
        ("astana-operator", 403),
        ("recipient-aliya", 403),
        ("demo-reviewer", 403),
    ],
)
def test_who_sees_the_dashboard(demo, username, code):
    assert page(demo(username)).get("/backoffice/monitoring/").status_code == code


def test_anonymous_is_sent_to_sign_in(demo):
    r = page(None).get("/backoffice/monitoring/")
    assert r.status_code == 302 and r["Location"].startswith("/sign-in/")


def _expected(cases, now, today):
    """The outcome of each case, written out independently of the SQL."""
    from qamqor.cases.compliance import NOT_COUNTED, RESULT_STATUSES

    out = {}
    for c in cases:
        if c.status in NOT_COUNTED or c.due_date is None:
            continue
        done = min((e.at for e in c.events.all() if e.to_status in RESULT_STATUSES), default=None)
        if done is None:
            passed = now > c.due_at if c.due_at else today > c.due_date
            outcome = "open_overdue" if passed else "open"
        elif c.due_at:
            outcome = "late" if done > c.due_at else "on_time"
        else:
            outcome = "late" if timezone.localdate(done) > c.due_date else "on_time"
        key = (c.service_slug, c.provider_id, c.due_date.replace(day=1))
        out.setdefault(key, {"on_time": 0, "late": 0, "open_overdue": 0, "open": 0})[outcome] += 1
    return out


def test_the_counts_agree_with_the_cases_and_the_head_sees_only_their_provider(demo):
    from qamqor.cases import compliance
    from qamqor.cases.models import Application

    now = timezone.now()
    today = timezone.localdate(now)
    start, end = dt.date(2000, 1, 1), dt.date(2100, 1, 1)
    everyone = demo("demo-auditor")
    rows = compliance.compliance(everyone, start=start, end=end, now=now, today=today)
    got = {(r.service, r.provider_id, r.month): {o: getattr(r, o) for o in compliance.OUTCOMES} for r in rows}
    expected = _expected(Application.objects.prefetch_related("events"), now, today)
    assert got == expected and got, "the demo has cases with due dates"

    head = demo("astana-head")
    mine = compliance.compliance(head, start=start, end=end, now=now, today=today)
    assert mine and {r.provider_id for r in mine} == {head.provider_id}
    assert len(mine) <= len(rows)


def test_a_late_result_counts_as_late(demo):
    """A result issued after the due date moves a case from on time to late."""
    from qamqor.cases import compliance
    from qamqor.cases.models import Application, CaseEvent

    now = timezone.now()
    today = timezone.localdate(now)
    auditor = demo("demo-auditor")
    done = CaseEvent.objects.filter(
        to_status__in=compliance.RESULT_STATUSES, application__due_at=None
    ).first()
    assert done is not None
    case = done.application
    window = dict(start=dt.date(2000, 1, 1), end=dt.date(2100, 1, 1), now=now, today=today)
    before = compliance.totals(compliance.compliance(auditor, **window), lambda r: "all")["all"]
    Application.objects.filter(pk=case.pk).update(due_date=timezone.localdate(done.at) - dt.timedelta(days=1))
    after = compliance.totals(compliance.compliance(auditor, **window), lambda r: "all")["all"]
    assert after.late >= 1 and after.late + after.on_time == before.late + before.on_time


def test_the_page_draws_its_charts_without_script_and_lists_the_overdue(demo):
    from qamqor.cases import compliance

    head = demo("astana-head")
    r = page(head).get("/backoffice/monitoring/?months=24")
    body = r.content.decode()
    assert r.status_code == 200
    assert (
        body.count("<svg") >= 2
        and "<script" not in body
        and "http" not in re.sub(r'href="[^"]*"', "", body.split("<main")[1]).split("</main>")[0]
    )
    now = timezone.now()
    for case in compliance.overdue(head, now=now, today=timezone.localdate(now)):
        assert case.number in body and case.provider_id == head.provider_id
    assert "Monitoring feed" in body


@pytest.mark.parametrize("lang,word", [("kk", "Мониторинг"), ("ru", "Мониторинг"), ("en", "Monitoring")])
def test_the_dashboard_in_three_languages(demo, lang, word):
    r = page(demo("astana-head"), lang).get("/backoffice/monitoring/")
    assert word in r.content.decode()


def test_bad_filters_are_ignored(demo):
    r = page(demo("astana-head")).get("/backoffice/monitoring/?months=abc&service=nope")
    assert r.status_code == 200
