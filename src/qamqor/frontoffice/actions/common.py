"""What the front-office steps share: the catalogue version of a service at the State Corporation
on a day, the office's schedule under it, texts in kk / ru / en."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qamqor.catalog import UnknownService, active_catalog
from qamqor.frontoffice.exceptions import FrontOfficeError
from qamqor.frontoffice.slots import CHANNEL
from qamqor.rules.calendar import ALMATY
from qamqor.rules.types import LANGS


def aware(at: dt.datetime) -> dt.datetime:
    """The clock is an argument: a naive moment is refused."""
    if at is None or timezone.is_naive(at):
        raise ValueError("give an aware moment")
    return at


def local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(ALMATY).date()


def in_languages(message) -> dict[str, str]:
    out = {}
    for lang in LANGS:
        with translation.override(lang):
            out[lang] = str(message)
    return out


def version_at_office(service_slug: str, day: dt.date, catalog=None):
    """The version of `service_slug` in force on `day`, if it takes applications at the State
    Corporation; else a clear refusal."""
    cat = catalog or active_catalog()
    try:
        service = cat.service(service_slug)
    except UnknownService:
        raise FrontOfficeError(
            _("Unknown service “%(slug)s”.") % {"slug": service_slug}, code="unknown_service"
        ) from None
    version = service.version_on(day)
    if version is None or version.channel(CHANNEL) is None:
        raise FrontOfficeError(
            _("This service is not received at the State Corporation on %(day)s.")
            % {"day": f"{day:%d.%m.%Y}"},
            code="not_at_state_corp",
        )
    return version


def office_schedule(version, office):
    """The office's hours under the version: a duty office's own where the version gives them."""
    return version.office_schedule(CHANNEL, duty=getattr(office, "kind", "") == "duty")


def bookable_services(day: dt.date, catalog=None) -> list[str]:
    cat = catalog or active_catalog()
    out = []
    for slug in cat.services:
        version = cat.service(slug).version_on(day)
        if (
            version is not None
            and version.channel(CHANNEL) is not None
            and version.source_status == "complete"
        ):
            out.append(slug)
    return out
