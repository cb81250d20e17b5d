"""orjson where JSON is hot (decision 0010): the API renders what DRF renders, the database gets
the JSON value the standard encoder would send, and what orjson refuses goes the standard way."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from qamqor.api.renderers import JSONRenderer
from qamqor.db.postgresql.base import dumps

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    _text,
    st.sampled_from(["ә\u2028і", '\x00\x1f"\\/', "Өтініш берілді"]),
)
_plain = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=25,
)
_drf_only = st.one_of(  # what only DRF's encoder knows: dates, decimals, lazy texts, UUIDs, tuples
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5))])),
    st.dates(),
    st.times(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.uuids(),
    st.just(gettext_lazy("This field is required.")),
    st.tuples(st.integers(0, 9), _text),
    st.frozensets(st.integers(0, 3), max_size=3),
)
_mixed = st.recursive(
    _scalars | _drf_only,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(_mixed)
def test_the_api_renders_byte_for_byte_what_drf_renders(data):
    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3))
def test_floats_mean_the_same_number(data):
    assert json.loads(JSONRenderer().render(data)) == json.loads(DRFJSONRenderer().render(data))


def test_not_a_number_is_null_where_drf_would_fail():
    # the one documented difference (nothing the API answers holds a NaN; its parser refuses them)
    assert JSONRenderer().render({"x": float("nan")}) == b'{"x":null}'
    with pytest.raises(ValueError):
        DRFJSONRenderer().render({"x": float("nan")})


def test_what_orjson_refuses_is_rendered_by_drf():
    expected = b'{"n":1180591620717411303424}'
    assert JSONRenderer().render({"n": 2**70}) == DRFJSONRenderer().render({"n": 2**70}) == expected
    with pytest.raises(TypeError):  # DRF's own error for a key that is not a string
        JSONRenderer().render({(1, 2): 3})


def test_a_pretty_printed_request_is_drfs():
    data = {"a": [1, {"b": "ә"}]}
    media = "application/json; indent=2"
    assert JSONRenderer().render(data, media) == DRFJSONRenderer().render(data, media)
    assert b"\n" in JSONRenderer().render(data, media)


@settings(max_examples=300, deadline=None)
@given(_plain)
def test_the_database_gets_the_json_value_json_dumps_gives(data):
    out = dumps(data)
    assert json.loads(out) == json.loads(json.dumps(data))


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2026, 3, 2),
        {"at": dt.datetime(2026, 3, 2, 10, 0)},
        decimal.Decimal("1.5"),
        {"u": uuid.uuid4().int},
    ],
)
def test_the_database_encoder_falls_back_as_django_would(value):
    try:
        expected = json.dumps(value)
    except TypeError:
        with pytest.raises(TypeError):
            dumps(value)
    else:
        assert json.loads(dumps(value)) == json.loads(expected)

