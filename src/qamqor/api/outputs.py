"""The shapes of the API's answers, as serializers: `/api/schema/` documents every response by them.

The hot paths build their bodies as plain dicts (`api.serializers.application_detail` and friends:
a serializer's machinery costs more CPU than the submission itself); these classes declare the same
shapes, and `tests/api/test_schema.py` checks every body the API answers against its component of
the OpenAPI schema, so the two cannot drift apart.
"""

from __future__ import annotations

from rest_framework import serializers as s


class ErrorOut(s.Serializer):
    code = s.CharField(help_text="a stable machine-readable reason")
    detail = s.CharField(help_text="the message in the request's language (kk, ru, en)")
    errors = s.DictField(required=False, help_text="field → messages (400 with field errors)")
    details = s.DictField(required=False, help_text="what the refusal rests on (missing facts, grounds…)")


class OrgOut(s.Serializer):
    code = s.CharField()
    name = s.CharField()


class PersonOut(s.Serializer):
    iin = s.CharField()
    last_name = s.CharField()
    first_name = s.CharField()
    middle_name = s.CharField()
    birth_date = s.DateField(allow_null=True)
    address = s.CharField()
    phone = s.CharField()


class DocumentOut(s.Serializer):
    code = s.CharField()
    source = s.CharField()
    registry = s.CharField()
    filename = s.CharField()
    sha256 = s.CharField()
    valid_until = s.DateField(allow_null=True)
    received_at = s.DateTimeField()


class EventOut(s.Serializer):
    seq = s.IntegerField()
    action = s.CharField()
    from_status = s.CharField()
    to_status = s.CharField()
    actor_role = s.CharField()
    at = s.DateTimeField()
    legal_basis = s.DictField(help_text="citations, certainty (exact | analogy | unknown), note")
    payload = s.DictField()


class DecisionOut(s.Serializer):
    kind = s.CharField()
    decided_at = s.DateTimeField()
    catalogue_version = s.CharField()
    grounds = s.ListField(child=s.DictField())
    reasons = s.DictField()
    evaluation = s.DictField(help_text="the gate's evaluation, with every fact and its source")


class ApplicationSummaryOut(s.Serializer):
    id = s.IntegerField()
    number = s.CharField()
    service = s.CharField()
    channel = s.CharField()
    status = s.CharField()
    status_label = s.CharField()
    version = s.IntegerField()
    provider = OrgOut(allow_null=True)
    office = OrgOut(allow_null=True)
    submitted_at = s.DateTimeField()
    registered_on = s.DateField(allow_null=True)
    due_date = s.DateField(allow_null=True)
    due_date_display = s.CharField(allow_null=True)
    due_at = s.DateTimeField(allow_null=True)
    outcome = s.CharField(allow_blank=True)


class ApplicationOut(ApplicationSummaryOut):
    catalogue_version = s.CharField()
    applicant = PersonOut()
    children = PersonOut(many=True)
    consent = s.BooleanField()
    facts = s.DictField()
    fact_sources = s.DictField(help_text="fact path → {value, source, registry, reference, evidence…}")
    deadlines = s.DictField()
    hearing_at = s.DateTimeField(allow_null=True)
    hearing_place = s.CharField(allow_blank=True)
    custody_started_at = s.DateTimeField(allow_null=True)
    documents = DocumentOut(many=True)
    decisions = DecisionOut(many=True)
    timeline = EventOut(many=True)
    allowed_actions = s.ListField(child=s.CharField())


class ApplicationListOut(s.Serializer):
    count = s.IntegerField()
    offset = s.IntegerField()
    limit = s.IntegerField()
    results = ApplicationSummaryOut(many=True)


class QueueRowOut(ApplicationSummaryOut):
    overdue = s.BooleanField()
    at_risk = s.BooleanField()
    watch = s.CharField(allow_null=True)


class QueueOut(s.Serializer):
    today = s.DateField()
    within_working_days = s.IntegerField()
    results = QueueRowOut(many=True)


