"""A recipient reads statuses in Kazakh or Russian: every status must be translated, and no two alike."""

import functools
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.utils import translation

import qamqor
from qamqor.cases.transitions import Status


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_status_labels_are_translated_and_distinct(lang):
    with translation.override("en"):
        english = {value: str(label) for value, label in Status.choices}
    with translation.override(lang):
        labels = {value: str(label) for value, label in Status.choices}
    assert len(set(labels.values())) == len(labels), labels
    untranslated = [v for v in labels if labels[v] == english[v]]
    assert not untranslated, untranslated


# --- the catalogues are complete and say what the code means --------------------------------------
SRC = Path(qamqor.__file__).parent
LOCALE = SRC / "locale"
# the names the code calls gettext by (`gettext as _`, `gettext_lazy as _`, `ngettext`)
KEYWORDS = {"_": None, "gettext": None, "gettext_lazy": None, "ngettext": (1, 2), "ngettext_lazy": (1, 2)}


@functools.cache
def _source_messages() -> dict:
    """Every message the Python code marks for translation: msgid (or (singular, plural)) → files."""
    found: dict = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for _line, msg, _comments, _ctx in extract_from_file("python", path, keywords=KEYWORDS):
            found.setdefault(msg, set()).add(str(path.relative_to(SRC)))
    return found


@functools.cache
def _compiled(lang: str) -> dict:
    with (LOCALE / lang / "LC_MESSAGES" / "django.mo").open("rb") as f:
        return {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _plural_count(lang: str) -> int:
    with (LOCALE / lang / "LC_MESSAGES" / "django.po").open("rb") as f:
        return read_po(f, locale=lang).num_plurals


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_message_of_the_code_is_translated(lang):
    compiled, forms = _compiled(lang), _plural_count(lang)
    missing = []
    for msg, files in _source_messages().items():
        got = compiled.get(msg)
        if isinstance(msg, tuple):
            ok = isinstance(got, tuple) and len(got) == forms and all(got)
        else:
            ok = bool(got)
        if not ok:
            missing.append((msg, sorted(files)))
    assert not missing, f"untranslated in {lang} (python -m qamqor.locale.catalogs extract, then add): {missing}"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_different_messages_are_not_translated_alike(lang):
    """A guess of makemessages (fuzzy) once gave "refused: no consent" the text of "refused to accept"."""
    by_text: dict[str, list] = {}
    for msg, text in _compiled(lang).items():
        by_text.setdefault(str(text), []).append(msg)
    assert not {t: ids for t, ids in by_text.items() if len(ids) > 1}


