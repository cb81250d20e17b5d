"""The registry of document kinds (`kinds.yaml`): code → template, languages, the form's citation.

Data, not code: a new kind is a YAML entry and a Typst template in `forms/`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
FORMS_DIR = HERE / "forms"
LANGUAGES = ("kk", "ru")  # Kazakh first: the default when the recipient has not chosen
DEFAULT_LANGUAGE = "kk"


class UnknownKind(LookupError):
    pass


@dataclass(frozen=True)
class DocumentKind:
    code: str
    template: str
    layout: str  # "law": the form of the cited annex; "ours": the law names the document, gives no form
    form: str | None  # citation of the form (None when the layout is ours)
    basis: str  # the clause that makes the document
    title: dict  # {"kk": ..., "ru": ...}
    requires: tuple[str, ...]
    requires_one_of: tuple[str, ...] = ()
    validity: str | None = None  # "period": valid over the context's period.from .. period.until
    languages: tuple[str, ...] = LANGUAGES
    issued_at: tuple[dict, ...] = ()  # where the case layer issues it: {step, service?, procedure?, result?}

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title[DEFAULT_LANGUAGE]


_ALLOWED = {
    "template",
    "layout",
    "form",
    "basis",
    "title",
    "requires",
    "requires_one_of",
    "validity",
    "languages",
    "issued_at",
}
_WHERE = {"step", "service", "procedure", "result"}


@functools.cache
def kinds() -> dict[str, DocumentKind]:
    raw = yaml.safe_load((HERE / "kinds.yaml").read_text(encoding="utf-8"))["kinds"]
    out = {}
    for code, entry in raw.items():
        unknown = set(entry) - _ALLOWED
        if unknown:
            raise ValueError(f"kinds.yaml {code}: unknown keys {sorted(unknown)}")
        if entry["layout"] not in ("law", "ours") or (entry["layout"] == "law") != bool(entry.get("form")):
            raise ValueError(f"kinds.yaml {code}: a 'law' layout cites its form, an 'ours' one has none")
        if not (FORMS_DIR / entry["template"]).is_file():
            raise ValueError(f"kinds.yaml {code}: no template {entry['template']}")
        issued_at = tuple(dict(w) for w in entry.get("issued_at", ()))
        if any("step" not in w or set(w) - _WHERE for w in issued_at):
            raise ValueError(f"kinds.yaml {code}: issued_at entries name a step and only {sorted(_WHERE)}")
        out[code] = DocumentKind(
            code=code,
            template=entry["template"],
            layout=entry["layout"],
            form=entry.get("form"),
            basis=entry["basis"],
            title=dict(entry["title"]),
            requires=tuple(entry.get("requires", ())),
            requires_one_of=tuple(entry.get("requires_one_of", ())),
            validity=entry.get("validity"),
            languages=tuple(entry.get("languages", LANGUAGES)),
            issued_at=issued_at,
        )
    return out


def get(code: str) -> DocumentKind:
    try:
        return kinds()[code]
    except KeyError:
        raise UnknownKind(code) from None


def kind_for(step: str, *, service: str = "", procedure: str = "", result: str | None = None) -> DocumentKind | None:
    """The kind the case layer issues at `step` for this service, procedure text and result code: the
    most specific `issued_at` entry that matches (None: the step makes no document for this case)."""
    given = {"service": service, "procedure": procedure, "result": result}
    best, best_score = None, -1
    for kind in kinds().values():
        for where in kind.issued_at:
            if where["step"] != step or any(str(where[k]) != str(given[k]) for k in where if k != "step"):
                continue
            if len(where) > best_score:
                best, best_score = kind, len(where)
    return best
