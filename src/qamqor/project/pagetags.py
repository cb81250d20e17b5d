"""Template filters the pages share (portal, back office): a kk/ru/en text in the page's language,
a citation, a term's unit, a channel's and a status's name. Registered as the library `pages`."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

register = template.Library()
LANGS = ("kk", "ru", "en")
UNITS = {
    "working_days": lambda n: ngettext("working day", "working days", n),
    "calendar_days": lambda n: ngettext("calendar day", "calendar days", n),
    "calendar_months": lambda n: ngettext("month", "months", n),
    "calendar_years": lambda n: ngettext("year", "years", n),
    "minutes": lambda n: ngettext("minute", "minutes", n),
}
SOURCES = {
    "consent": _("the applicant's consent in the application"),
    "declaration": _("the applicant's declaration"),
    "registry": _("a state information system"),
    "databank": _("the Republican data bank"),
    "officer": _("an official's finding"),
    "automation": _("the automated service"),
}


def _lang() -> str:
    code = (translation.get_language() or "kk").split("-")[0]
    return code if code in LANGS else "kk"


@register.filter
def in_lang(value) -> str:
    """A `Text` or a {"kk","ru","en"} dict in the page's language (Kazakh when one is missing)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return value.get(_lang()) or value.get("kk") or ""
    if hasattr(value, "get"):
        return value.get(_lang())
    return str(value)


def _fields(value, *names):
    """The named fields of a catalogue object or of its dict form (as stored on a case)."""
    if isinstance(value, dict):
        return [value.get(n) for n in names]
    return [getattr(value, n) for n in names]


@register.filter
def cite(value) -> str:
    """A citation (object or dict): the clause, then the text it is in."""
    if not value:
        return ""
    source, clause = _fields(value, "source", "clause")
    return f"{clause} — {source}"


@register.filter
def term(value) -> str:
    """A term or step (object or dict) as "5 working days"."""
    if not value:
        return ""
    n, unit = _fields(value, "value", "unit")
    words = UNITS.get(unit)
    return f"{n} {words(n) if words else unit}"


def _choice(name: str, code: str) -> str:
    """The label of a choice of the case models (`Channel`, `Status`), its code when it is unknown."""
    from qamqor.cases import models

    try:
        return str(getattr(models, name)(code).label)
    except ValueError:
        return code


@register.filter
def channel_label(code: str) -> str:
    return _choice("Channel", code)


@register.filter
def status_label(code: str) -> str:
    return _choice("Status", code)


@register.filter
def source_label(kind: str) -> str:
    return str(SOURCES.get(kind, kind))


