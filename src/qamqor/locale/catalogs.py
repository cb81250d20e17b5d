"""The message catalogues: the `.po` files are the one source translators edit (Poedit, Weblate).

`python -m qamqor.locale.catalogs extract` collects the code's and templates' messages into the
three catalogues (Django's `makemessages`, which needs GNU gettext), keeping every translation.
`python -m qamqor.locale.catalogs add FILE.json` adds or corrects translations from a JSON object
`{"msgid": ["kk", "ru"], ...}` (a plural message: `{"singular\u0000plural": [[kk forms], [ru forms]]}`).
`python -m qamqor.locale.catalogs compile` normalises the catalogues and compiles the `.mo` files
with Babel (no gettext tools needed).

The catalogues are written sorted by msgid and without source locations, so that work on two
branches adds lines in different places and merges cleanly (`.gitattributes`: `merge=union`).
English is the msgid itself; a fuzzy string (a guess of `makemessages`) is never kept.
"""

from __future__ import annotations

import json
import subprocess  # nosec B404  # a developer's tool: runs makemessages and msgattrib
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).parent
LANGS = ("kk", "ru", "en")


def _po(lang: str, root: Path = LOCALE) -> Path:
    return root / lang / "LC_MESSAGES" / "django.po"


def _read(lang: str, root: Path = LOCALE):
    with _po(lang, root).open("rb") as f:
        return read_po(f, locale=lang)


def _write(catalog, lang: str, root: Path = LOCALE) -> None:
    with _po(lang, root).open("wb") as f:
        write_po(f, catalog, width=100, no_location=True, sort_output=True, omit_header=False)
    with _po(lang, root).with_suffix(".mo").open("wb") as f:
        write_mo(f, catalog)


def compile_catalogs(root: Path = LOCALE) -> dict[str, list[str]]:
    """Normalise and compile every catalogue; returns the untranslated msgids per language."""
    missing: dict[str, list[str]] = {}
    for lang in LANGS:
        catalog = _read(lang, root)
        for msg in catalog:
            if not msg.id:
                continue
            plural = isinstance(msg.id, tuple)
            if lang == "en":
                msg.string = tuple(msg.id) if plural else msg.id
            elif msg.fuzzy:
                msg.string = ("",) * catalog.num_plurals if plural else ""
            if not (all(msg.string) if plural else msg.string):
                missing.setdefault(lang, []).append(msg.id[0] if plural else msg.id)
            msg.flags.discard("fuzzy")
        _write(catalog, lang, root)
    return missing


def add_translations(table: dict, root: Path = LOCALE) -> None:
    """Add or correct messages: `{msgid: [kk, ru]}`; a plural msgid is `singular\\0plural`."""
    for lang in LANGS:
        catalog = _read(lang, root)
        for key, (kk, ru) in table.items():
            msgid = tuple(key.split("\0")) if "\0" in key else key
            if lang == "en":
                string = msgid
            else:
                string = kk if lang == "kk" else ru
                if isinstance(msgid, tuple):
                    string = tuple(string)
                    if len(string) != catalog.num_plurals:
                        raise ValueError(f"{lang}: {key!r} needs {catalog.num_plurals} plural forms")
            flags = {"python-format"} if "%(" in (msgid[0] if isinstance(msgid, tuple) else msgid) else ()
            existing = catalog.get(msgid)
            if existing is not None:
                existing.string = string
                existing.flags.discard("fuzzy")
            else:
                catalog.add(msgid, string, flags=flags)
        _write(catalog, lang, root)
    compile_catalogs(root)


def extract() -> None:
    """Django's makemessages for kk/ru/en (GNU gettext), then normalise and compile."""
    src = LOCALE.parent
    cmd = [sys.executable, "-P", "-m", "django", "makemessages", "--no-location"]
    cmd += [arg for lang in LANGS for arg in ("-l", lang)]
    env_settings = ["--settings=qamqor.project.settings"]
    subprocess.run(cmd + env_settings, cwd=src, check=True)  # nosec B603
    for lang in LANGS:
        subprocess.run(  # nosec B603 B607  # GNU gettext from PATH, no shell
            ["msgattrib", "--no-obsolete", "-o", str(_po(lang)), str(_po(lang))], check=True
        )
    gaps = compile_catalogs()
    _report(gaps)


def _report(gaps: dict[str, list[str]]) -> None:
    for lang, ids in gaps.items():
        print(f"{lang}: {len(ids)} untranslated")
        for msgid in ids:
            print("   ", msgid)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"extract", "add", "compile"}:
        print(__doc__)
        return 2
    if argv[0] == "extract":
        extract()
    elif argv[0] == "add":
        add_translations(json.loads(Path(argv[1]).read_text(encoding="utf-8")))
        _report(compile_catalogs())
    else:
        _report(compile_catalogs())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
