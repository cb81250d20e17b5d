"""The signed document of an automated guardianship-certificate request (`004_b3169fa141ba7fa6.txt`
row 5): the certificate on guardianship and custody, or the motivated refusal on the grounds of row 9.

No official takes part (row 4: fully automated), so the document names the information system where
an officer would sign and says that it was decided automatically. It is signed with the key of the
provider that recorded the guardianship in the data bank (the placement's `provider_code`); where the
data bank names none (a refusal: no record was found; a record loaded without its provider) the seeds
do not say whose key signs, and the system's own organisation signs (`QAMQOR_DOCUMENTS
["SYSTEM_ORGANISATION"]`, decision 0021).

The document is made on first request (the result page, the API), not inside the decision: the
decision stays the data bank's fast path (issue 5: p99 ≤ 200 ms at 32 clients). Issuing is keyed by
the request's content, so every later request gets the same document, byte for byte.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from qamqor.databank.models import CertificateRequest, Child
from qamqor.documents import registry, services
from qamqor.documents.models import IssuedDocument
from qamqor.rules.calendar import local

OWNER_PREFIX = "certificate:"
DECIDED_FROM_THE_DATABANK = _(
    "Decided automatically by the information system from the Republican data bank: the service is "
    "fully automated (its requirements, row 4); no official took part."
)
SYSTEM_ORGANISATION = _("Information system of the public services for family and children")
DATABANK_RECORD = _("Record of the Republican data bank: %(reference)s")


def owner_ref(req: CertificateRequest) -> str:
    return f"{OWNER_PREFIX}{req.pk}"


def _lang(req: CertificateRequest, lang: str | None) -> str:
    if lang in registry.LANGUAGES:
        return lang
    chosen = getattr(req.recipient, "language", None) if req.recipient_id else None
    return chosen if chosen in registry.LANGUAGES else registry.DEFAULT_LANGUAGE


def _issuer(req: CertificateRequest, lang: str) -> tuple[str, str]:
    """(organisation code, its name in `lang`): the provider that recorded the guardianship, else the
    system's own organisation."""
    from qamqor.accounts.models import Provider

    code = req.placement.provider_code if req.placement_id else ""
    provider = Provider.objects.filter(code=code).first() if code else None
    if provider is not None:
        return provider.code, provider.name(lang)
    own = getattr(settings, "QAMQOR_DOCUMENTS", {}).get("SYSTEM_ORGANISATION", "qamqor-system")
    return own, str(SYSTEM_ORGANISATION)


def context_for(req: CertificateRequest, lang: str) -> tuple[str, dict, str]:
    """(kind, context, organisation code) of the request's document in `lang`."""
    with translation.override(lang):
        organisation, name = _issuer(req, lang)
        user = req.recipient
        full_name = " ".join(p for p in (user.last_name, user.first_name) if p) if user else ""
        child = Child.objects.filter(iin=req.child_iin).first()
        ctx = {
            "organisation": {"name": name},
            "recipient": {"name": full_name or req.recipient_iin, "iin": req.recipient_iin},
            "children": [
                {"name": "", "iin": req.child_iin, "birth_date": child.birth_date if child else None}
            ],
            "service": {"name": _service_name(req, lang)},
            "issued_on": local(req.decided_at).date(),
            "number": req.number,
            **services.automated_issuer(_in_languages(DECIDED_FROM_THE_DATABANK), lang),
        }
        if req.decision == "grant" and req.placement_id:
            p = req.placement
            reference = p.order_number or p.case_number or f"DATABANK-{p.pk}"
            ctx["guardianship"] = {
                "basis": str(DATABANK_RECORD % {"reference": reference}),
                "since": p.started_on,
            }
            return "guardianship_certificate", ctx, organisation
        ctx["grounds"] = [
            {
                "text": (g.get("explanation") or {}).get(lang) or g.get("code", ""),
                "citation": f"{g['citation'].get('source', '')} {g['citation'].get('clause', '')}".strip(),
            }
            for g in req.grounds
        ]
        return "motivated_refusal", ctx, organisation


def _service_name(req: CertificateRequest, lang: str) -> str:
    """The service's name in `lang` as the request's catalogue version gives it."""
    from qamqor.databank.services import CERTIFICATE_SLUG, catalog

    service = catalog().service(CERTIFICATE_SLUG)
    version = service.version_by_id(req.catalogue_version) or service.version_on(local(req.decided_at).date())
    return version.names.get(lang) if version else CERTIFICATE_SLUG


def _in_languages(message) -> dict:
    out = {}
    for lang in registry.LANGUAGES:
        with translation.override(lang):
            out[lang] = str(message)
    return out


def certificate_document(req: CertificateRequest, lang: str | None = None) -> IssuedDocument | None:
    """The request's signed document in `lang` (the recipient's language by default), issued on the
    first call and the same one afterwards; None when the request was not decided (not in force)."""
    if req.decision not in ("grant", "refuse"):
        return None
    lang = _lang(req, lang)
    kind, context, organisation = context_for(req, lang)
    return services.issue(kind, lang, context, organisation, owner_ref(req), now=req.decided_at)


def documents_of(req: CertificateRequest):
    return IssuedDocument.objects.filter(owner_ref=owner_ref(req)).order_by("id")
