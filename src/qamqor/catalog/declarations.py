"""Reading the declarations of a version that say how its rules are read (docs/catalog-format.md):
`facts:` (closed value sets, ranges, formats), `interpretation:` / `interpretations:` (a reading
chosen where the text allows several), `editions_not_in_sources_before:` and `home_visit:`.

Each function takes the loader's reader `r` (its `keys`, `fail`, `text`, `date`, `citation`, `expr`),
so every error names the file and the place, as the rest of the loader does.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from qamqor.catalog.model import EditionGap, FactSpec, HomeVisit
from qamqor.rules.types import Interpretation, Reading

FACT_FORMATS = {"country"}  # an ISO 3166-1 alpha-2 code (catalog.facts_schema)
DECISION_RECORD = re.compile(r"^docs/decisions/\d{4}-[a-z0-9-]+\.md$")


def fact_specs(r, m: Any, place: str) -> dict[str, FactSpec]:
    """The `facts:` declarations of a version (docs/catalog-format.md, "Facts")."""
    out = {}
    for path, spec in (m or {}).items():
        fp = f"{place}.{path}"
        spec = r.keys(spec, fp, {"reason"}, {"other_values", "minimum", "maximum", "integer", "format"})
        if not str(spec["reason"]).strip():
            raise r.fail("a fact declaration needs a reason", fp)
        others = spec.get("other_values") or []
        if not isinstance(others, list) or not all(isinstance(v, str) and v for v in others):
            raise r.fail("other_values is a list of words", fp)
        for key in ("minimum", "maximum"):
            v = spec.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise r.fail(f"{key} must be a number", fp)
        if spec.get("format") is not None and spec["format"] not in FACT_FORMATS:
            raise r.fail(f"format must be one of {sorted(FACT_FORMATS)}", fp)
        out[str(path)] = FactSpec(
            path=str(path),
            other_values=tuple(others),
            minimum=spec.get("minimum"),
            maximum=spec.get("maximum"),
            integer=bool(spec.get("integer", False)),
            format=spec.get("format"),
            reason=str(spec["reason"]).strip(),
        )
    return out


def interpretation_of(r, m: Any, place: str, when: Any):
    """(Interpretation or None, the rule's expression): a ground's `when`, or, when its readings carry
    expressions, the chosen reading's (the others are compiled too, so that choosing one is safe)."""
    if m is None:
        if when is None:
            raise r.fail("a ground needs 'when'", place)
        return None, when
    m = r.keys(m, place, {"decision", "chosen", "readings"})
    if not DECISION_RECORD.match(str(m["decision"])):
        raise r.fail("decision must be the path of a record in docs/decisions/", place)
    readings, exprs = [], {}
    for i, x in enumerate(m["readings"] or ()):
        rp = f"{place}.readings[{i}]"
        x = r.keys(x, rp, {"code", "text"}, {"when"})
        readings.append(Reading(str(x["code"]), r.text(x["text"], rp + ".text")))
        if "when" in x:
            exprs[str(x["code"])] = x["when"]
    codes = [x.code for x in readings]
    if len(readings) < 2 or len(set(codes)) != len(codes):
        raise r.fail("an interpretation names at least two distinct readings", place)
    if m["chosen"] not in codes:
        raise r.fail(f"chosen reading {m['chosen']!r} is not among {codes}", place)
    if exprs:
        if len(exprs) != len(readings) or when is not None:
            raise r.fail("either every reading carries 'when' (and the ground none) or none does", place)
        for code, expr in exprs.items():
            r.expr(expr, f"{place}.{code}")
        when = exprs[m["chosen"]]
    elif when is None and place.endswith(".interpretation"):
        raise r.fail("a ground needs 'when'", place)
    chosen = readings[codes.index(m["chosen"])]
    return Interpretation(chosen, tuple(x for x in readings if x is not chosen), str(m["decision"])), when


def edition_gap(r, m: Any, place: str, start: dt.date) -> EditionGap | None:
    """`editions_not_in_sources_before:` of a version: from when, before the version, the service was
    in force under editions whose text is not in the sources."""
    if m is None:
        return None
    e = r.keys(m, place, {"from", "citation", "note"}, {"from_certainty"})
    if e.get("from_certainty", "exact") not in ("exact", "estimated"):
        raise r.fail("from_certainty must be exact or estimated", place)
    gap_start = r.date(e["from"], place + ".from")
    if gap_start >= start:
        raise r.fail("the period of editions not in the sources must end where the version begins", place)
    if not str(e["note"]).strip():
        raise r.fail("a period of editions not in the sources needs a note", place)
    return EditionGap(
        gap_start,
        start,
        e.get("from_certainty", "exact"),
        r.citation(e["citation"], place),
        str(e["note"]).strip(),
    )


REQUEST_CHANNELS = {"contact_centre", "portal"}  # how a home visit is asked for
ELIGIBILITY_SOURCES = {"declaration", "registry", "officer"}


def home_visit(r, m: Any, place: str, channels: tuple[str, ...]) -> HomeVisit | None:
    """`home_visit:` of a version (documents taken at home, e.g. `000` §13)."""
    if m is None:
        return None
    h = r.keys(
        m,
        place,
        {"eligible", "request_channels", "eligibility_sources", "intake_channel", "citation"},
        {"interpreted_request_channels", "eligibility_certainty", "note"},
    )
    asked = tuple(h["request_channels"] or ())
    interpreted = tuple(h.get("interpreted_request_channels") or ())
    if not asked or set(asked + interpreted) - REQUEST_CHANNELS:
        raise r.fail(f"request channels must be among {sorted(REQUEST_CHANNELS)}", place)
    sources = tuple(h["eligibility_sources"] or ())
    if not sources or set(sources) - ELIGIBILITY_SOURCES:
        raise r.fail(f"eligibility sources must be among {sorted(ELIGIBILITY_SOURCES)}", place)
    certainty = h.get("eligibility_certainty", "exact")
    if certainty not in ("exact", "interpretation"):
        raise r.fail("eligibility_certainty must be exact or interpretation", place)
    if h["intake_channel"] not in channels:
        raise r.fail(f"the intake channel {h['intake_channel']!r} is not a channel of the version", place)
    note = str(h.get("note") or "").strip()
    if (interpreted or certainty == "interpretation") and not note:
        raise r.fail("an interpreted request channel or eligibility source needs a note", place)
    return HomeVisit(
        eligible=r.text(h["eligible"], place + ".eligible"),
        request_channels=asked,
        interpreted_request_channels=interpreted,
        eligibility_sources=sources,
        eligibility_certainty=certainty,
        intake_channel=str(h["intake_channel"]),
        citation=r.citation(h["citation"], place),
        note=note,
    )
