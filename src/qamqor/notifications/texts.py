"""The message of each stage that concerns the recipient: a subject (also the SMS) and a body, marked
for gettext (the .po files hold the Kazakh and Russian texts; no table of translations here).

The stage codes are the case statuses (`cases.transitions.Status`), passed as plain strings; the
values a text needs come in `data` (number, service name in three languages, dates as ISO strings).
A stage not listed here (an internal step: in transit, completeness checked, in review …) makes no
message. Nothing here states law the legal texts do not: the notice tells the hearing's time and
place (`003_4cf6e905af0d21d2.txt` §9) and points to the notice document for the grounds.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

LANGS = ("kk", "ru", "en")

SUBJECTS = {
    "registered": _("Application %(number)s registered"),
    "refused_to_accept": _("Application %(number)s: documents not accepted"),
    "awaiting_registry_data": _("Application %(number)s: waiting for data from state systems"),
    "preliminary_refusal": _(
        "Application %(number)s: preliminary decision of refusal, hearing %(hearing_at)s"
    ),
    "hearing_held": _("Application %(number)s: hearing held"),
    "granted": _("Application %(number)s granted"),
    "refused": _("Application %(number)s refused"),
    "result_issued": _("Application %(number)s: the result is ready"),
    "delivered_to_cabinet": _("Application %(number)s: the result is in your personal cabinet"),
    "held_at_state_corp": _("Application %(number)s: the result is at the State Corporation"),
    "handed_over": _("Application %(number)s: the result handed over"),
    "transferred_to_provider": _("Application %(number)s: the result passed to the provider"),
    "withdrawn": _("Application %(number)s withdrawn"),
}
BODIES = {
    "registered": _("Your application %(number)s for “%(service)s” has been accepted and registered."),
    "refused_to_accept": _(
        "Your application %(number)s for “%(service)s” was refused acceptance. The receipt of refusal "
        "gives the reasons."
    ),
    "awaiting_registry_data": _(
        "The provider has asked state information systems for data on your application %(number)s and "
        "is waiting for their answer."
    ),
    "preliminary_refusal": _(
        "A preliminary decision to refuse your application %(number)s for “%(service)s” has been made. "
        "You may state your position at the hearing on %(hearing_at)s, place: %(hearing_place)s. The "
        "notice with the grounds is in your personal cabinet."
    ),
    "hearing_held": _("The hearing on your application %(number)s for “%(service)s” has been held."),
    "granted": _("A positive decision has been made on your application %(number)s for “%(service)s”."),
    "refused": _(
        "A motivated refusal has been issued on your application %(number)s for “%(service)s”. It "
        "states the grounds."
    ),
    "result_issued": _("The result of your application %(number)s for “%(service)s” is ready."),
    "delivered_to_cabinet": _(
        "The result of your application %(number)s for “%(service)s” has been sent to your personal cabinet."
    ),
    "held_at_state_corp": _(
        "The result of your application %(number)s for “%(service)s” is waiting for you at the State "
        "Corporation."
    ),
    "handed_over": _("The result of your application %(number)s for “%(service)s” has been handed over."),
    "transferred_to_provider": _(
        "The result of your application %(number)s for “%(service)s” was not collected at the State "
        "Corporation and has been passed to the provider for keeping."
    ),
    "withdrawn": _("Your application %(number)s for “%(service)s” has been withdrawn at your request."),
}
DUE = _("The result is expected by %(day)s.")


def concerns_recipient(stage: str) -> bool:
    return stage in SUBJECTS


def _day(value) -> str:
    return dt.date.fromisoformat(str(value)[:10]).strftime("%d.%m.%Y")


def _moment(value) -> str:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def compose(stage: str, lang: str, data: dict) -> tuple[str, str]:
    """(subject, body) of `stage` in `lang` (kk when the language is not one of ours)."""
    lang = lang if lang in LANGS else "kk"
    names = data.get("service") or {}
    values = {
        "number": data.get("number", ""),
        "service": names.get(lang) or names.get("kk") or data.get("service_slug", ""),
        "hearing_at": _moment(data["hearing_at"]) if data.get("hearing_at") else "",
        "hearing_place": data.get("hearing_place", ""),
    }
    with translation.override(lang):
        subject = str(SUBJECTS[stage]) % values
        body = str(BODIES[stage]) % values
        extra = []
        if stage == "registered" and data.get("due"):
            extra.append(str(DUE) % {"day": _day(data["due"])})
    return subject, " ".join([body, *extra])
