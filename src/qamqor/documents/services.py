"""Entry points of the documents layer for the case layer: issue, revoke, supersede, read back.

`issue()` renders the kind's template from a context dict, signs it with the organisation's key and
stores it by hash. Issuing the same (owner, kind, language, content) again returns the document
already issued, byte for byte: the personal cabinet, the State Corporation desk and the API serve
the same file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qamqor.documents import registry, rendering, signing, storage
from qamqor.documents.models import IssuedDocument

# Crockford's base32: no I, L, O, U, so a code read aloud or typed is not mistaken
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 random bits: guessing one of a million issued codes takes ~10^12 tries
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


# where an officer would sign a result the system decided with no official (fully automated services)
SYSTEM_ISSUER = _("The information system (no official took part)")


def automated_issuer(statement: dict, lang: str) -> dict:
    """The context's part for a result decided by the system: the information system named where an
    officer would sign, and `automated`, the statement that it was decided automatically (printed on
    the document; `statement`: its kk/ru/en texts)."""
    with translation.override(lang):
        return {
            "officer": {"name": str(SYSTEM_ISSUER)},
            "automated": statement.get(lang) or statement.get("kk") or "",
        }


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """The stored form of a code typed by a person (case, hyphens, spaces, look-alikes), or None."""
    cleaned = "".join(c for c in str(text).upper() if c.isalnum()).translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def display_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def verify_url(code: str) -> str:
    base = getattr(settings, "QAMQOR_DOCUMENTS", {}).get("VERIFY_BASE_URL", "http://localhost:8000")
    return f"{base.rstrip('/')}/verify/{display_code(code)}"


def check_owner_ref(owner_ref: str) -> None:
    """An owner is named by the caller ("application:123"): required, at most 100 characters."""
    if not isinstance(owner_ref, str) or not owner_ref.strip() or len(owner_ref) > 100:
        raise ValueError(f"owner_ref must be a non-empty string of at most 100 characters: {owner_ref!r}")


def _as_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r} (dd.mm.yyyy or yyyy-mm-dd)")


def content_key(kind: str, lang: str, context: dict, organisation: str, valid_from, valid_until) -> str:
    canonical = json.dumps(
        [kind, lang, rendering.format_value(context), organisation, str(valid_from), str(valid_until)],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def issue(
    kind: str,
    lang: str | None,
    context: dict,
    organisation: str,
    owner_ref: str,
    *,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> IssuedDocument:
    """Render, sign and store `kind` in `lang` (the recipient's choice; None → Kazakh) for `owner_ref`.

    `context` holds what the document says (names, IINs, addresses, children, period, grounds with
    citations, office and officer, dates); `issued_on` defaults to today. A kind whose validity is
    its period (a permission, a referral) is valid over `period.from`..`period.until` unless given.
    """
    spec = registry.get(kind)
    check_owner_ref(owner_ref)
    lang = lang or registry.DEFAULT_LANGUAGE
    now = now or timezone.now()
    context = dict(context)
    context.setdefault("issued_on", timezone.localtime(now).date())
    if spec.validity == "period":
        period = context.get("period") or {}
        valid_from = valid_from or _as_date(period.get("from"))
        valid_until = valid_until or _as_date(period.get("until"))
    key = content_key(kind, lang, context, organisation, valid_from, valid_until)
    existing = IssuedDocument.objects.filter(
        owner_ref=owner_ref, kind=kind, lang=lang, content_key=key
    ).first()
    if existing is not None:
        return existing
    code = new_code()
    pdf = rendering.render(kind, lang, context, code=code, verify_url=verify_url(code))
    signed = signing.sign(pdf, organisation, reason=spec.title_in(lang))
    digest = hashlib.sha256(signed).hexdigest()
    name = storage.put("issued", digest, ".pdf", signed)
    try:
        with transaction.atomic():
            return IssuedDocument.objects.create(
                kind=kind, lang=lang, sha256=digest, size=len(signed), code=code,
                organisation_code=organisation, organisation_name=_organisation_name(context),
                owner_ref=owner_ref, content_key=key, storage_name=name,
                issued_on=_as_date(context["issued_on"]), valid_from=valid_from, valid_until=valid_until,
            )  # fmt: skip
    except IntegrityError:  # the same request issued concurrently: the first one stands
        return IssuedDocument.objects.get(owner_ref=owner_ref, kind=kind, lang=lang, content_key=key)


def _organisation_name(context: dict) -> str:
    org = context.get("organisation")
    return str(org.get("name", "") if isinstance(org, dict) else org or "")[:300]


def document_bytes(document: IssuedDocument) -> bytes:
    return storage.read(document.storage_name)


def revoke(document: IssuedDocument, reason: str, *, now: dt.datetime | None = None) -> IssuedDocument:
    if document.revoked_at is None:
        document.revoked_at = now or timezone.now()
        document.revocation_reason = reason[:200]
        document.save(update_fields=["revoked_at", "revocation_reason"])
    return document


def supersede(old: IssuedDocument, new: IssuedDocument) -> IssuedDocument:
    if old.pk == new.pk:
        raise ValueError("a document cannot supersede itself")
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    return old
