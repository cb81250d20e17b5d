"""Which sources the law accepts for each fact of a service (pure: no Django, no clock).

A service definition lists under `fact_sources` every fact its rules read, with the kinds of source
that may establish it (docs/catalog-format.md "Fact sources", decision 0012):

- `registry` — a state information system's answer (`registries:` names which), asked with the
  recipient's consent (`003_4cf6e905af0d21d2.txt` §8: "тиісті мемлекеттік ақпараттық жүйеден алады");
- `databank` — the Republican data bank (`004_b3169fa141ba7fa6.txt` row 9 item 1);
- `officer` — an official's finding with its evidence (the judgement grounds);
- `declaration` — the recipient's own statement, with the supporting document where the law asks
  for one (`document:` names the catalogue document that must be on the case);
- `consent` — the consent to the use of protected personal data, recorded by the system from the
  application's consent and the ledger (not a fact anybody types);
- `automation` — a judgement a fully automated service has no official to make, taken as not found
  (only where the definition says so, as an interpretation: decision 0009).

A fact a rule reads without an entry makes the definition invalid (the loader refuses it), so no
decision can rest on a fact whose source nobody has judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qamqor.rules.types import REGISTRIES, Citation

SOURCE_KINDS = ("registry", "databank", "officer", "declaration", "consent", "automation")
CERTAINTIES = ("exact", "interpretation")


@dataclass(frozen=True, slots=True)
class FactSource:
    """The accepted sources of one or more facts (`facts` may end in `.*`: every fact under it)."""

    facts: tuple[str, ...]
    accept: tuple[str, ...]
    citation: Citation
    registries: tuple[str, ...] = ()
    document: str | None = None  # the catalogue document a declaration must come with
    certainty: str = "exact"  # exact | interpretation (the text does not name the source)
    note: str = ""

    def covers(self, path: str) -> bool:
        return any(path == f or (f.endswith(".*") and path.startswith(f[:-1])) for f in self.facts)

    def accepts(self, kind: str, registry: str | None = None) -> bool:
        if kind not in self.accept:
            return False
        return kind != "registry" or not self.registries or registry in self.registries

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "facts": list(self.facts),
            "accept": list(self.accept),
            "citation": self.citation.as_dict(),
            "certainty": self.certainty,
        }
        if self.registries:
            d["registries"] = list(self.registries)
        if self.document:
            d["document"] = self.document
        if self.note:
            d["note"] = self.note
        return d


def source_of(rules: Iterable[FactSource], path: str) -> FactSource | None:
    """The entry that covers `path` (an exact name wins over a `prefix.*` entry)."""
    rules = tuple(rules)
    for r in rules:
        if path in r.facts:
            return r
    for r in rules:
        if r.covers(path):
            return r
    return None


def read_fact_sources(items: Any, reader, place: str, document_codes: set[str]) -> tuple[FactSource, ...]:
    """Parse a `fact_sources` list with the loader's `reader` (its errors name the place)."""
    out = []
    for i, m in enumerate(items or ()):
        p = f"{place}[{i}]"
        m = reader.keys(
            m, p, {"facts", "accept", "citation"}, {"registries", "document", "certainty", "note"}
        )
        facts = tuple(str(f) for f in m["facts"] or ())
        accept = tuple(str(a) for a in m["accept"] or ())
        if not facts or not accept:
            raise reader.fail("facts and accept must not be empty", p)
        if set(accept) - set(SOURCE_KINDS):
            raise reader.fail(f"unknown source kind(s) {sorted(set(accept) - set(SOURCE_KINDS))}", p)
        registries = tuple(str(r) for r in m.get("registries") or ())
        if set(registries) - set(REGISTRIES):
            raise reader.fail(f"unknown registry {sorted(set(registries) - set(REGISTRIES))}", p)
        if registries and "registry" not in accept:
            raise reader.fail("registries named but `registry` is not accepted", p)
        document = m.get("document")
        if document is not None and document not in document_codes:
            raise reader.fail(f"unknown document {document!r}", p)
        certainty = m.get("certainty", "exact")
        if certainty not in CERTAINTIES:
            raise reader.fail(f"certainty must be one of {CERTAINTIES}", p)
        if certainty != "exact" and not str(m.get("note") or "").strip():
            raise reader.fail("an interpretation needs a note saying why", p)
        out.append(
            FactSource(
                facts=facts,
                accept=accept,
                citation=reader.citation(m["citation"], p),
                registries=registries,
                document=document,
                certainty=certainty,
                note=str(m.get("note") or "").strip(),
            )
        )
    return tuple(out)


def uncovered(rules: Iterable[FactSource], paths: Iterable[str]) -> list[str]:
    """The fact paths no entry covers (the loader refuses a definition with any)."""
    rules = tuple(rules)
    return sorted(p for p in paths if source_of(rules, p) is None)


def split_facts(facts: Mapping[str, Any], known: Iterable[str], prefix: str = "") -> dict[str, Any]:
    """A nested facts document → {fact path: value} for the paths the rules read; a key that is not
    a fact of the service (nor on the way to one) is reported under the key `None` as a list."""
    known = set(known)
    out: dict[str, Any] = {}
    stray: list[str] = []

    def walk(node: Mapping[str, Any], at: str) -> None:
        for k, v in node.items():
            path = f"{at}.{k}" if at else str(k)
            if path in known:
                out[path] = v
            elif isinstance(v, Mapping) and any(p.startswith(path + ".") for p in known):
                walk(v, path)
            else:
                stray.append(path)

    walk(facts, prefix)
    if stray:
        out[None] = stray  # type: ignore[index]
    return out
