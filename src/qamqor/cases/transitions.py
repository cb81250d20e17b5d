"""The explicit transition table of a case, and the legal basis of every move.

Each row: the action (named after the legal step), the statuses it may start from, the status it
leads to, the roles that may make it (``system`` = done by the system, actor None), the channels
it applies to (None = every channel) and the key of its legal basis.

The legal basis is looked up in the procedure text of the service the case was filed under
(``PROCEDURE_CLAUSES``: the rules of `003` for the meeting permission, annex 11 of `002` for
camps, the earlier standard `000`, the standards of `001` and `004`). Where that text is silent
on a step — e.g. the guardianship rules' own procedure paragraphs are not in the seeds, only its
standard — the basis is the shared procedure of the rules that are in the seeds, recorded with
``certainty="analogy"`` and a note saying so; where no seed speaks at all (withdrawal) the basis
is ``certainty="unknown"`` with the reason. Nothing is invented. See docs/case-lifecycle.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from qamqor.rules.types import Citation

S000 = "000_e53799d7e328390d.txt"
S001 = "001_9090383b8961739a.txt"
S002 = "002_eefeb2ec619131ea.txt"
S003 = "003_4cf6e905af0d21d2.txt"
S004 = "004_b3169fa141ba7fa6.txt"
APC = "Administrative Procedural Code No. 350-VI of 29.06.2020"
LAW_88 = 'Law No. 88-V of 15.04.2013 "On public services"'

SYSTEM = "system"
RECIPIENT = "recipient"
OPERATOR = "front_office_operator"
OFFICER = "provider_officer"
HEAD = "provider_head"
PROVIDER_STAFF = (OFFICER, HEAD)


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


@dataclass(frozen=True, slots=True)
class Basis:
    """The legal basis recorded with a move."""

    citations: tuple[Citation, ...]
    certainty: str = "exact"  # exact | analogy | unknown
    note: str = ""

    def as_dict(self) -> dict:
        d = {"citations": [c.as_dict() for c in self.citations], "certainty": self.certainty}
        if self.note:
            d["note"] = self.note
        return d

    @property
    def first(self) -> Citation | None:
        return self.citations[0] if self.citations else None

    def __add__(self, other: Basis) -> Basis:
        cits = self.citations + tuple(c for c in other.citations if c not in self.citations)
        order = ("exact", "analogy", "unknown")
        certainty = max(self.certainty, other.certainty, key=order.index)
        note = "; ".join(n for n in (self.note, other.note) if n)
        return Basis(cits, certainty, note)


def _c(source: str, *clauses: str) -> tuple[Citation, ...]:
    return tuple(Citation(source, c) for c in clauses)


# Procedure clauses per source text. Keys are the basis keys of the table below.
PROCEDURE_CLAUSES: dict[str, dict[str, tuple[Citation, ...]]] = {
    # Rules of the meeting permission (annex 8 of Order No. 158), current edition.
    "003": {
        "intake_provider": _c(S003, "§3", "annex 2 row 2"),
        "intake_state_corp": _c(S003, "§4"),
        "refuse_at_state_corp": _c(S003, "§7", "annex 3") + _c(LAW_88, "art. 20 p.2"),
        "refuse_at_provider": _c(S003, "§7"),
        "courier": _c(S003, "§6"),
        "receive": _c(S003, "§7"),
        "completeness": _c(S003, "§7"),
        "review": _c(S003, "§9"),
        "registry": _c(S003, "§8"),
        "grant": _c(S003, "§9", "annex 4"),
        "preliminary_refusal": _c(S003, "§9", "annex 2 row 9") + _c(APC, "art. 73"),
        "hearing": _c(S003, "§9") + _c(APC, "art. 74"),
        "final_refusal": _c(S003, "§9", "annex 2 row 9"),
        "issue_result": _c(S003, "§9"),
        "hand_over_at_provider": _c(S003, "annex 2 row 2"),
        "custody": _c(S003, "§11"),
        "hand_over": _c(S003, "§11"),
        "transfer": _c(S003, "§11"),
        # 003 §11 keeps the one-month custody but, unlike 002 annex 11 §12 and 000 §9, does not
        # say how a transferred result is sent back: that falls to the analogy below.
    },
    # Rules of camp referrals (annex 11 of Order No. 158, in 002).
    "002": {
        "intake_provider": _c(S002, "annex 11 §3", "annex 11 annex 2 row 2"),
        "intake_state_corp": _c(S002, "annex 11 §4"),
        "intake_portal": _c(S002, "annex 11 §7"),
        "refuse_at_state_corp": _c(S002, "annex 11 §8", "annex 11 annex 3") + _c(LAW_88, "art. 20 p.2"),
        "refuse_at_provider": _c(S002, "annex 11 §8"),
        "courier": _c(S002, "annex 11 §6"),
        "receive": _c(S002, "annex 11 §8"),
        "completeness": _c(S002, "annex 11 §8"),
        "review": _c(S002, "annex 11 §10"),
        "registry": _c(S002, "annex 11 §9"),
        "grant": _c(S002, "annex 11 §10"),
        "preliminary_refusal": _c(S002, "annex 11 §10", "annex 11 annex 2 row 9") + _c(APC, "art. 73"),
        "hearing": _c(S002, "annex 11 §10") + _c(APC, "art. 74"),
        "final_refusal": _c(S002, "annex 11 §10", "annex 11 annex 2 row 9"),
        "issue_result": _c(S002, "annex 11 §10"),
        "deliver_to_cabinet": _c(S002, "annex 11 §7"),
        "hand_over_at_provider": _c(S002, "annex 11 annex 2 row 2"),
        "custody": _c(S002, "annex 11 §12"),
        "hand_over": _c(S002, "annex 11 §12"),
        "transfer": _c(S002, "annex 11 §12"),
        "return": _c(S002, "annex 11 §12"),
    },
    # The earlier standard of the meeting permission (before Order No. 158).
    "000": {
        "intake_provider": _c(S000, "§9"),
        "intake_state_corp": _c(S000, "§9"),
        "refuse_at_state_corp": _c(S000, "§9", "annex 3"),
        "registry": _c(S000, "§9"),
        "grant": _c(S000, "§6"),
        "final_refusal": _c(S000, "§10"),
        "issue_result": _c(S000, "§4"),
        "custody": _c(S000, "§9"),
        "hand_over": _c(S000, "§9"),
        "transfer": _c(S000, "§9"),
        "return": _c(S000, "§9"),
    },
    # Standards of Order No. 343 (001): channels, term, result and grounds; the rules' own
    # procedure paragraphs of these services are not in the seeds.
    "001-guardianship": {
        "intake_state_corp": _c(S001, "annex 1 row 2"),
        "intake_portal": _c(S001, "annex 1 row 2"),
        "deliver_to_cabinet": _c(S001, "annex 1 row 5"),
        "final_refusal": _c(S001, "annex 1 row 5", "annex 1 row 9"),
        "grant": _c(S001, "annex 1 row 5"),
    },
    "001-patronage": {
        "intake_portal": _c(S001, "annex 2 row 2"),
        "deliver_to_cabinet": _c(S001, "annex 2 row 5"),
        "final_refusal": _c(S001, "annex 2 row 5", "annex 2 row 9"),
        "grant": _c(S001, "annex 2 row 5"),
        "issue_result": _c(S001, "annex 2 row 5"),
        # the fully automated path (row 4: "Электрондық (толық автоматтандырылған)"), see
        # cases/automated.py and docs/decisions/0009-fully-automated-services.md
        "automated_intake_refusal": _c(LAW_88, "art. 20 p.2") + _c(S001, "annex 2 row 4", "annex 2 row 8"),
        "automated_completeness": _c(S001, "annex 2 row 4", "annex 2 row 8"),
        "automated_review": _c(S001, "annex 2 row 4", "annex 2 row 3"),
        "automated_grant": _c(S001, "annex 2 row 4", "annex 2 row 5"),
        "automated_refusal": _c(S001, "annex 2 row 4", "annex 2 row 5", "annex 2 row 9"),
    },
    "001-foster": {
        "intake_provider": _c(S001, "annex 3 row 2"),
        "intake_portal": _c(S001, "annex 3 row 2"),
        "deliver_to_cabinet": _c(S001, "annex 3 row 5"),
        "final_refusal": _c(S001, "annex 3 row 5", "annex 3 row 9"),
        "grant": _c(S001, "annex 3 row 5"),
    },
    "004": {
        "intake_portal": _c(S004, "row 2"),
        "deliver_to_cabinet": _c(S004, "row 5"),
        "grant": _c(S004, "row 5"),
        "final_refusal": _c(S004, "row 9"),
        # row 4: "Электрондық (толық автоматтандырылған)" (the certificate itself is decided by
        # databank.services, not as a case; these keys keep the table's bases complete)
        "automated_intake_refusal": _c(LAW_88, "art. 20 p.2") + _c(S004, "row 4", "row 8"),
        "automated_completeness": _c(S004, "row 4", "row 8"),
        "automated_review": _c(S004, "row 4", "row 3"),
        "automated_grant": _c(S004, "row 4", "row 5"),
        "automated_refusal": _c(S004, "row 4", "row 5", "row 9"),
    },
}

# Bases whose clauses are a service's own but whose application to the step is not certain:
# (procedure source, basis key) -> (certainty, note).
AUTOMATED_REFUSAL_NOTE = (
    "the seeds do not say how the preliminary decision and hearing of APC art. 73 apply to a fully "
    "automated service (row 4: 'Электрондық (толық автоматтандырылған)'); with no official to hold a "
    "hearing the motivated refusal on the row 9 grounds is issued directly, as the fully automated "
    "certificate of 004 answers with a motivated refusal"
)
BASIS_QUALIFIERS: dict[tuple[str, str], tuple[str, str]] = {
    ("001-patronage", "automated_refusal"): ("analogy", AUTOMATED_REFUSAL_NOTE),
    ("004", "automated_refusal"): ("analogy", AUTOMATED_REFUSAL_NOTE),
}

# The moves only the system makes, and only for a pinned version whose form is "electronic_full"
# (fully automated) applied for through the portal; `cases.automated` checks the form before each.
AUTOMATED_BASIS_KEYS = frozenset(
    {
        "automated_intake_refusal",
        "automated_completeness",
        "automated_review",
        "automated_grant",
        "automated_refusal",
    }
)

# Which procedure text a service follows (by slug); the earlier meeting-permission standard is
# chosen by the pinned version's legal basis (see `procedure_source_for`).
SLUG_PROCEDURE = {
    "parent-meeting-permission": "003",
    "camp-referral": "002",
    "guardianship-establishment": "001-guardianship",
    "patronage-placement": "001-patronage",
    "foster-family-placement": "001-foster",
    "guardianship-certificate": "004",
}

# The shared procedure, used by analogy where a service's own text is silent (first match wins).
ANALOGY_ORDER = ("003", "002", "000")

UNKNOWN_BASES = {
    "withdraw": "The seeds do not regulate withdrawal of an application; the recipient's request is "
    "recorded without a clause.",
    "registry_data_received": "",
}


def procedure_source_for(slug: str, version_source: str | None = None) -> str:
    """The key of PROCEDURE_CLAUSES a case follows: by the slug; a version whose legal basis is the
    earlier standard (`000`) follows that standard. (Order No. 158 itself, in `002`, is the legal
    basis of many services, so its file name says nothing about the procedure text.)"""
    if version_source and version_source.startswith("000"):
        return "000"
    return SLUG_PROCEDURE.get(slug, "")


def resolve_basis(key: str, procedure_source: str) -> Basis:
    """The basis of a move of kind `key` for a case following `procedure_source`."""
    if key in UNKNOWN_BASES and UNKNOWN_BASES[key]:
        return Basis((), "unknown", UNKNOWN_BASES[key])
    own = PROCEDURE_CLAUSES.get(procedure_source, {})
    if key in own:
        qualifier = BASIS_QUALIFIERS.get((procedure_source, key))
        return Basis(own[key], *qualifier) if qualifier else Basis(own[key])
    if key in AUTOMATED_BASIS_KEYS:
        return Basis(
            (),
            "unknown",
            f"a system decision with no official rests only on a standard whose form is fully automated; "
            f"the procedure text of this service ({procedure_source or 'unknown'}) does not say so",
        )
    for src in ANALOGY_ORDER:
        if key in PROCEDURE_CLAUSES[src]:
            return Basis(
                PROCEDURE_CLAUSES[src][key],
                "analogy",
                f"the procedure text of this service ({procedure_source or 'unknown'}) is silent on this step "
                f"in the seeds; the shared procedure of {src} is followed, unconfirmed for this service",
            )
    return Basis((), "unknown", f"no seed text gives a clause for step {key!r}")


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    basis_key: str
    channels: tuple[str, ...] | None = None  # None = every channel
    label: str = field(default="", compare=False)


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
    Transition("grant", (S.IN_REVIEW,), S.GRANTED, PROVIDER_STAFF, "grant"),
    Transition(
        "grant",
        (S.HEARING_HELD, S.OBJECTION_TERM_LAPSED),
        S.GRANTED,
        PROVIDER_STAFF,
        "hearing",
        label="granted after the hearing",
    ),
    Transition(
        "issue_preliminary_refusal",
        (S.IN_REVIEW,),
        S.PRELIMINARY_REFUSAL,
        PROVIDER_STAFF,
        "preliminary_refusal",
        label="preliminary decision of refusal and notice of the hearing",
    ),
    Transition("hold_hearing", (S.PRELIMINARY_REFUSAL,), S.HEARING_HELD, PROVIDER_STAFF, "hearing"),
    Transition(
        "lapse_objection_term",
        (S.PRELIMINARY_REFUSAL,),
        S.OBJECTION_TERM_LAPSED,
        PROVIDER_STAFF + (SYSTEM,),
        "objection_lapsed",
    ),
    Transition(
        "issue_final_refusal",
        (S.HEARING_HELD, S.OBJECTION_TERM_LAPSED),
        S.REFUSED,
        PROVIDER_STAFF,
        "final_refusal",
        label="motivated refusal",
    ),
    # --- the fully automated path (system only; portal; form electronic_full, cases.automated) ---
    Transition(
        "refuse_incomplete_automated",
        (S.SUBMITTED,),
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
        "grant", (S.IN_REVIEW,), S.GRANTED, (SYSTEM,), "automated_grant", ("portal",), "granted automatically"
    ),
    Transition(
        "issue_automated_refusal",
        (S.IN_REVIEW,),
        S.REFUSED,
        (SYSTEM,),
        "automated_refusal",
        ("portal",),
        "motivated refusal issued automatically (no hearing: no official)",
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
)

# Bases that come from outside acts only (not per service).
OUTSIDE_BASES = {
    "objection_lapsed": Basis(
        _c(APC, "art. 73"),
        "exact",
        "two working days to object after receiving the notice [uncertain: secondary source, kazakhstan-facts.md]",
    ),
}


def basis_for(transition: Transition, procedure_source: str) -> Basis:
    if transition.basis_key in OUTSIDE_BASES:
        return OUTSIDE_BASES[transition.basis_key]
    return resolve_basis(transition.basis_key, procedure_source)


def candidates(from_status: str, to_status: str, channel: str) -> list[Transition]:
    """Rows of the table for this move on this channel (the role is checked separately)."""
    return [
        t
        for t in TABLE
        if from_status in t.sources
        and t.target == to_status
        and (t.channels is None or channel in t.channels)
    ]


def moves_from(from_status: str, channel: str) -> list[Transition]:
    """Every move the table allows from this status on this channel (for UIs and docs)."""
    return [t for t in TABLE if from_status in t.sources and (t.channels is None or channel in t.channels)]
