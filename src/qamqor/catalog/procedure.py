"""The procedure a case follows: each move's legal basis, from `procedures.yaml` (pure, no Django).

A service version names its procedure text (`procedure.text` in the definition: `003` for the
meeting permission, annex 11 of `002` for camps, the earlier standard `000`, the standards of `001`
and `004`). Where that text is silent on a step — e.g. the guardianship rules' own procedure
paragraphs are not in the seeds, only its standard — the basis is the shared procedure of the texts
that are in the seeds, recorded with `certainty="analogy"` and a note saying so; where no seed speaks
at all (withdrawal) the basis is `certainty="unknown"` with the reason. Nothing is invented.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qamqor.rules.types import Citation

PROCEDURES_FILE = Path(__file__).resolve().parent / "procedures.yaml"
# Moves a system makes alone, only for a version whose form is fully automated (decision 0009).
AUTOMATED_STEPS = frozenset(
    {
        "automated_intake_refusal",
        "automated_completeness",
        "automated_review",
        "automated_grant",
        "automated_refusal",
    }
)
DECIDERS = ("case", "databank")  # who decides a version's applications: the case layer, or the data bank


@dataclass(frozen=True, slots=True)
class Basis:
    """The legal basis recorded with a move."""

    citations: tuple[Citation, ...]
    certainty: str = "exact"  # exact | analogy | unknown
    note: str = ""

    def as_dict(self) -> dict:
        d = {"citations": [c.as_dict() for c in self.citations], "certainty": self.certainty}
        if self.note:
            d["note"] = self.note
        return d

    @property
    def first(self) -> Citation | None:
        return self.citations[0] if self.citations else None

    def __add__(self, other: Basis) -> Basis:
        cits = self.citations + tuple(c for c in other.citations if c not in self.citations)
        order = ("exact", "analogy", "unknown")
        certainty = max(self.certainty, other.certainty, key=order.index)
        note = "; ".join(n for n in (self.note, other.note) if n)
        return Basis(cits, certainty, note)


@dataclass(frozen=True, slots=True)
class Procedure:
    """What a version says of its procedure: the text it follows, the kind of placement its grant
    records in the data bank (None: not a placement), and who decides (`case` or `databank`)."""

    text: str
    placement: str | None = None
    decided_by: str = "case"
    citation: Citation | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "placement": self.placement,
            "decided_by": self.decided_by,
            "citation": self.citation.as_dict() if self.citation else None,
        }


def _basis(m: dict) -> Basis:
    return Basis(
        tuple(Citation(str(c["source"]), str(c["clause"])) for c in m.get("citations") or ()),
        m.get("certainty", "exact"),
        m.get("note", "") or "",
    )


@dataclass(frozen=True)
class Handover:
    """What a result is handed over on, and which of those is a representative's."""

    codes: tuple[str, ...]
    representative: str
    citation: Citation


@dataclass(frozen=True)
class Procedures:
    texts: dict[str, dict[str, Basis]]
    analogy_order: tuple[str, ...]
    unknown_steps: dict[str, str]
    outside: dict[str, Basis]
    handover: Handover

    def resolve(self, key: str, text: str) -> Basis:
        """The basis of a move of kind `key` for a case following procedure `text`."""
        if key in self.outside:
            return self.outside[key]
        if key in self.unknown_steps:
            return Basis((), "unknown", self.unknown_steps[key])
        own = self.texts.get(text, {})
        if key in own:
            return own[key]
        if key in AUTOMATED_STEPS:
            return Basis(
                (),
                "unknown",
                "a system decision with no official rests only on a standard whose form is fully automated; "
                f"the procedure text of this service ({text or 'unknown'}) does not say so",
            )
        for src in self.analogy_order:
            found = self.texts.get(src, {}).get(key)
            if found is not None:
                return Basis(
                    found.citations,
                    "analogy",
                    f"the procedure text of this service ({text or 'unknown'}) is silent on this step in the "
                    f"seeds; the shared procedure of {src} is followed, unconfirmed for this service",
                )
        return Basis((), "unknown", f"no seed text gives a clause for step {key!r}")


def load_procedures(path: Path = PROCEDURES_FILE) -> Procedures:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    texts = {
        str(t): {k: _basis(v) for k, v in (m.get("steps") or {}).items()} for t, m in raw["texts"].items()
    }
    order = tuple(str(x) for x in raw.get("analogy_order") or ())
    if set(order) - set(texts):
        raise ValueError(f"{path.name}: analogy_order names unknown texts")
    return Procedures(
        texts=texts,
        analogy_order=order,
        unknown_steps={str(k): str(v) for k, v in (raw.get("unknown_steps") or {}).items()},
        outside={str(k): _basis(v) for k, v in (raw.get("outside") or {}).items()},
        handover=Handover(
            tuple(raw["handover_documents"]["codes"]),
            str(raw["handover_documents"]["representative"]),
            Citation(**raw["handover_documents"]["citation"]),
        ),
    )


@functools.cache
def procedures() -> Procedures:
    """The procedure texts shipped with the catalogue, loaded once per process."""
    return load_procedures()
