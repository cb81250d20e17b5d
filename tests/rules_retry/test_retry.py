"""The retry back-off shared by the monitoring feed and the registries (`qamqor.rules.retry`)."""

import pytest

from qamqor.rules.retry import backoff_seconds


@pytest.mark.parametrize(
    "attempts, expected",
    [(0, 10), (1, 10), (2, 20), (3, 40), (4, 80), (7, 640), (8, 900), (50, 900)],
)
def test_doubles_from_the_base_up_to_the_cap(attempts, expected):
    assert backoff_seconds(attempts, 10, 900) == expected


def test_ints_stay_ints_and_a_cap_below_the_base_wins():
    assert type(backoff_seconds(3, 30, 3600)) is int
    assert backoff_seconds(1, 30, 20) == 20


def test_a_float_base_does_not_overflow_after_a_long_outage():
    # 1.5 * 2**4999 is beyond a float: the exponent is bounded once any cap is reached
    assert backoff_seconds(5000, 1.5, 3600) == 3600
