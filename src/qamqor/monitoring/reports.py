"""What the monitoring dashboard shows of the monitoring feed (`003` §12-1): the daily
reconciliations, the stages not yet delivered and the open technical-problem protocols."""

from __future__ import annotations

from django.db.models import Count, Min, Q

from qamqor.monitoring.models import Reconciliation, StageOutbox, TechnicalProblemProtocol


def feed_status(days: int = 14) -> dict:
    outbox = StageOutbox.objects.aggregate(
        pending=Count("pk", filter=Q(status=StageOutbox.Status.PENDING)),
        oldest_pending=Min("moment", filter=Q(status=StageOutbox.Status.PENDING)),
    )
    return {
        "reconciliations": list(Reconciliation.objects.order_by("-day")[:days]),
        "pending": outbox["pending"],
        "oldest_pending": outbox["oldest_pending"],
        "open_problems": TechnicalProblemProtocol.objects.filter(resolved_at__isnull=True).count(),
    }