@register.filter
def iso_date(value):
    """An ISO date or date-time string as a date (the `date` filter then shows dd.mm.yyyy)."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


# The case layer's moves and the statutory steps, named for people (the table's own names are codes).
ACTIONS = {
    "submit": _("Application submitted"),
    "accept_at_front_office": _("Accept at the State Corporation"),
    "register_on_portal": _("Registered on the portal"),
    "register_at_provider": _("Register at the provider"),
    "refuse_to_accept": _("Refuse to accept (documents missing)"),
    "send_by_courier": _("Send to the provider by courier"),
    "receive_at_provider": _("Receive the package"),
    "check_completeness": _("Check completeness: the documents are complete"),
    "start_review": _("Start the review"),
    "collect_registry_data": _("Ask the state information systems"),
    "await_registry_data": _("Wait for the state information systems"),
    "receive_registry_data": _("Back to review with the registries' data"),
    "record_findings": _("Record official findings"),
    "decide": _("Decide as the rules give"),
    "grant": _("Grant"),
    "issue_preliminary_refusal": _("Preliminary refusal and notice of the hearing"),
    "hold_hearing": _("Record the hearing"),
    "lapse_objection_term": _("The objection term has lapsed"),
    "record_notice_delivery": _("Receipt of the preliminary-refusal notice recorded"),
    "issue_final_refusal": _("Motivated refusal"),
    "issue_result": _("Issue the result"),
    "deliver_to_cabinet": _("Result delivered to the personal cabinet"),
    "hold_at_state_corp": _("Keep the result at the State Corporation"),
    "hand_over": _("Hand the result over"),
    "transfer_to_provider": _("Transfer the unclaimed result to the provider"),
    "request_return": _("Ask the provider to send the result back"),
    "resend_to_state_corp": _("Send the result back to the State Corporation"),
    "withdraw": _("Withdraw the application"),
    "refuse_incomplete_automated": _("Refused to accept: information missing"),
    "issue_automated_refusal": _("Motivated refusal issued automatically"),
    "grant_on_complaint": _("Granted on a complaint fully satisfied"),
    "record_complaint_findings": _("Findings on the review of a complaint"),
}
STEPS = {
    "courier_to_provider": _("Delivery of the package to the provider"),
    "completeness_check": _("Check that the documents are complete"),
    "decision": _("Decision"),
    "preliminary_refusal": _("Latest day for a preliminary refusal"),
    "hearing_objection": _("Time to object at the hearing"),
    "final_decision": _("Final decision after the hearing"),
    "custody": _("Result kept at the State Corporation"),
    "resend_transferred_result": _("Sending the result back to the State Corporation"),
    "result_to_state_corp": _("Result sent to the State Corporation"),
    "child_interview": _("Interview with the child"),
    "relatives_certificate": _("Training certificate from a relative"),
    "complaint_forwarding": _("Forwarding a complaint"),
    "complaint_review_provider": _("Review of a complaint by the provider"),
    "complaint_review_authority": _("Review of a complaint by the authority"),
}


@register.filter
def action_label(name: str) -> str:
    return str(ACTIONS.get(name, name))


@register.filter
def step_label(name: str) -> str:
    return str(STEPS.get(name, name))


@register.filter
def org_name(org) -> str:
    """A provider's or office's name in the page's language."""
    return org.name(_lang()) if org is not None else ""


@register.filter
def fact_value(value) -> str:
    """A fact's value for people: yes / no for a boolean, a list joined, else as it is."""
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    if value is None:
        return "—"
    if isinstance(value, list):
        return "; ".join(fact_value(v) for v in value)
    return str(value)


@register.filter
def service_name(slug: str) -> str:
    """A service's name in the page's language (the catalogue's), its code when it is unknown."""
    from qamqor.catalog import UnknownService, active_catalog

    try:
        return active_catalog().service(slug).names.get(_lang())
    except UnknownService:
        return slug


@register.filter
def role_label(role: str) -> str:
    """A role's name (the system's own moves: "the system")."""
    from qamqor.accounts.models import Role

    if role == "system":
        return str(_("the system"))
    try:
        return str(Role(role).label)
    except ValueError:
        return role


@register.filter
def purpose_label(purpose: str) -> str:
    """Why personal data was read: viewing the case, or the action it was read for."""
    if purpose.startswith("action:"):
        return action_label(purpose.split(":", 1)[1])
    return str(_("viewed the case")) if purpose == "view" else purpose


@register.filter
def office_name(office) -> str:
    """A State Corporation office's (or a provider's) name in the page's language."""
    return office.name(_lang()) if office is not None else ""


@register.filter
def iso_day(text: str) -> str:
    """An ISO date (yyyy-mm-dd) as dd.mm.yyyy, for a link to that day's page."""
    try:
        return f"{dt.date.fromisoformat(str(text)[:10]):%d.%m.%Y}"
    except ValueError:
        return ""


@register.filter
def percent(share) -> str:
    """A share (0..1) as a whole percentage; a dash where there is none."""
    return "—" if share is None else f"{round(share * 100)} %"


@register.filter
def minutes1(value) -> str:
    """Minutes with one decimal; a dash where there is none."""
    return "—" if value is None else f"{value:.1f}"
