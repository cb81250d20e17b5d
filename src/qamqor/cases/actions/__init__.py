"""The steps of a case, one module per legal stage (as Zulip's `zerver/actions/`), each public
function named after the step. Status changes only through `moves.move_case`; decisions only through
the gate (`gate.verdict`) that `move_case` runs for every decision move.

- `intake`: submit, register_on_portal, register_at_provider, accept_at_front_office,
  send_by_courier, receive_at_provider
- `completeness`: check_completeness, refuse_to_accept
- `review`: start_review, collect_registry_data, ask_registries_on_filing, await_registry_data, receive_registry_data,
  record_official_findings, hold_hearing, record_notice_delivery, lapse_objection_term
- `notices`: notify_recipient (the recipient's message of each stage, `qamqor.notifications`)
- `decision`: decide, grant, issue_preliminary_refusal, issue_final_refusal
- `result`: issue_result, deliver_to_cabinet, hold_at_state_corp, hand_over, transfer_to_provider,
  request_return, resend_to_state_corp
- `withdrawal`: withdraw
- `complaint`: record_complaint_findings, grant_on_complaint (called by the complaints app)
- `automated`: apply_automated, decide_automatically (fully automated services)
- `facts`, `gate`, `deadlines`, `moves`, `placements`, `common`: what the steps stand on
"""

from qamqor.cases.actions.automated import apply_automated, decide_automatically
from qamqor.cases.actions.complaint import grant_on_complaint, record_complaint_findings
from qamqor.cases.actions.completeness import check_completeness, refuse_to_accept
from qamqor.cases.actions.deadlines import recompute_deadlines, step_due
from qamqor.cases.actions.decision import decide, grant, issue_final_refusal, issue_preliminary_refusal
from qamqor.cases.actions.intake import (
    Submission,
    accept_at_front_office,
    receive_at_provider,
    register_at_provider,
    register_on_portal,
    send_by_courier,
    submit,
    submit_application,
)
from qamqor.cases.actions.moves import move_case
from qamqor.cases.actions.result import (
    deliver_to_cabinet,
    hand_over,
    hold_at_state_corp,
    issue_result,
    request_return,
    resend_to_state_corp,
    transfer_to_provider,
)
from qamqor.cases.actions.review import (
    ask_registries_on_filing,
    await_registry_data,
    collect_registry_data,
    hold_hearing,
    lapse_objection_term,
    receive_registry_data,
    record_notice_delivery,
    record_official_findings,
    start_review,
)
from qamqor.cases.actions.withdrawal import withdraw

__all__ = [
    "Submission",
    "accept_at_front_office",
    "apply_automated",
    "ask_registries_on_filing",
    "await_registry_data",
    "check_completeness",
    "collect_registry_data",
    "decide",
    "decide_automatically",
    "deliver_to_cabinet",
    "grant",
    "grant_on_complaint",
    "hand_over",
    "hold_at_state_corp",
    "hold_hearing",
    "issue_final_refusal",
    "issue_preliminary_refusal",
    "issue_result",
    "lapse_objection_term",
    "move_case",
    "receive_at_provider",
    "receive_registry_data",
    "recompute_deadlines",
    "record_notice_delivery",
    "record_complaint_findings",
    "record_official_findings",
    "refuse_to_accept",
    "register_at_provider",
    "register_on_portal",
    "request_return",
    "resend_to_state_corp",
    "send_by_courier",
    "start_review",
    "step_due",
    "submit",
    "submit_application",
    "transfer_to_provider",
    "withdraw",
]
