"""The pages of `bench/pages.py` measured on an existing database, e.g. one filled by
`qamqor sandbox history` (nothing copied, nothing dropped):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qamqor_history python bench/pages_on.py

The officer's queue (`astana-officer`, a page of 100 rows), the case page (cases of that provider),
and a recipient's list and status page (the history applicant with the most applications, given a
recipient account if they have none), and the monitoring dashboard as a provider's head and as the
auditor (all providers; 20 requests each). p50 and p99 in ms, targets as in `pages.py` (issues 13, 16).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import DASHBOARD_TARGET, TARGET_P50, TARGET_P99, timed  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=100, help="GETs per page (default 100)")
    args = ap.parse_args(argv)
    os.environ.setdefault("QAMQOR_MODE", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.project.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from qamqor.cases.models import Application

    users = get_user_model().objects
    officer = users.get(username="astana-officer")
    top = (
        Application.objects.filter(number__contains="-H")
        .values("applicant_id", "applicant__iin")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    recipient = users.filter(iin=top["applicant__iin"]).first() or users.create_user(
        username=f"history-recipient-{top['applicant__iin']}", iin=top["applicant__iin"], role="recipient"
    )
    rng = random.Random(158)
    ids = list(
        Application.objects.filter(provider_id=officer.provider_id)
        .order_by("?")
        .values_list("id", flat=True)[:500]
    )
    mine = list(Application.objects.filter(applicant_id=top["applicant_id"]).values_list("id", flat=True))
    print(
        f"{Application.objects.count():,} cases in the database; the recipient has {len(mine)} application(s)"
    )
    staff, citizen, anonymous, chief, everyone = Client(), Client(), Client(), Client(), Client()
    staff.force_login(officer)
    citizen.force_login(recipient)
    chief.force_login(users.get(username="astana-head"))
    everyone.force_login(users.get(username="demo-auditor"))
    pages = [
        ("static file (baseline)", anonymous, ["/static/qamqor/pages.css"]),
        ("officer's queue (100 rows a page)", staff, ["/backoffice/"]),
        ("case page", staff, [f"/backoffice/cases/{rng.choice(ids)}/" for _ in range(50)]),
        ("recipient's list", citizen, ["/portal/applications/"]),
        (
            "recipient's status page",
            citizen,
            [f"/portal/applications/{rng.choice(mine)}/" for _ in range(20)],
        ),
        ("dashboard (provider's head)", chief, ["/backoffice/monitoring/"]),
        ("dashboard (auditor: all)", everyone, ["/backoffice/monitoring/"]),
    ]
    for _label, client, urls in pages:  # warm-up
        timed(client, urls, 3)
    print(
        f"{'page':34} {'p50 ms':>8} {'p99 ms':>8}  target p50 ≤ {TARGET_P50:g}, p99 ≤ {TARGET_P99:g}; "
        f"dashboard ≤ {DASHBOARD_TARGET:g}"
    )
    for label, client, urls in pages:
        p50, p99 = timed(client, urls, args.requests if not label.startswith("dashboard") else 20)
        print(f"{label:34} {p50:8.2f} {p99:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
