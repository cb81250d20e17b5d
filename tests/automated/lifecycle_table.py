"""The transition table of docs/case-lifecycle.md, generated from `cases.transitions.TABLE`.

`python tests/automated/lifecycle_table.py` rewrites the table in the document (between its heading
"## The table" and the next heading); `test_lifecycle_doc.py` fails when the two differ.
"""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "case-lifecycle.md"
# (procedure source, column title)
COLUMNS = (
    ("003", "basis: meeting permission (003)"),
    ("002", "camps (002 annex 11)"),
    ("001-guardianship", "guardianship (001 annex 1)"),
    ("001-patronage", "patronage, fully automated (001 annex 2)"),
)
SEED = re.compile(r"^(00\d)_[0-9a-f]+\.txt$")


def _citation(c) -> str:
    m = SEED.match(c.source)
    return f"`{m.group(1) if m else c.source}` {c.clause}"


def _cell(basis) -> str:
    text = "; ".join(_citation(c) for c in basis.citations) or "—"
    if basis.certainty != "exact":
        text += f" (*{basis.certainty}*)"
    return text


def render_rows() -> list[str]:
    from qamqor.cases.transitions import TABLE, basis_for

    head = "| action | from | to | roles | channels | " + " | ".join(t for _s, t in COLUMNS) + " |"
    rows = [head, "|" + "---|" * (5 + len(COLUMNS))]
    for t in TABLE:
        cells = [
            f"`{t.action}`",
            ", ".join(str(s) for s in t.sources),
            str(t.target),
            ", ".join(t.roles),
            ", ".join(t.channels) if t.channels else "all",
            *(_cell(basis_for(t, src)) for src, _title in COLUMNS),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def table_in_doc(text: str) -> list[str]:
    section = text.split("## The table", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def write() -> None:
    text = DOC.read_text(encoding="utf-8")
    old = "\n".join(table_in_doc(text))
    DOC.write_text(text.replace(old, "\n".join(render_rows())), encoding="utf-8")


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.project.settings")
    django.setup()
    write()
    print(f"wrote {DOC}")
