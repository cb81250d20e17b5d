"""The monitoring dashboard (issue 13): deadline compliance by service, provider and month with two
charts drawn on the server (SVG in the page, no script, no CDN), the overdue list and the monitoring
feed's reconciliation. For a provider's head (their provider), auditors and administrators (all)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from qamqor.accounts.models import Provider
from qamqor.cases import compliance
from qamqor.catalog import active_catalog
from qamqor.monitoring.reports import feed_status
from qamqor.project.pagetags import service_name, status_label

BAR_WIDTH = 560  # px of the longest bar
BAR_HEIGHT = 20
PITCH = 46  # px a row: its label on a line, its bar under it
COLOURS = {"on_time": "#1b6e3a", "late": "#b35900", "open_overdue": "#b00020", "open": "#6b6b6b"}


def _months_back(today: dt.date, months: int) -> dt.date:
    y, m = today.year, today.month - (months - 1)
    while m <= 0:
        y, m = y - 1, m + 12
    return dt.date(y, m, 1)


def _month_end(today: dt.date) -> dt.date:
    first_next = dt.date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _stacked(totals: dict, label) -> dict:
    """An SVG stacked bar chart: one bar a key, a segment an outcome, widths proportional to counts."""
    biggest = max((sum(getattr(r, o) for o in compliance.OUTCOMES) for r in totals.values()), default=0) or 1
    bars = []
    for i, (key, r) in enumerate(totals.items()):
        x, segments = 0, []
        for o in compliance.OUTCOMES:
            n = getattr(r, o)
            w = round(BAR_WIDTH * n / biggest, 1)
            if n:
                segments.append({"x": x, "w": w, "n": n, "fill": COLOURS[o], "outcome": o})
            x += w
        bars.append(
            {
                "y": i * PITCH,
                "label": label(key),
                "segments": segments,
                "end": x + 6,
                "total": sum(getattr(r, o) for o in compliance.OUTCOMES),
                "share": r.share,
            }
        )
    return {"bars": bars, "height": len(bars) * PITCH + 4, "width": BAR_WIDTH + 80}


def _shares(totals: dict, label) -> dict:
    """An SVG bar chart of the share on time (0–100 %) per key."""
    bars = []
    for i, (key, r) in enumerate(totals.items()):
        share = r.share
        bars.append(
            {
                "y": i * PITCH,
                "label": label(key),
                "share": share,
                "w": round(BAR_WIDTH * (share or 0), 1),
                "percent": None if share is None else round(100 * share),
            }
        )
    return {"bars": bars, "height": len(bars) * PITCH + 4, "width": BAR_WIDTH + 80}


@login_required(login_url="sign-in")
def dashboard(request):
    user = request.user
    if getattr(user, "role", "") not in compliance.DASHBOARD_ROLES:
        raise PermissionDenied(
            _("The monitoring dashboard is for the provider's head, auditors and administrators.")
        )
    now = timezone.now()
    today = timezone.localdate(now)
    services = list(active_catalog().services)
    service = request.GET.get("service") if request.GET.get("service") in services else ""
    try:
        months = min(24, max(1, int(request.GET.get("months", "12"))))
    except ValueError:
        months = 12
    start, end = _months_back(today, months), _month_end(today)
    rows = compliance.compliance(user, start=start, end=end, now=now, today=today, service=service or None)
    providers = {p.pk: p for p in Provider.objects.filter(pk__in={r.provider_id for r in rows})}
    names = {s: service_name(s) for s in services}
    by_month = compliance.totals(rows, lambda r: r.month)
    by_service = compliance.totals(rows, lambda r: r.service)
    table = [(names.get(r.service, r.service), providers[r.provider_id], r) for r in rows]
    ctx = {
        "service": service,
        "services": names,
        "months": months,
        "start": start,
        "end": end,
        "today": today,
        "table": table,
        "month_chart": _stacked(by_month, lambda m: m.strftime("%m.%Y")),
        "service_chart": _shares(by_service, lambda s: names.get(s, s)),
        "total": compliance.totals(rows, lambda r: "all").get("all"),
        "overdue": [
            (c, names.get(c.service_slug, c.service_slug), status_label(c.status))
            for c in compliance.overdue(user, now=now, today=today, service=service or None)
        ],
        "overdue_limit": compliance.OVERDUE_LIMIT,
        "feed": feed_status(),
        "colours": COLOURS,
    }
    return render(request, "backoffice/dashboard.html", ctx)
