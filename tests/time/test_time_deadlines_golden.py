"""The explained deadlines, byte for byte: `as_dict()` (as JSON) and `render()` in every language,
against outputs saved from the eager implementation before the explanation became lazy (issue 3).
Also: the explanation is built only when read, and results keep frozen-dataclass behaviour.

Regenerate the golden file only for an intended change of output:
    /work/venv/bin/python tests/time/test_time_deadlines_golden.py --write
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
import pickle
import sys
from pathlib import Path

import pytest

from qamqor.catalog import load_catalog
from qamqor.rules.calendar import ALMATY
from qamqor.rules.deadlines import DeadlineResult, StepDeadline, compute_deadline, render
from qamqor.rules.types import Citation, StepRule, Term

GOLDEN = Path(__file__).with_name("data") / "deadlines_golden.json"
UTC = dt.UTC


def _at(y, m, d, hh, mm, tz=ALMATY):
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


# Moments that exercise the rules: in hours, after 18:30, a weekend, Nauryz, the worked Saturday of
# 2024, the worked Sunday of 2025, the Almaty offset change of 2024, New Year, Kurban Ait.
MOMENTS = (
    _at(2026, 3, 19, 18, 29),
    _at(2026, 3, 20, 18, 31),
    _at(2026, 3, 22, 23, 50),
    dt.datetime(2024, 2, 15, 12, 31, tzinfo=UTC),
    _at(2024, 5, 2, 10, 0),
    _at(2024, 12, 30, 19, 0),
    _at(2023, 6, 28, 9, 15),
    dt.datetime(2021, 12, 31, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
)
C = Citation("golden.txt", "§1")
SYNTHETIC = (
    StepRule("completeness_check", 10, "calendar_days", C),
    StepRule("child_interview", 2, "calendar_days", C),
    StepRule("preliminary_refusal", 2, "calendar_months", C),
    StepRule("result_to_state_corp", 3, "calendar_days", C),
    StepRule("final_decision", 1, "calendar_years", C),
    StepRule("custody", 1, "calendar_months", C),
    StepRule("relatives_certificate", 1, "calendar_years", C),
)
EVENTS = (
    None,
    {"hearing": dt.date(2026, 3, 30), "complaint_registered": dt.date(2026, 3, 19)},
    {"result_at_state_corp": dt.date(2026, 4, 9), "placement_decision": dt.date(2025, 3, 22)},
    {"registered": dt.datetime(2026, 3, 20, 17, 0, tzinfo=ALMATY), "resend_request": dt.date(2026, 5, 8)},
)


def cases() -> list[tuple[str, dict]]:
    """(label, compute_deadline keyword arguments), every catalogue service with a term through every
    channel it offers, plus hand-made steps in calendar units and a minute term."""
    out = []
    catalog = load_catalog()
    for slug in sorted(catalog.services):
        for v in catalog.service(slug).versions:
            if v.term is None:
                continue
            for ch in v.channel_codes:
                sched = v.schedule_for(ch)  # the outputs were saved with the default for an unnamed channel
                for i, m in enumerate(MOMENTS):
                    ev = EVENTS[i % len(EVENTS)]
                    out.append(
                        (
                            f"{slug}/{v.id}/{ch}/{m.isoformat()}/{i % len(EVENTS)}",
                            dict(
                                term=v.term,
                                steps=v.steps,
                                channel=ch,
                                submitted=m,
                                schedule=sched,
                                schedule_citation=v.schedules_citation if ch == "portal" else None,
                                events=ev,
                            ),
                        )
                    )
    for term in (Term(5, "working_days", C), Term(30, "minutes", C)):
        for ch in ("provider", "state_corp", "portal"):
            for i, m in enumerate(MOMENTS[:4]):
                out.append(
                    (
                        f"synthetic/{term.unit}/{ch}/{m.isoformat()}/{i}",
                        dict(term=term, steps=SYNTHETIC, channel=ch, submitted=m, events=EVENTS[i]),
                    )
                )
    return out


def output(kwargs: dict) -> dict:
    r = compute_deadline(**kwargs)
    return {"as_dict": r.as_dict(), "render": {lang: render(r, lang) for lang in ("kk", "ru", "en")}}


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _digest(data) -> str:
    return hashlib.sha256(_dump(data).encode("utf-8")).hexdigest()


# Saved in full (readable diffs); every other case is saved as the SHA-256 of the same JSON.
FULL = (
    "parent-meeting-permission/order-158-ed-2023/state_corp/2026-03-20T18:31:00+05:00/1",
    "camp-referral/order-158-ed-2023/portal/2026-03-22T23:50:00+05:00/2",
    "guardianship-certificate/requirements-list-current/portal/2024-05-02T10:00:00+05:00/0",
)


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_golden_covers_every_case(golden):
    assert sorted(golden["sha256"]) == sorted(label for label, _ in cases())
    assert sorted(golden["full"]) == sorted(FULL)


@pytest.mark.parametrize(("label", "kwargs"), cases(), ids=[label for label, _ in cases()])
def test_output_is_byte_identical(golden, label, kwargs):
    out = output(kwargs)
    if label in golden["full"]:
        assert _dump(out) == _dump(golden["full"][label])
    assert _digest(out) == golden["sha256"][label], "output changed: regenerate and diff (see the docstring)"


# --- laziness and value semantics ---------------------------------------------------------------
def _meeting():
    v = load_catalog().service("parent-meeting-permission").versions[-1]
    return v, dict(term=v.term, steps=v.steps, channel="state_corp", submitted=_at(2026, 3, 20, 10, 0))


def test_explanation_is_built_on_first_read_only(monkeypatch):
    from qamqor.rules import deadlines

    built = []
    real = deadlines._skip_line
    monkeypatch.setattr(deadlines, "_skip_line", lambda s: built.append(s) or real(s))
    deadlines._SKIP_LINES.clear()
    _, kw = _meeting()
    r = compute_deadline(**kw)
    assert r.due == dt.date(2026, 4, 1) and r.step("decision").due == dt.date(2026, 4, 1)
    assert built == []  # dates only: no explanation line written
    first = r.explanation
    assert built and first[0].kind == "registration"
    assert r.explanation is first  # built once, then kept
    assert r.as_dict() == r.as_dict()


def test_results_behave_like_frozen_dataclasses():
    _, kw = _meeting()
    a, b = compute_deadline(**kw), compute_deadline(**kw)
    b.as_dict()  # one with its explanation built, one without
    assert a == b and hash(a) == hash(b) and a.steps == b.steps
    assert repr(a) == repr(b) and repr(a).startswith("DeadlineResult(channel='state_corp'")
    assert "explanation=(Explanation(kind='registration'" in repr(a)
    for obj in (a, a.steps[0]):
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.due = None
        with pytest.raises(dataclasses.FrozenInstanceError):
            del obj.due
    assert type(a) is DeadlineResult and all(type(s) is StepDeadline for s in a.steps)
    assert pickle.loads(pickle.dumps(a)) == a and copy.deepcopy(a) == a
    assert pickle.loads(pickle.dumps(a)).as_dict() == a.as_dict()
    other = compute_deadline(**{**kw, "submitted": _at(2026, 3, 23, 10, 0)})
    assert other != a


def test_public_constructors_still_take_an_explanation():
    s = StepDeadline("decision", None, "completeness_check", None, 3, "working_days", C)
    assert s.explanation == () and s.waiting_for is None
    r = DeadlineResult(
        "provider",
        _at(2026, 3, 20, 10, 0),
        dt.date(2026, 3, 20),
        Term(5, "working_days", C),
        dt.date(2026, 3, 27),
        (s,),
        (),
    )
    assert r.as_dict()["steps"][0]["explanation"] == [] and render(r) == []


def write_golden() -> None:
    outputs = {label: output(kw) for label, kw in cases()}
    data = {
        "full": {label: outputs[label] for label in FULL},
        "sha256": {label: _digest(out) for label, out in outputs.items()},
    }
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__" and "--write" in sys.argv:
    write_golden()
