"""Random facts documents for the batch/scalar property tests.

A spec maps a dotted path to a value kind: "bool", "number", "date", ("string", pool) or
("list", {field: kind}). Every fact may be absent, null, or a value; dates are drawn around the
case's own birthday and around 29 February; numbers around the parameter values and zero; lists
may be absent, null, empty, hold items with absent fields, or an item that is not a mapping.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

# evaluation dates: parameter and version boundaries, leap days, and anything in 2022–2027
BOUNDARY_DAYS = [
    dt.date(2022, 8, 11),
    dt.date(2022, 8, 12),
    dt.date(2022, 12, 31),
    dt.date(2023, 1, 1),
    dt.date(2023, 12, 31),
    dt.date(2024, 1, 1),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 1),
    dt.date(2024, 6, 30),
    dt.date(2024, 7, 1),
    dt.date(2024, 12, 31),
    dt.date(2025, 1, 1),
    dt.date(2025, 2, 28),
    dt.date(2025, 3, 1),
    dt.date(2025, 5, 31),
    dt.date(2025, 6, 1),
    dt.date(2026, 1, 1),
    dt.date(2026, 2, 28),
    dt.date(2026, 3, 1),
]
NUMBERS = [0, 1, 2, 3, 4, 2.5, 20000, 25000, 30000.5, 40567, 43407, 46228, 50851, 86814, 100000, 150000]

days = st.one_of(st.sampled_from(BOUNDARY_DAYS), st.dates(dt.date(2022, 1, 1), dt.date(2027, 12, 31)))


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


@st.composite
def date_value(draw, on: dt.date) -> Any:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.sampled_from(["not a date", "2020-13-01", 5]))
    if choice == 1:
        year = draw(st.sampled_from([1996, 2000, 2004, 2008, 2020, 2024]))
        born = dt.date(year, 2, 29)
    elif choice == 2:
        born = draw(st.dates(dt.date(1950, 1, 1), dt.date(2027, 12, 31)))
    else:
        years = draw(st.sampled_from([0, 1, 2, 17, 18, 20, 21, 22, 25, 26, 40]))
        born = _shift_years(on, years) + dt.timedelta(days=draw(st.integers(-2, 2)))
    return born if draw(st.booleans()) and choice == 3 else born.isoformat()


def scalar_value(draw, kind: Any, on: dt.date) -> Any:
    if kind == "bool":
        return draw(st.booleans())
    if kind == "number":
        return draw(
            st.one_of(
                st.sampled_from(NUMBERS), st.integers(-3, 200000), st.floats(0, 200000, allow_nan=False)
            )
        )
    if kind == "date":
        return draw(date_value(on))
    if isinstance(kind, tuple) and kind[0] == "string":
        return draw(st.sampled_from(kind[1]))
    raise ValueError(kind)


def _absent_null_or(draw, make):
    r = draw(st.integers(0, 9))
    if r == 0:
        return "__absent__"
    if r == 1:
        return None
    return make()


@st.composite
def document(draw, spec: dict[str, Any], on: dt.date) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for path, kind in spec.items():
        if isinstance(kind, tuple) and kind[0] == "list":
            fields = kind[1]

            def make_list(fields=fields):
                items = []
                for _ in range(draw(st.integers(0, 3))):
                    if draw(st.integers(0, 15)) == 0:
                        items.append("not a mapping")
                        continue
                    item = {}
                    for name, fk in fields.items():
                        v = _absent_null_or(draw, lambda fk=fk: scalar_value(draw, fk, on))
                        if v != "__absent__":
                            item[name] = v
                    items.append(item)
                return items

            value = _absent_null_or(draw, make_list)
            if value != "__absent__" and draw(st.integers(0, 30)) == 0:
                value = "not a list"
        else:
            value = _absent_null_or(draw, lambda kind=kind: scalar_value(draw, kind, on))
        if value == "__absent__":
            continue
        node = doc
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    # now and then a whole branch is absent or not an object
    for top in sorted({p.split(".")[0] for p in spec}):
        r = draw(st.integers(0, 40))
        if r == 0:
            doc.pop(top, None)
        elif r == 1 and top in doc and isinstance(doc[top], dict):
            doc[top] = None
    return doc


@st.composite
def cases(draw, spec: dict[str, Any], max_size: int = 30) -> list[tuple[dt.date, dict[str, Any]]]:
    n = draw(st.integers(1, max_size))
    out = []
    for _ in range(n):
        on = draw(days)
        out.append((on, draw(document(spec, on))))
    return out
