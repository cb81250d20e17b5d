"""The queue reads little (decision 0026): three queries whatever the number of rows, no `deadlines`
document loaded, and the latest day of a preliminary refusal read in SQL equal to the one in Python."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_the_step_read_in_sql_is_the_step_read_in_python(demo):
    from qamqor.cases import selectors
    from qamqor.cases.actions.deadlines import step_due
    from qamqor.cases.models import Application

    officer = demo("astana-officer")
    rows = list(selectors.work_queue(officer))
    assert rows and "deadlines" in rows[0].get_deferred_fields()
    full = {a.pk: a for a in Application.objects.filter(pk__in=[r.pk for r in rows])}
    with_step = 0
    for r in rows:
        expected = step_due(full[r.pk], "preliminary_refusal")
        assert selectors._prelim_due(r) == expected
        with_step += expected is not None
    assert with_step, "the demo has cases with a preliminary-refusal step"


def test_the_queue_page_costs_the_same_queries_for_any_number_of_rows(demo):
    c = Client()
    c.force_login(demo("astana-officer"))
    c.get("/backoffice/")
    with CaptureQueriesContext(connection) as q:
        assert c.get("/backoffice/").status_code == 200
    # the session, the user, the page of rows, the count of overdue complaints (issue 14): never per row
    assert len(q.captured_queries) <= 4, [x["sql"][:120] for x in q.captured_queries]
    assert not any('"deadlines"' in x["sql"] and "json" not in x["sql"].lower() for x in q.captured_queries)
