"""The completeness check and the refusal to accept (`003_4cf6e905af0d21d2.txt` §7,
`002_eefeb2ec619131ea.txt` annex 11 §8, Law No. 88-V art. 20 p.2).

Both compute what the package lacks from the definition (`gate.missing_documents`): the check passes
only a complete package, and the refusal lists exactly what is missing or expired — an official can
neither pass an incomplete package nor refuse a complete one. A document a state information system
holds is not the applicant's to bring (`003` §8, `002` annex 11 §9): while its registry has not
answered it is neither missing nor a reason to refuse (decision 0029).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions.common import now, role_of
from qamqor.cases.actions.deadlines import lateness
from qamqor.cases.actions.gate import missing_documents
from qamqor.cases.actions.issuing import document_guard
from qamqor.cases.actions.moves import move_case
from qamqor.cases.exceptions import CaseError
from qamqor.cases.models import CaseEvent
from qamqor.cases.transitions import OPERATOR, Status


class IncompletePackage(CaseError):
    """Required documents are missing or expired (400): the answer lists them."""

    code = "incomplete_package"


def _package_guard(check_complete: bool):
    def guard(locked, at, t):
        found = missing_documents(locked, at=at)
        details = {"missing_documents": found.missing, "expired_documents": found.expired}
        if found.from_registry:
            # a document a state information system holds is the registry's to give, not the
            # applicant's: listed apart with its state, never among the missing unless the registry
            # answered it has no record (decision 0029)
            details["from_registry"] = found.from_registry
        if check_complete and not found.complete:
            raise IncompletePackage(
                _("The package is incomplete: %(docs)s") % {"docs": ", ".join(found.missing + found.expired)},
                details=details,
            )
        if not check_complete and found.complete:
            raise CaseError(
                _("Nothing is missing or expired: the package cannot be refused for incompleteness."),
                code="package_complete",
            )
        return details

    return guard


def check_completeness(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The package is complete (the check within its step's term of receipt, `003` §7)."""
    at = now(at)
    complete = _package_guard(True)
    late = lateness("completeness_check")
    return move_case(
        case,
        Status.COMPLETENESS_CHECKED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=lambda locked, at, t: {**complete(locked, at, t), **late(locked, at, t)},
        recompute=True,
    )


def refuse_to_accept(
    case, *, actor, reason: str = "", at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    """An incomplete package or expired documents: at the State Corporation the receipt of refusal to
    accept documents (annex 3 form: office number and address, service, the missing documents); at the
    provider a (motivated) refusal of further consideration. The missing and expired documents are
    computed from the definition, never typed."""
    package = _package_guard(False)

    def guard(locked, at, t):
        details = package(locked, at, t)
        if role_of(actor) == OPERATOR:
            office = locked.office
            return {
                **details,
                "receipt": "annex_3_refusal_to_accept",
                "office_number": office.number,
                "office_address": office.address,
                "service": locked.service_slug,
                "copies": 2,
            }
        return {**details, "refusal": "motivated_refusal_of_further_consideration"}

    if role_of(actor) == OPERATOR:  # the annex 3 receipt, signed with the office's key (`issuing`)
        guard = document_guard("refuse_to_accept", actor=actor, before=guard)
    return move_case(
        case,
        Status.REFUSED_TO_ACCEPT,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"reason": reason},
        guard=guard,
    )
