""" "Who read my data": the recipient's own ledger — every state-registry query about them
(`registries.services.ledger_for`, under the consent-ledger entry) and every read of their personal
data in a case (`audit`'s log, written by `cases.access` on each read)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from qamqor.audit.models import PersonalDataAccess
from qamqor.registries.services import ledger_for
from qamqor.registries.types import REGISTRY_NAMES

LIMIT = 200


@login_required(login_url="sign-in")
def my_ledger(request):
    iin = getattr(request.user, "iin", "") or ""
    queries, reads = [], []
    if iin:
        queries = [(q, REGISTRY_NAMES.get(q.registry)) for q in ledger_for(iin)[:LIMIT]]
        # others' reads: the recipient's own views of their applications are logged too, not shown
        others = PersonalDataAccess.objects.filter(subject_iin=iin).exclude(actor_id=request.user.pk)
        reads = list(others.order_by("-at", "-id")[:LIMIT])
    return render(request, "portal/ledger.html", {"queries": queries, "reads": reads})
