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
}


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
        )
    return out


def get(code: str) -> DocumentKind:
    try:
        return kinds()[code]
    except KeyError:
        raise UnknownKind(code) from None
