"""Where an office takes an application: at the registered address of the applicant or the child
(`001` annex 1 row 7 item 2), and documents taken at home only where the version provides for it
(`000` §13). Checked at submission, before anything is written (`intake.submit`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from qamqor.cases.exceptions import ServiceNotAvailable


def check_reception(version, channel: str, office, applicant, children, registered_regions) -> dict | None:
    """Where the version says an office of `channel` receives at a registered address (e.g. `001` annex 1
    row 7 item 2: the recipient's *or* the child's), one of those persons' registered region must be
    the office's. `registered_regions`: {IIN: region}, as the submitter read it from the identity
    document or the population register. Returns what matched, for the `submitted` event."""
    rule = version.channel(channel)
    if office is None or rule is None or not rule.reception_at_registration_of:
        return None
    regions = registered_regions or {}
    people = [("applicant", applicant)] if "applicant" in rule.reception_at_registration_of else []
    if "child" in rule.reception_at_registration_of:
        people += [("child", c) for c in children]
    known = [(who, p.iin, (regions.get(p.iin) or "").strip()) for who, p in people]
    known = [k for k in known if k[2]]
    citation = rule.reception_citation.as_dict()
    if not known:
        message = _(
            "Give the registered region of the applicant or of the child: the State Corporation "
            "receives this application at either registered address (%(clause)s)."
        ) % {"clause": rule.reception_citation.clause}
        raise ValidationError(
            {"registered_region": ValidationError(message, code="registered_address_required")}
        )
    for who, iin, region in known:
        if region.casefold() == (office.region or "").strip().casefold():
            return {"registered_address_of": who, "iin": iin, "region": region, "citation": citation}
    raise ServiceNotAvailable(
        _(
            "This office (%(office)s) receives the application only at the registered address of the "
            "applicant or of the child (%(clause)s); neither is registered in its region."
        )
        % {"office": office.region, "clause": rule.reception_citation.clause},
        code="not_at_registered_address",
        details={"office_region": office.region, "citation": citation},
    )


def check_home_visit(version, channel: str, home_visit: str | None) -> None:
    """Documents taken at home only where the version provides for it, through its intake channel."""
    if not home_visit:
        return
    provision = version.home_visit
    if provision is None:
        raise ServiceNotAvailable(
            _("The legal texts of this service in force on that date provide for no home visit."),
            code="no_home_visit",
        )
    if channel != provision.intake_channel:
        raise ServiceNotAvailable(
            _("Documents taken at home are accepted through the channel “%(ch)s” only.")
            % {"ch": provision.intake_channel},
            code="home_visit_channel",
        )
