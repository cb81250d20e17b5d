"""Request and response shapes of the application endpoints.

Input bounds (issue 15): an IIN only as a string of exactly 12 digits whose birth date is not in the
future; names in NFC with no control, bidi-override or zero-width character; every text, list and
the facts document bounded (`api.bounds`). `api.fastinput` runs the same declarations, so both paths
refuse alike (tests/api/test_fast_paths.py).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qamqor.api.bounds import (
    MAX_CHILDREN,
    MAX_DOCUMENTS,
    bounded_json,
    clean_name,
    clean_text,
    plausible_date,
)
from qamqor.rules.iin import InvalidIin, validate_iin

CHANNELS = ("provider", "state_corp", "portal", "education_org")
DOCUMENT_SOURCES = ("uploaded", "registry", "paper")


def validate_iin_field(value: str) -> str:
    try:
        info = validate_iin(value)
    except InvalidIin:
        info = None
    if info is None or info.iin != value:  # spaces or other characters around the digits: refused
        raise serializers.ValidationError(
            _("Enter a valid IIN: 12 digits with a correct check digit."), code="invalid_iin"
        )
    return value


def not_born_in_future(value: str) -> str:
    """The birth date the IIN encodes is not after today (after `validate_iin_field`)."""
    try:
        born = validate_iin(value).birth_date
    except InvalidIin:  # DRF runs every validator: the format error is `validate_iin_field`'s
        return value
    if born > timezone.localdate():
        raise serializers.ValidationError(
            _("This IIN encodes a birth date in the future."), code="iin_birth_date_in_future"
        )
    return value


class StrictCharField(serializers.CharField):
    """A CharField that takes only a JSON string (DRF's turns a number into text): an IIN sent as a
    JSON number is refused. `api.fastinput` checks it as a CharField (its fast check takes only str)."""

    fast_as_char = True
    default_error_messages = {"invalid": _("Not a valid string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def iin_field(**kwargs) -> StrictCharField:
    return StrictCharField(
        min_length=12, max_length=12, trim_whitespace=False, validators=[validate_iin_field, not_born_in_future], **kwargs
    )


# --- input -----------------------------------------------------------------------------------------


class PersonIn(serializers.Serializer):
    iin = iin_field()
    last_name = serializers.CharField(max_length=120)
    first_name = serializers.CharField(max_length=120)
    middle_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    registered_region = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        help_text="region of the registered address, as read from the identity document or the population "
        "register (the State Corporation receives some services only there, e.g. 001 annex 1 row 7)",
    )

    def validate_last_name(self, value):
        return clean_name(value)

    def validate_first_name(self, value):
        return clean_name(value)

    def validate_middle_name(self, value):
        return clean_name(value)

    def validate_address(self, value):
        return clean_text(value)

    def validate_phone(self, value):
        return clean_text(value)

    def validate_registered_region(self, value):
        return clean_text(value)


class DocumentIn(serializers.Serializer):
    code = serializers.SlugField(max_length=80)
    source = serializers.ChoiceField(choices=DOCUMENT_SOURCES, default="uploaded")
    registry = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    filename = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, allow_blank=True, default="")
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_filename(self, value):
        return clean_text(value)

    def validate_valid_until(self, value):
        return plausible_date(value)


class SubmitIn(serializers.Serializer):
    service = serializers.SlugField(max_length=80)
    channel = serializers.ChoiceField(choices=CHANNELS)
    provider = serializers.SlugField(
        max_length=64, required=False, help_text="provider code (officers: their own)"
    )
    office = serializers.SlugField(
        max_length=64, required=False, help_text="State Corporation office code (operators: their own)"
    )
    applicant = PersonIn()
    children = PersonIn(many=True, required=False, default=list, max_length=MAX_CHILDREN)
    facts = serializers.JSONField(required=False, default=dict)
    consent = serializers.BooleanField(default=False)
    documents = DocumentIn(many=True, required=False, default=list, max_length=MAX_DOCUMENTS)

    def validate_facts(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Facts must be a JSON object."), code="not_an_object")
        return bounded_json(value)

    def validate(self, attrs):
        applicant = attrs["applicant"]["iin"]
        if any(child["iin"] == applicant for child in attrs.get("children") or ()):
            raise serializers.ValidationError(
                {"children": [_("A child cannot have the applicant's IIN.")]}, code="child_is_applicant"
            )
        return attrs


class EmptyIn(serializers.Serializer):
    pass


class AcceptIn(serializers.Serializer):
    originals_returned = serializers.BooleanField(
        default=False,
        help_text="the documents were checked against their originals and the originals given back "
        "(required where the service's requirements say so, e.g. 001 annex 1 row 8)",
    )


class PreliminaryRefusalIn(serializers.Serializer):
    hearing_at = serializers.DateTimeField()
    hearing_place = serializers.CharField(max_length=300)


class FindingsIn(serializers.Serializer):
    findings = serializers.DictField(
        help_text='official\'s findings: fact path → value (e.g. {"officer.false_documents": true})'
    )
    evidence = serializers.DictField(
        child=serializers.CharField(max_length=5000),
        help_text="fact path → the evidence: the documents examined and why",
    )


class DecideIn(serializers.Serializer):
    findings = serializers.DictField(
        required=False, default=dict, help_text="official's findings (facts needing judgement), by fact path"
    )
    evidence = serializers.DictField(
        child=serializers.CharField(max_length=5000),
        required=False,
        default=dict,
        help_text="the evidence of each finding, by fact path",
    )
    hearing_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    hearing_place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate_findings(self, value):
        return bounded_json(value)

    def validate_reasons(self, value):
        return bounded_json(value)


class HearingIn(serializers.Serializer):
    position = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class HandOverIn(serializers.Serializer):
    on = serializers.ChoiceField(choices=())  # the procedure texts' list (catalog/procedures.yaml)
    document_number = serializers.CharField(max_length=64)
    representative = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        from qamqor.catalog.procedure import procedures

        super().__init__(*args, **kwargs)
        self.fields["on"].choices = procedures().handover.codes


class IssueResultIn(serializers.Serializer):
    """What the official fills on the result that the case does not hold (all optional: a result
    without them is issued and its event says which fields its document lacked)."""

    period_from = serializers.DateField(required=False, help_text="a permission's or referral's first day")
    period_until = serializers.DateField(required=False, help_text="its last day")
    camp_name = serializers.CharField(max_length=300, required=False, help_text="the camp of a referral")
    camp_address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        from django.core.exceptions import ValidationError

        from qamqor.cases.actions.issuing import particulars_of

        try:
            return {"particulars": particulars_of(**attrs)}
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict, code="period") from None


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ListFilterIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=(), required=False)
    service = serializers.SlugField(max_length=80, required=False)

    def __init__(self, *args, **kwargs):
        from qamqor.cases.transitions import Status

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = Status.choices


# --- output ------------------------------------------------------------------------------------------


def show_date(value) -> str | None:
    """dd.mm.yyyy (house rule), for display next to the ISO value."""
    return value.strftime("%d.%m.%Y") if value else None  # = date_format(value, "d.m.Y"), cheaper


def person_out(p) -> dict:
    return {
        "iin": p.iin,
        "last_name": p.last_name,
        "first_name": p.first_name,
        "middle_name": p.middle_name,
        "birth_date": p.birth_date.isoformat() if p.birth_date else None,
        "address": p.address,
        "phone": p.phone,
    }


def org_out(o, lang: str) -> dict | None:
    if o is None:
        return None
    return {"code": o.code, "name": o.name(lang)}


def event_out(e) -> dict:
    return {
        "seq": e.seq,
        "action": e.action,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "actor_role": e.actor_role,
        "at": e.at.isoformat(),
        "legal_basis": e.legal_basis,
        "payload": e.payload,
    }


def decision_out(d) -> dict:
    return {
        "kind": d.kind,
        "decided_at": d.decided_at.isoformat(),
        "catalogue_version": d.catalogue_version,
        "grounds": d.grounds,
        "reasons": d.reasons,
        "evaluation": d.evaluation,
    }


def document_out(d) -> dict:
    return {
        "code": d.code,
        "source": d.source,
        "registry": d.registry,
        "filename": d.filename,
        "sha256": d.sha256,
        "valid_until": d.valid_until.isoformat() if d.valid_until else None,
        "received_at": d.received_at.isoformat(),
    }


def status_label(status: str) -> str:
    """The status's name in the active language, as `get_status_display()` gives it: one lookup,
    where Django's rebuilds the choices (translating every label) on each call."""
    from qamqor.cases.models import Status

    try:
        return str(Status(status).label)
    except ValueError:
        return status


def application_summary(a, lang: str) -> dict:
    """No personal data: safe for lists and queues without an access-log entry."""
    return {
        "id": a.pk,
        "number": a.number,
        "service": a.service_slug,
        "channel": a.channel,
        "status": a.status,
        "status_label": status_label(a.status),
        "version": a.version,
        "provider": org_out(a.provider, lang),
        "office": org_out(a.office, lang) if a.office_id else None,
        "submitted_at": a.submitted_at.isoformat(),
        "registered_on": a.registered_on.isoformat() if a.registered_on else None,
        "due_date": a.due_date.isoformat() if a.due_date else None,
        "due_date_display": show_date(a.due_date),
        "due_at": a.due_at.isoformat() if a.due_at else None,
        "outcome": a.outcome,
    }


def application_detail(
    a,
    lang: str,
    *,
    allowed_actions: list[str] | None = None,
    children=None,
    decisions=None,
    documents=None,
    events=None,
    fact_sources: dict | None = None,
) -> dict:
    """`children`, `decisions`, `documents`, `events` may be given when the caller already has them
    (a fresh submission), in the order the relations are read in (documents by id, events by seq)."""
    return {
        **application_summary(a, lang),
        "catalogue_version": a.catalogue_version,
        "applicant": person_out(a.applicant),
        "children": [person_out(c) for c in (a.children.all() if children is None else children)],
        "consent": a.consent,
        "facts": a.facts,
        "fact_sources": fact_sources or {},
        "deadlines": a.deadlines,
        "hearing_at": a.hearing_at.isoformat() if a.hearing_at else None,
        "hearing_place": a.hearing_place,
        "custody_started_at": a.custody_started_at.isoformat() if a.custody_started_at else None,
        "documents": [document_out(d) for d in (a.documents.all() if documents is None else documents)],
        "decisions": [decision_out(d) for d in (a.decisions.all() if decisions is None else decisions)],
        "timeline": [event_out(e) for e in (a.events.all() if events is None else events)],
        "allowed_actions": allowed_actions or [],
    }
