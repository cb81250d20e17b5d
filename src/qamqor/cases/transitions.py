"""The explicit transition table of a case.

Each row: the action (named after the legal step), the statuses it may start from, the status it
leads to, the roles that may make it (``system`` = done by the system, actor None), the channels
it applies to (None = every channel), the key of its legal basis and, for a decision, which one.

The legal basis of a key is looked up in the procedure text the case's catalogue version names
(`catalog/procedures.yaml`, `qamqor.catalog.procedure`): exact, by analogy, or unknown with the
reason. Nothing is invented. See docs/case-lifecycle.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from qamqor.catalog.procedure import Basis, procedures

SYSTEM = "system"
RECIPIENT = "recipient"
OPERATOR = "front_office_operator"
OFFICER = "provider_officer"
HEAD = "provider_head"
PROVIDER_STAFF = (OFFICER, HEAD)
COMPLAINTS_REVIEWER = "complaints_reviewer"


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    REGISTERED = "registered", _("registered (accepted)")
    REFUSED_TO_ACCEPT = "refused_to_accept", _("refused to accept")
    IN_TRANSIT = "in_transit", _("in transit to the provider by courier")
    AT_PROVIDER = "at_provider", _("received by the provider")
    COMPLETENESS_CHECKED = "completeness_checked", _("completeness checked")
    IN_REVIEW = "in_review", _("in review")
    AWAITING_REGISTRY_DATA = "awaiting_registry_data", _("awaiting data from state information systems")
    GRANTED = "granted", _("granted")
    PRELIMINARY_REFUSAL = "preliminary_refusal", _("preliminary decision of refusal; hearing notified")
    HEARING_HELD = "hearing_held", _("hearing held")
    OBJECTION_TERM_LAPSED = "objection_term_lapsed", _("objection term lapsed")
    REFUSED = "refused", _("motivated refusal")
    RESULT_ISSUED = "result_issued", _("result issued")
    DELIVERED_TO_CABINET = "delivered_to_cabinet", _("delivered to the personal cabinet")
    HELD_AT_STATE_CORP = "held_at_state_corp", _("held at the State Corporation")
    HANDED_OVER = "handed_over", _("handed over")
    TRANSFERRED_TO_PROVIDER = "transferred_to_provider", _("transferred to the provider for keeping")
    RETURN_REQUESTED = "return_requested", _("return to the State Corporation requested")
    WITHDRAWN = "withdrawn", _("withdrawn by the recipient")


TERMINAL = frozenset(
    {Status.REFUSED_TO_ACCEPT, Status.DELIVERED_TO_CABINET, Status.HANDED_OVER, Status.WITHDRAWN}
)
# Before a decision the recipient may withdraw the application.
WITHDRAWABLE = (
    Status.SUBMITTED,
    Status.REGISTERED,
    Status.IN_TRANSIT,
    Status.AT_PROVIDER,
    Status.COMPLETENESS_CHECKED,
    Status.IN_REVIEW,
    Status.AWAITING_REGISTRY_DATA,
    Status.PRELIMINARY_REFUSAL,
    Status.HEARING_HELD,
    Status.OBJECTION_TERM_LAPSED,
)

# Before the review: the registries are asked for the documents they hold from submission on (the
# `collect_registry_data` move stays in place; decision 0029).
BEFORE_REVIEW = (
    Status.SUBMITTED,
    Status.REGISTERED,
    Status.IN_TRANSIT,
    Status.AT_PROVIDER,
    Status.COMPLETENESS_CHECKED,
)

# Decided: a complaint about the decision may redo it (a refusal that becomes a grant).
DECIDED = (
    Status.REFUSED,
    Status.RESULT_ISSUED,
    Status.DELIVERED_TO_CABINET,
    Status.HELD_AT_STATE_CORP,
    Status.HANDED_OVER,
    Status.TRANSFERRED_TO_PROVIDER,
    Status.RETURN_REQUESTED,
)


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    basis_key: str
    channels: tuple[str, ...] | None = None  # None = every channel
    label: str = field(default="", compare=False)
    # a decision move: grant | preliminary_refusal | final_refusal. `move_case` makes it only when the
    # gate (cases.actions.gate) finds it allowed by the rules over the case's recorded facts, and
    # records the Decision with it; no other code writes a decision.
    decides: str | None = None
    # a move made only on the review of a complaint (cases.actions.complaint, called by the complaints
    # app with the complaint's reference): never offered among a case's own actions
    on_complaint: bool = False


S = Status
TABLE: tuple[Transition, ...] = (
    # --- intake -----------------------------------------------------------------------------
    Transition(
        "accept_at_front_office",
        (S.SUBMITTED,),
        S.REGISTERED,
        (OPERATOR,),
        "intake_state_corp",
        ("state_corp",),
        "receipt of acceptance at the State Corporation",
    ),
    Transition(
        "register_on_portal",
        (S.SUBMITTED,),
        S.REGISTERED,
        (SYSTEM,),
        "intake_portal",
        ("portal",),
        "'request accepted' status with the date of the result",
    ),
    Transition(
        "register_at_provider",
        (S.SUBMITTED,),
        S.REGISTERED,
        PROVIDER_STAFF,
        "intake_provider",
        ("provider", "education_org"),
        "application registered at the provider's office",
    ),
    Transition(
        "refuse_to_accept",
        (S.SUBMITTED,),
        S.REFUSED_TO_ACCEPT,
        (OPERATOR,),
        "refuse_at_state_corp",
        ("state_corp",),
        "receipt of refusal to accept documents (annex 3 form)",
    ),
    Transition(
        "refuse_to_accept",
        (S.REGISTERED,),
        S.REFUSED_TO_ACCEPT,
        PROVIDER_STAFF,
        "refuse_at_provider",
        ("provider", "education_org", "portal"),
        "refusal at the completeness check",
    ),
    Transition(
        "refuse_to_accept",
        (S.AT_PROVIDER,),
        S.REFUSED_TO_ACCEPT,
        PROVIDER_STAFF,
        "refuse_at_provider",
        ("state_corp",),
        "refusal at the completeness check",
    ),
    Transition(
        "send_by_courier",
        (S.REGISTERED,),
        S.IN_TRANSIT,
        (OPERATOR,),
        "courier",
        ("state_corp",),
        "package sent to the provider by courier",
    ),
    Transition(
        "receive_at_provider",
        (S.IN_TRANSIT,),
        S.AT_PROVIDER,
        PROVIDER_STAFF,
        "receive",
        ("state_corp",),
        "package received by the provider",
    ),
    Transition(
        "check_completeness",
        (S.REGISTERED,),
        S.COMPLETENESS_CHECKED,
        PROVIDER_STAFF,
        "completeness",
        ("provider", "education_org", "portal"),
        "documents complete",
    ),
    Transition(
        "check_completeness",
        (S.AT_PROVIDER,),
        S.COMPLETENESS_CHECKED,
        PROVIDER_STAFF,
        "completeness",
        ("state_corp",),
        "documents complete",
    ),
    # --- review and decision -------------------------------------------------------------------
    Transition("start_review", (S.COMPLETENESS_CHECKED,), S.IN_REVIEW, PROVIDER_STAFF, "review"),
    Transition(
        "await_registry_data",
        (S.IN_REVIEW,),
        S.AWAITING_REGISTRY_DATA,
        PROVIDER_STAFF + (SYSTEM,),
        "registry",
    ),
    Transition(
        "receive_registry_data",
        (S.AWAITING_REGISTRY_DATA,),
        S.IN_REVIEW,
        PROVIDER_STAFF + (SYSTEM,),
        "registry",
    ),
    Transition("grant", (S.IN_REVIEW,), S.GRANTED, PROVIDER_STAFF, "grant", decides="grant"),
    Transition(
        "grant",
        (S.HEARING_HELD, S.OBJECTION_TERM_LAPSED),
        S.GRANTED,
        PROVIDER_STAFF,
        "hearing",
        label="granted after the hearing",
        decides="grant",
    ),
    Transition(
        "issue_preliminary_refusal",
        (S.IN_REVIEW,),
        S.PRELIMINARY_REFUSAL,
        PROVIDER_STAFF,
        "preliminary_refusal",
        label="preliminary decision of refusal and notice of the hearing",
        decides="preliminary_refusal",
    ),
    Transition("hold_hearing", (S.PRELIMINARY_REFUSAL,), S.HEARING_HELD, PROVIDER_STAFF, "hearing"),
    # --- facts recorded while the case stays where it is (an event and a new version, no new stage) --
    *(
        Transition(
            "record_findings", (st,), st, PROVIDER_STAFF, "review", label="official's findings with evidence"
        )
        for st in (S.IN_REVIEW, S.HEARING_HELD, S.OBJECTION_TERM_LAPSED)
    ),
    Transition(
        "collect_registry_data",
        (S.IN_REVIEW,),
        S.IN_REVIEW,
        PROVIDER_STAFF + (SYSTEM,),
        "registry",
        label="data received from the state information systems",
    ),
    # the registries asked for the documents they hold as soon as the application is in, so that the
    # completeness check never asks the applicant for them (decision 0029)
    *(
        Transition(
            "collect_registry_data",
            (st,),
            st,
            PROVIDER_STAFF + (OPERATOR, SYSTEM),
            "registry",
            label="data received from the state information systems",
        )
        for st in BEFORE_REVIEW
    ),
    Transition(
        "lapse_objection_term",
        (S.PRELIMINARY_REFUSAL,),
        S.OBJECTION_TERM_LAPSED,
        PROVIDER_STAFF + (SYSTEM,),
        "objection_lapsed",
    ),
    Transition(
        "record_notice_delivery",
        (S.PRELIMINARY_REFUSAL,),
        S.PRELIMINARY_REFUSAL,
        (SYSTEM,),
        "notice_received",
        label="receipt of the preliminary-refusal notice, as the channel that delivered it reports",
    ),
    Transition(
        "issue_final_refusal",
        (S.HEARING_HELD, S.OBJECTION_TERM_LAPSED),
        S.REFUSED,
        PROVIDER_STAFF,
        "final_refusal",
        label="motivated refusal",
        decides="final_refusal",
    ),
    # --- the fully automated path (system only; portal; form electronic_full, cases.automated) ---
    Transition(
        "refuse_incomplete_automated",
        (S.REGISTERED,),
        S.REFUSED_TO_ACCEPT,
        (SYSTEM,),
        "automated_intake_refusal",
        ("portal",),
        "electronic application incomplete: refused to accept, listing the missing facts",
    ),
    Transition(
        "check_completeness",
        (S.REGISTERED,),
        S.COMPLETENESS_CHECKED,
        (SYSTEM,),
        "automated_completeness",
        ("portal",),
        "application complete (checked by the system)",
    ),
    Transition(
        "start_review",
        (S.COMPLETENESS_CHECKED,),
        S.IN_REVIEW,
        (SYSTEM,),
        "automated_review",
        ("portal",),
        "review by the system",
    ),
    Transition(
        "grant",
        (S.IN_REVIEW,),
        S.GRANTED,
        (SYSTEM,),
        "automated_grant",
        ("portal",),
        "granted automatically",
        decides="grant",
    ),
    Transition(
        "issue_automated_refusal",
        (S.IN_REVIEW,),
        S.REFUSED,
        (SYSTEM,),
        "automated_refusal",
        ("portal",),
        "motivated refusal issued automatically (no hearing: no official)",
        decides="final_refusal",
    ),
    # --- result -------------------------------------------------------------------------------
    Transition(
        "issue_result", (S.GRANTED, S.REFUSED), S.RESULT_ISSUED, PROVIDER_STAFF + (SYSTEM,), "issue_result"
    ),
    Transition(
        "deliver_to_cabinet",
        (S.RESULT_ISSUED,),
        S.DELIVERED_TO_CABINET,
        (SYSTEM,),
        "deliver_to_cabinet",
        ("portal",),
    ),
    Transition(
        "hand_over",
        (S.RESULT_ISSUED,),
        S.HANDED_OVER,
        PROVIDER_STAFF,
        "hand_over_at_provider",
        ("provider", "education_org"),
    ),
    Transition(
        "hold_at_state_corp",
        (S.RESULT_ISSUED,),
        S.HELD_AT_STATE_CORP,
        (OPERATOR,),
        "custody",
        ("state_corp",),
    ),
    Transition(
        "hand_over", (S.HELD_AT_STATE_CORP,), S.HANDED_OVER, (OPERATOR,), "hand_over", ("state_corp",)
    ),
    Transition(
        "transfer_to_provider",
        (S.HELD_AT_STATE_CORP,),
        S.TRANSFERRED_TO_PROVIDER,
        (OPERATOR,),
        "transfer",
        ("state_corp",),
    ),
    Transition(
        "request_return",
        (S.TRANSFERRED_TO_PROVIDER,),
        S.RETURN_REQUESTED,
        (OPERATOR,),
        "return",
        ("state_corp",),
    ),
    Transition(
        "resend_to_state_corp",
        (S.RETURN_REQUESTED,),
        S.HELD_AT_STATE_CORP,
        PROVIDER_STAFF,
        "return",
        ("state_corp",),
    ),
    # --- withdrawal ---------------------------------------------------------------------------
    Transition("withdraw", WITHDRAWABLE, S.WITHDRAWN, (RECIPIENT,), "withdraw"),
    # --- a complaint about the refusal (complaints app; `003` §13, `002` annex 11 §14) -------------
    # The official complained about, or the reviewing body, takes a decision that fully satisfies the
    # complaint: the refusal becomes a grant, through the gate like every decision.
    Transition(
        "grant_on_complaint",
        DECIDED,
        S.GRANTED,
        PROVIDER_STAFF + (COMPLAINTS_REVIEWER,),
        "complaint_satisfied",
        label="granted on a complaint fully satisfied",
        decides="grant",
        on_complaint=True,
    ),
    *(
        Transition(
            "record_complaint_findings",
            (st,),
            st,
            (HEAD, COMPLAINTS_REVIEWER),
            "complaint_review",
            label="findings with evidence on the review of a complaint",
            on_complaint=True,
        )
        for st in DECIDED
    ),
)


def basis_for(transition: Transition, procedure_text: str) -> Basis:
    """The legal basis of a move for a case following `procedure_text` (catalog/procedures.yaml)."""
    return procedures().resolve(transition.basis_key, procedure_text)


def candidates(from_status: str, to_status: str, channel: str) -> list[Transition]:
    """Rows of the table for this move on this channel (the role is checked separately)."""
    return [
        t
        for t in TABLE
        if from_status in t.sources
        and t.target == to_status
        and (t.channels is None or channel in t.channels)
    ]


def moves_from(from_status: str, channel: str, *, on_complaint: bool = False) -> list[Transition]:
    """Every move the table allows from this status on this channel (for UIs and docs); the moves
    made only on a complaint's review with `on_complaint`."""
    return [
        t
        for t in TABLE
        if from_status in t.sources
        and (t.channels is None or channel in t.channels)
        and t.on_complaint == on_complaint
    ]
