"""Documents taken at home (`000_e53799d7e328390d.txt` §13) become an application through the same
intake as the State Corporation's counter: `cases.actions.intake.submit` on the channel the
definition names (`home_visit.intake_channel`) with `home_visit=` the visit's reference (recorded on
the `submitted` event with §13), then the visit records the application (`frontoffice`). The two
layers do not know each other (both sit at the case level), so this step joins them, in one
transaction: a refused intake leaves the visit as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction

from qamqor.cases.actions.intake import submit
from qamqor.cases.models import Person
from qamqor.frontoffice.actions.common import local_day
from qamqor.frontoffice.actions.home_visits import check_home_intake, provision, record_home_intake


def accept_documents_at_home(
    visit,
    *,
    operator,
    at: dt.datetime,
    provider,
    applicant=None,
    names: Mapping | None = None,
    documents: Iterable[Mapping] = (),
    children: Iterable = (),
    facts: Mapping | None = None,
    consent: bool = False,
):
    """The assigned operator accepts the documents at the recipient's home: the application, filed.
    The applicant is the visit's recipient (found by IIN, or recorded with `names`)."""
    check_home_intake(visit, operator=operator)
    _version, rule = provision(visit.service_slug, local_day(at))
    with transaction.atomic():
        if applicant is None:
            applicant = Person.objects.filter(iin=visit.recipient_iin).first() or Person.objects.create(
                iin=visit.recipient_iin, **dict(names or {})
            )
        submission = submit(
            service_slug=visit.service_slug,
            channel=rule.intake_channel,
            applicant=applicant,
            provider=provider,
            children=children,
            office=visit.office,
            actor=operator,
            at=at,
            facts=facts,
            consent=consent,
            documents=documents,
            home_visit=visit.reference,
        )
        record_home_intake(visit, application_id=submission.case.pk, operator=operator, at=at)
    return submission.case
