"""The vectorised path agrees with the scalar path on every case."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qamqor.rules.deadlines import due_date
from qamqor.rules.types import Citation, Term
from qamqor.rules.vector_deadlines import add_working_days, due_dates, registration_days

UTC = dt.UTC
LO = int(dt.datetime(2020, 1, 1, tzinfo=UTC).timestamp())
HI = int(dt.datetime(2027, 12, 31, tzinfo=UTC).timestamp())
CHANNELS = ("provider", "state_corp", "portal", "education_org")


def scalar(channel, sec, n):
    return due_date(Term(n, "working_days", Citation("t", "t")), channel, dt.datetime.fromtimestamp(sec, UTC))


@settings(max_examples=300, deadline=None)
@given(st.integers(LO, HI), st.sampled_from(CHANNELS), st.integers(1, 30))
def test_property_vector_equals_scalar(sec, channel, n):
    v = due_dates(channel, np.array([sec], dtype="datetime64[s]"), n)[0]
    assert v.astype(dt.date) == scalar(channel, sec, n)


@pytest.mark.parametrize("channel", ["portal", "state_corp"])
def test_random_batch_agrees(channel):
    rng = np.random.default_rng(176)
    secs = rng.integers(LO, HI, 5000)
    ns = rng.integers(1, 20, 5000)
    v = due_dates(channel, secs.astype("datetime64[s]"), ns)
    for s, n, got in zip(secs.tolist(), ns.tolist(), v, strict=True):
        assert got.astype(dt.date) == scalar(channel, s, n)


def test_boundaries_of_the_portal_rule_and_the_zone_change():
    t = np.array(
        [
            "2026-03-19T13:29:59",
            "2026-03-19T13:30:00",
            "2024-02-15T12:29",
            "2024-02-15T12:31",
            "2026-03-20T13:31",
        ],
        dtype="datetime64[s]",
    )
    got = registration_days("portal", t).astype(str).tolist()
    assert got == ["2026-03-19", "2026-03-20", "2024-02-15", "2024-02-16", "2026-03-26"]


def test_worked_saturday_on_the_vector_path():
    days = np.array(["2024-05-03", "2024-12-31", "2026-03-20"], dtype="datetime64[D]")
    assert add_working_days(days, 1).astype(str).tolist() == ["2024-05-04", "2025-01-05", "2026-03-26"]
