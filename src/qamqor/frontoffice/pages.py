"""What the front-office pages (portal, back office) share: the day in dd.mm.yyyy, the services that
take a home visit on a day (with the reasons where none does)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from qamqor.catalog import active_catalog


def parse_day(text: str, *, default: dt.date | None) -> tuple[dt.date | None, str]:
    """(the day, "") or (None, the error): dd.mm.yyyy, or `default` for an empty field."""
    text = (text or "").strip()
    if not text:
        return default, ""
    try:
        return dt.datetime.strptime(text, "%d.%m.%Y").date(), ""
    except ValueError:
        return None, _("Write the date as dd.mm.yyyy.")


def home_visit_services(day: dt.date, catalog=None) -> dict:
    """{"services": slugs whose version in force on `day` provides for a home visit, "rules": slug →
    its provision, "unknown": slug → the reasons the catalogue gives where a version has none}."""
    cat = catalog or active_catalog()
    services, rules, unknown = [], {}, {}
    for slug, service in cat.services.items():
        version = service.version_on(day)
        if version is None:
            continue
        if version.home_visit is not None:
            services.append(slug)
            rules[slug] = version.home_visit
        else:
            reasons = [u.reason for u in version.unknown if u.field == "home_visit"]
            if reasons:
                unknown[slug] = reasons
    return {"services": services, "rules": rules, "unknown": unknown}
