"""Helpers shared by the test packages: `from helpers import at, MEETING_FACTS, ...`.

tests/ has no __init__.py, so pytest puts it on sys.path when it loads tests/conftest.py (its
"prepend" import mode); every test module can import this one. Nothing here imports Django at module
level, so the pure tests (tests/time, tests/catalog) can use it too.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess

from qamqor.rules.calendar import ALMATY


# --- moments ------------------------------------------------------------------------------------
def at(y, m, d, hh=10, mm=0, tz=ALMATY) -> dt.datetime:
    """An aware moment, local time in Almaty unless `tz` says otherwise."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


MON = at(2026, 3, 2)  # Monday 2 March 2026, 10:00: a working day

# --- declared facts -----------------------------------------------------------------------------
# The meeting permission (`003` annex 2 row 9) has only the officer's judgement grounds and the
# consent, so the consent is all a recipient declares for a grant (the same holds for the case
# fixture's camp-referral).
MEETING_FACTS: dict = {}  # the consent is the application's own (consent=True), never a declared fact
# the package of the meeting permission (tests/cases/fixture: `003` annex 2 row 8), complete
MEETING_DOCUMENTS = (
    {"code": "identity_document", "source": "paper"},
    {"code": "court_decision_deprivation", "source": "paper"},
)


# --- the command line ---------------------------------------------------------------------------
def run_cli(capsys, *argv):
    """`qamqor ARGV…` in-process: (exit code, stdout, stderr)."""
    from qamqor.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stop(proc, sig=None, timeout: float = 15.0) -> int:
    """Stop a child process (a server, a worker): `sig` (SIGTERM), then SIGKILL after `timeout`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM if sig is None else sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


# --- the case services (the world of tests/cases/conftest.py) -----------------------------------
def submit_meeting(w, channel="provider", when=None, **kw):
    """A parent-meeting-permission application of `w.parent` to `w.dept`, accepted by the provider's
    officer or, at the State Corporation, by the operator of `w.office`; at 2 February 2026 10:00
    unless `when`. `kw` overrides any argument of `submit_application`."""
    from qamqor.cases import actions as sv

    at_state_corp = channel == "state_corp"
    args = dict(
        service_slug="parent-meeting-permission",
        channel=channel,
        applicant=w.parent,
        provider=w.dept,
        office=w.office if at_state_corp else None,
        actor=w.operator if at_state_corp else w.officer,
        at=when or at(2026, 2, 2, 10),
        facts=MEETING_FACTS,
        consent=True,
        documents=MEETING_DOCUMENTS,
    )
    args.update(kw)
    return sv.submit_application(**args)


def receive_notices(case, when):
    """Every message of `case` delivered by every channel at `when`, and opened by the recipient in
    their cabinet then (as the worker and the portal's notifications page do)."""
    from qamqor.notifications import services
    from qamqor.notifications.models import Delivery, Message

    for pk in Delivery.objects.filter(message__case_ref=str(case.pk), status="pending").values_list(
        "pk", flat=True
    ):
        services.deliver(pk, now=when, worker="test")
    ids = Message.objects.filter(case_ref=str(case.pk)).values_list("pk", flat=True)
    services.mark_read(case.applicant.iin, ids, when)
    case.refresh_from_db()


def to_review_at_state_corp(w, case):
    """A State Corporation application of 02.02.2026 10:00 taken to review: accepted, sent by courier,
    received by the provider, checked for completeness (03.02.2026)."""
    from qamqor.cases import actions as sv

    sv.accept_at_front_office(case, actor=w.operator, at=at(2026, 2, 2, 10, 5))
    sv.send_by_courier(case, actor=w.operator, at=at(2026, 2, 2, 16))
    sv.receive_at_provider(case, actor=w.officer, at=at(2026, 2, 3, 9, 30))
    sv.check_completeness(case, actor=w.officer, at=at(2026, 2, 3, 10))
    sv.start_review(case, actor=w.officer, at=at(2026, 2, 3, 10, 30))


def package(service: str, channel: str, *, on=None) -> list[dict]:
    """Every document the active catalogue's definition lists for the channel (the application itself
    aside), handed in on paper: a complete package whatever the conditions say."""
    from qamqor.catalog import active_catalog

    svc = active_catalog().service(service)
    version = svc.version_on(on) if on else svc.versions[-1]
    return [
        {"code": d.code, "source": "paper"}
        for d in version.documents
        if channel in d.channels and not d.code.startswith("application")
    ]