class GroundOut(s.Serializer):
    item = s.IntegerField()
    code = s.CharField()
    citation = s.DictField()
    judgement = s.BooleanField()
    explanation = s.CharField()


class NotExaminedOut(s.Serializer):
    item = s.IntegerField()
    code = s.CharField()
    citation = s.DictField()
    note = s.CharField()


class AutomatedOut(s.Serializer):
    id = s.IntegerField()
    number = s.CharField()
    service = s.CharField()
    catalogue_version = s.CharField()
    status = s.CharField()
    status_label = s.CharField()
    decision = s.CharField(allow_null=True)
    decided_automatically = s.BooleanField()
    grounds = GroundOut(many=True)
    judgement_not_examined = NotExaminedOut(many=True)
    obligations = s.ListField(child=s.DictField())
    missing_facts = s.ListField(child=s.CharField())
    expected_result_date = s.CharField(allow_null=True)
    result_url = s.URLField()


class CabinetOut(s.Serializer):
    number = s.CharField()
    service = s.CharField()
    status = s.CharField()
    kind = s.CharField(help_text="grant | motivated_refusal | refusal_to_accept | pending")
    date = s.CharField(allow_null=True)
    result = s.DictField(required=False, allow_null=True)
    missing_facts = s.ListField(child=s.CharField(), required=False)
    grounds = s.ListField(child=s.DictField(), required=False)
    duties = s.ListField(child=s.DictField(), required=False)


class MeOut(s.Serializer):
    username = s.CharField()
    role = s.CharField()
    provider = s.CharField(allow_null=True)
    office = s.CharField(allow_null=True)
    language = s.CharField()


class RootOut(s.Serializer):
    services = s.URLField()
    applications = s.URLField()
    queue = s.URLField()
    token = s.URLField()
    me = s.URLField()
    schema = s.URLField()
    docs = s.URLField()


class CertificateRequestOut(s.Serializer):
    id = s.IntegerField()
    number = s.CharField()
    status = s.CharField()
    decision = s.CharField(help_text="grant | refuse")
    catalogue_version = s.CharField()
    grounds = s.ListField(child=s.DictField(), help_text="the grounds that fired, each with its citation")
    decided_at = s.DateTimeField()
    result_url = s.URLField()


class CertificateTextOut(s.Serializer):
    number = s.CharField()
    kind = s.CharField(help_text="certificate | motivated_refusal")
    date = s.CharField(help_text="dd.mm.yyyy")
    text = s.CharField()
    texts = s.DictField(child=s.CharField(), help_text="kk / ru / en")


class LedgerRowOut(s.Serializer):
    at = s.DateTimeField()
    registry = s.CharField()
    method = s.CharField()
    purpose = s.CharField()
    case_number = s.CharField(allow_blank=True)
    actor_role = s.CharField()
    outcome = s.CharField()
    legal_basis = s.ListField(child=s.DictField())
    consent = s.CharField(allow_null=True)


class ServiceSummaryOut(s.Serializer):
    slug = s.CharField()
    order_item = s.IntegerField(allow_null=True)
    names = s.DictField(child=s.CharField(), help_text="kk / ru / en")
    status = s.CharField(
        help_text="in_force | incomplete_source | edition_not_in_sources | not_yet_in_force | repealed"
    )
    version = s.CharField(allow_null=True)
    channels = s.ListField(child=s.CharField())
    term = s.DictField(allow_null=True)


class ServiceListOut(s.Serializer):
    on = s.DateField()
    services = ServiceSummaryOut(many=True)


class ServiceDetailOut(ServiceSummaryOut):
    on = s.DateField()
    unknown = s.ListField(child=s.DictField(), help_text="what the texts do not give, with the reason")
    in_force = s.DictField(allow_null=True, help_text="the version in force on the date, every rule cited")
    versions = s.ListField(child=s.DictField(), help_text="every version's window and legal basis")


class TokenOut(s.Serializer):
    token = s.CharField()
    expires_at = s.DateTimeField()
