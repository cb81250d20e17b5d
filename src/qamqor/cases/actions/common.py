"""Small helpers every step of a case uses: the moment, the catalogue, texts in three languages."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qamqor.cases.exceptions import ServiceNotAvailable
from qamqor.cases.transitions import SYSTEM
from qamqor.rules.calendar import ALMATY
from qamqor.rules.types import LANGS, Citation


def now(at: dt.datetime | None) -> dt.datetime:
    """`at`, or the present moment; a naive moment is refused (every moment of a case is aware)."""
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError(f"naive datetime {at.isoformat()}: give a time zone")
    return at


def local_date(at: dt.datetime) -> dt.date:
    return at.astimezone(ALMATY).date()


def role_of(actor) -> str:
    return SYSTEM if actor is None else actor.role


def in_languages(message) -> dict[str, str]:
    """A (lazy) message in kk / ru / en, for what is stored and shown in every language (as
    `rules.types.Text.as_dict()` stores the explanations)."""
    out = {}
    for lang in LANGS:
        with translation.override(lang):
            out[lang] = str(message)
    return out


def catalog(given=None):
    """The catalogue a caller passed, else the active one (`qamqor.catalog.use_catalog` sets it for
    the whole process, the data bank included)."""
    if given is not None:
        return given
    from qamqor.catalog import active_catalog

    return active_catalog()


def version_of(case, given_catalog=None):
    """The catalogue version pinned on the case (the one in force on its submission date)."""
    from qamqor.catalog import UnknownService

    try:
        version = catalog(given_catalog).service(case.service_slug).version_by_id(case.catalogue_version)
    except UnknownService:
        version = None
    if version is None:
        raise ServiceNotAvailable(_("The pinned catalogue version is gone."), code="version_missing")
    return version


def jsonable(value):
    """A value as stored in a JSON column: dates as ISO text, citations as dicts, lazy texts as str."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Citation):
        return value.as_dict()
    if hasattr(value, "__html__") or type(value).__name__ == "__proxy__":  # lazy translation
        return str(value)
    return value


def set_path(d: dict, path: str, value) -> None:
    """d["a"]["b"]["c"] = value for the path "a.b.c" (creating the mappings on the way)."""
    *head, last = path.split(".")
    for k in head:
        node = d.get(k)
        if not isinstance(node, dict):
            node = d[k] = {}
        d = node
    d[last] = value
