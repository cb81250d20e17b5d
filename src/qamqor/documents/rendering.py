"""Typst rendering: a kind's template filled from a context dict → PDF bytes (decision 0012).

The context goes to the template as JSON (`sys.inputs.data`), the QR code as SVG (`sys.inputs.qr`).
Only the fonts embedded in the `typst` wheel are used (Libertinus Serif, SIL OFL): no system fonts,
so a page renders the same on every machine and every Kazakh letter has its glyph.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading

import segno
import typst
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.documents import registry


class RenderError(ValueError):
    """The template could not be filled from the context (a value of the wrong shape)."""


class ContextError(RenderError):
    """The context lacks what the template needs; `missing` lists the dotted paths."""

    def __init__(self, kind: str, missing: list[str]):
        self.kind, self.missing = kind, missing
        super().__init__(
            _("The document cannot be made: missing %(fields)s.") % {"fields": ", ".join(missing)}
        )


def format_value(value):
    """Dates as dd.mm.yyyy, date-times as dd.mm.yyyy HH:MM in local time; containers walked."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dict):
        return {str(k): format_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [format_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _lookup(data: dict, dotted: str):
    value = data
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def check_context(kind: registry.DocumentKind, context: dict) -> None:
    missing = [path for path in kind.requires if _empty(_lookup(context, path))]
    if kind.requires_one_of and all(_empty(_lookup(context, p)) for p in kind.requires_one_of):
        missing.append(" | ".join(kind.requires_one_of))
    if missing:
        raise ContextError(kind.code, missing)


def qr_svg(url: str) -> str:
    buf = io.BytesIO()
    # a fixed mask pattern: any of the 8 decodes (ISO/IEC 18004); scoring all 8 to pick the "best"
    # took 4 ms a document, more than a third of the rendering
    segno.make(url, error="m", micro=False, mask=0).save(buf, kind="svg", border=0, xmldecl=False)
    return buf.getvalue().decode("ascii")


_local = threading.local()  # one Typst compiler per template and thread (a compiler is not shared)


def _compiler(template: str) -> typst.Compiler:
    cache = _local.__dict__.setdefault("compilers", {})
    if template not in cache:
        cache[template] = typst.Compiler(
            str(registry.FORMS_DIR / template), root=str(registry.FORMS_DIR), ignore_system_fonts=True
        )
    return cache[template]


def render(kind_code: str, lang: str, context: dict, *, code: str, verify_url: str) -> bytes:
    """The unsigned PDF of `kind_code` in `lang`, filled from `context`, with its verification block."""
    kind = registry.get(kind_code)
    if lang not in kind.languages:
        raise ValueError(f"{kind_code}: no {lang} template (has {', '.join(kind.languages)})")
    check_context(kind, context)
    data = format_value(context)
    data.update(lang=lang, kind=kind_code, verify={"code": code, "url": verify_url})
    inputs = {"data": json.dumps(data, ensure_ascii=False), "qr": qr_svg(verify_url)}
    try:
        return _compiler(kind.template).compile(sys_inputs=inputs)
    except typst.TypstError as exc:  # e.g. a list where the template expects a dict
        raise RenderError(f"{kind_code}: {exc}") from exc
