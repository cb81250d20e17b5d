"""Record a stage's message, deliver it by channel, and say when a notice was delivered.

`record_stage` is called by the case layer inside the transaction of the stage change: the message
and one `Delivery` per channel are rows of that transaction, and the delivery tasks are enqueued by
id at commit (`transaction.on_commit`): a rolled-back stage sends nothing. `deliver` is the task's
body: claim the delivery (a lease in the row), send outside any transaction, record the attempt; a
failure is retried with back-off (`rules.retry`). `catch_up` (a recurring job) delivers whatever is
due and unclaimed, whatever happened to its task. Docs: docs/decisions/0023-notifications.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.dispatch import Signal
from django.utils import timezone

from qamqor.db.inserts import insert, insert_rows
from qamqor.notifications import texts
from qamqor.notifications.channels import DeliveryFailed, Outgoing, adapter
from qamqor.notifications.models import Channel, Contact, Delivery, DeliveryAttempt, Message
from qamqor.rules import retry

log = logging.getLogger("qamqor.notifications")

# Sent inside the transaction that records a delivery of a message marked `proof_required` by SMS or
# e-mail, or its first opening in the cabinet (kwargs: case_ref, message_id, channel, delivered_at,
# receipt). The case layer connects it and keeps the first: the hearing's term counts from the
# receipt of the preliminary-refusal notice.
notice_delivered = Signal()


def _conf(key: str):
    return settings.QAMQOR_NOTIFICATIONS[key]


@dataclass(frozen=True)
class Recipient:
    iin: str
    lang: str
    phone: str
    email: str
    sms: bool
    by_email: bool


def recipient(iin: str, phone: str = "") -> Recipient:
    """The language of the recipient's account (Kazakh without one), their contact preferences, else
    the phone given with the application and the account's e-mail."""
    account = get_user_model().objects.filter(iin=iin).values("language", "email").first() or {}
    contact = Contact.objects.filter(iin=iin).first()
    return Recipient(
        iin=iin,
        lang=account.get("language") or "kk",
        phone=(contact.phone if contact and contact.phone else phone) or "",
        email=(contact.email if contact and contact.email else account.get("email")) or "",
        sms=contact.sms if contact else True,
        by_email=contact.by_email if contact else True,
    )


def record_stage(
    *,
    recipient_iin: str,
    case_ref,
    event_ref,
    stage: str,
    at: dt.datetime,
    data: dict,
    phone: str = "",
    proof_required: bool = False,
) -> Message | None:
    """The message of `stage` to the recipient with its deliveries (cabinet, and SMS / e-mail where
    they have them), enqueued at commit. None when the stage does not concern the recipient."""
    if not texts.concerns_recipient(stage):
        return None
    who = recipient(recipient_iin, phone)
    subject, body = texts.compose(stage, who.lang, data)
    message = insert(
        Message(
            recipient_iin=recipient_iin,
            case_ref=str(case_ref),
            case_number=str(data.get("number", "")),
            event_ref=str(event_ref),
            stage=stage,
            lang=who.lang if who.lang in texts.LANGS else "kk",
            subject=subject[:300],
            body=body,
            created_at=at,
            proof_required=proof_required,
        )
    )
    rows = [Delivery(message=message, channel=Channel.CABINET)]
    if who.phone and who.sms:
        rows.append(Delivery(message=message, channel=Channel.SMS, address=who.phone))
    if who.email and who.by_email:
        rows.append(Delivery(message=message, channel=Channel.EMAIL, address=who.email))
    ids = [d.pk for d in insert_rows(rows)]
    transaction.on_commit(lambda: [enqueue(pk) for pk in ids])
    return message


def enqueue(delivery_id: int, run_after: dt.datetime | None = None):
    from qamqor.notifications.tasks import deliver_notification

    t = deliver_notification if run_after is None else deliver_notification.using(run_after=run_after)
    return t.enqueue(delivery_id)


@dataclass(frozen=True)
class Outcome:
    status: str  # delivered | already_delivered | busy | not_due | failed | missing
    attempts: int = 0
    retry_at: dt.datetime | None = None
    receipt: str = ""

    def as_dict(self) -> dict:
        d = {"status": self.status, "attempts": self.attempts, "receipt": self.receipt}
        if self.retry_at:
            d["retry_at"] = self.retry_at.isoformat()
        return d


def _due(now: dt.datetime):
    return _unclaimed(now) & (models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))


def _unclaimed(now: dt.datetime):
    return models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lte=now)


def claim(delivery_id: int, *, now: dt.datetime, worker: str, force: bool = False) -> dt.datetime | None:
    """Take the lease of a pending, due, unclaimed delivery (a conditional UPDATE: one worker wins);
    returns the lease's end, None when another has it, it is not due, or it is delivered. `force`
    takes one still waiting out its back-off (the probe), never one another worker holds."""
    until = now + dt.timedelta(seconds=float(_conf("CLAIM_SECONDS")))
    with transaction.atomic():
        n = (
            Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
            .filter(_unclaimed(now) if force else _due(now))
            .update(claimed_until=until, claimed_by=worker[:64])
        )
    return until if n else None


def _not_claimed(delivery_id: int, now: dt.datetime) -> Outcome:
    d = Delivery.objects.filter(pk=delivery_id).first()
    if d is None:
        return Outcome("missing")
    if d.status == Delivery.Status.DELIVERED:
        return Outcome("already_delivered", d.attempts, receipt=d.receipt)
    if d.claimed_until and d.claimed_until > now:
        return Outcome("busy", d.attempts, retry_at=d.claimed_until)
    return Outcome("not_due", d.attempts, retry_at=d.next_attempt_at)


def deliver(
    delivery_id: int, *, now: dt.datetime | None = None, worker: str = "", force: bool = False
) -> Outcome:
    """Send one delivery once: claim it, send it (outside any transaction: a slow gateway holds no
    lock), record the attempt. Exactly one successful attempt is ever recorded per delivery (the
    partial unique constraint): a worker whose lease ran out while it was sending finds the
    delivery recorded by the other and records nothing. `force`: see `claim` (the probe)."""
    now, worker = now or timezone.now(), worker[:64]  # the columns' width (PostgreSQL enforces it)
    if claim(delivery_id, now=now, worker=worker, force=force) is None:
        return _not_claimed(delivery_id, now)
    d = Delivery.objects.select_related("message").get(pk=delivery_id)
    m = d.message
    out = Outgoing(d.channel, d.address, m.subject, m.body, d.dedup_key, now)
    try:
        sent = adapter(d.channel).send(out)
    except DeliveryFailed as exc:
        return _failed(d, worker, now, str(exc))
    try:
        with transaction.atomic():
            DeliveryAttempt.objects.create(
                delivery=d,
                at=now,
                worker=worker,
                ok=True,
                receipt=sent.receipt,
                delivered_at=sent.delivered_at,
            )
            Delivery.objects.filter(pk=d.pk).update(
                status=Delivery.Status.DELIVERED,
                delivered_at=sent.delivered_at,
                receipt=sent.receipt,
                attempts=models.F("attempts") + 1,
                claimed_until=None,
                next_attempt_at=None,
            )
            if m.proof_required and d.channel != Channel.CABINET:  # the cabinet's proof is its opening
                _proof(m, d.channel, sent.delivered_at, sent.receipt)
    except IntegrityError:  # another worker recorded this delivery's success first
        return _not_claimed(delivery_id, now)
    if d.attempts:  # the channel took a message it had refused: the rest need not wait out their back-off
        send_the_rest_now(d.channel, now)
    return Outcome("delivered", d.attempts + 1, receipt=sent.receipt)


def send_the_rest_now(channel: str, now: dt.datetime) -> list[int]:
    """The channel answers again: every pending delivery by it waiting out its back-off is due now
    (after a 10-minute outage the back-off has grown to minutes: it would double the outage for the
    recipient), sent by a few drain tasks in batches (decision 0032; each row's own retry task is
    already queued, one more per row would double the queue). Rows another worker holds are left
    alone (`skip_locked`); the lease still decides who sends."""
    with transaction.atomic():
        waiting = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(channel=channel, status=Delivery.Status.PENDING, next_attempt_at__gt=now)
            .values_list("pk", flat=True)
        )
        if not waiting:
            return []
        Delivery.objects.filter(pk__in=waiting).update(next_attempt_at=now)
        transaction.on_commit(lambda: enqueue_drains(channel, len(waiting)))
    log.info("%s gateway back: %d waiting deliveries sent now", channel, len(waiting))
    return waiting


def enqueue_drains(channel: str, backlog: int) -> int:
    from qamqor.notifications.tasks import drain_channel

    n = min(retry.drain_tasks(backlog, int(_conf("DRAIN_BATCH"))), int(_conf("DRAIN_TASKS")))
    for _ in range(n):
        drain_channel.enqueue(channel)
    return n


def drain(
    channel: str, *, worker: str = "drain", limit: int | None = None, now: dt.datetime | None = None
) -> dict:
    """Send the channel's due deliveries in order, up to `limit` (DRAIN_BATCH) sent; a delivery another
    worker holds is skipped (the claim decides; the drains side by side leapfrog each other); stops
    at the first refusal (the gateway is down again). Returns the counts and whether due deliveries
    remain (the task then queues its next batch)."""
    limit = limit or int(_conf("DRAIN_BATCH"))
    now = now or timezone.now()
    due = Delivery.objects.filter(channel=channel, status=Delivery.Status.PENDING)
    counts, refused = retry.drain_batch(
        list(due.filter(_due(now)).order_by("pk").values_list("pk", flat=True)[: limit * 2]),
        lambda pk: deliver(pk, worker=worker, now=now).status,
        limit=limit,
        sent="delivered",
    )
    return {"counts": counts, "more": not refused and due.filter(_due(now)).exists()}


def probe(*, now: dt.datetime | None = None, worker: str = "probe") -> dict[str, str]:
    """For each gateway that refused and has nothing due (every waiting message is waiting out its
    back-off, grown to minutes), send the oldest waiting one now: its success is the return, and the
    rest go at once (`send_the_rest_now`). One call per gateway per run of the probe job."""
    now = now or timezone.now()
    out = {}
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    for channel in pending.filter(attempts__gt=0).order_by().values_list("channel", flat=True).distinct():
        mine = pending.filter(channel=channel)
        if mine.filter(_due(now)).exists():
            continue  # a due delivery's own task is the probe
        first = (
            mine.filter(_unclaimed(now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if first is not None:
            out[channel] = deliver(first, now=now, worker=worker, force=True).status
    return out


def _proof(m: Message, channel: str, delivered_at: dt.datetime, receipt: str) -> None:
    notice_delivered.send(
        sender=Message,
        case_ref=m.case_ref,
        message_id=m.pk,
        channel=channel,
        delivered_at=delivered_at,
        receipt=receipt,
    )


def backoff_seconds(attempts: int) -> float:
    return retry.backoff_seconds(
        attempts, float(_conf("BACKOFF_BASE_SECONDS")), float(_conf("BACKOFF_MAX_SECONDS"))
    )


def _failed(d: Delivery, worker: str, now: dt.datetime, error: str) -> Outcome:
    attempts = d.attempts + 1
    retry_at = now + dt.timedelta(seconds=backoff_seconds(attempts))
    with transaction.atomic():
        DeliveryAttempt.objects.create(delivery=d, at=now, worker=worker, ok=False, error=error[:2000])
        Delivery.objects.filter(pk=d.pk, status=Delivery.Status.PENDING).update(
            attempts=attempts, next_attempt_at=retry_at, claimed_until=None
        )
        transaction.on_commit(lambda: enqueue(d.pk, run_after=retry_at))
    log.warning("notification %s by %s failed (attempt %d): %s", d.message_id, d.channel, attempts, error)
    return Outcome("failed", attempts, retry_at=retry_at)


def catch_up(*, now: dt.datetime | None = None, older_than: int = 60, limit: int = 500) -> dict:
    """Deliver every pending delivery that is due, unclaimed and older than `older_than` seconds (its
    task was lost or is late); a recurring job (project.recurring)."""
    now = now or timezone.now()
    due = (
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, message__created_at__lt=now - dt.timedelta(seconds=older_than)
        )
        .filter(_due(now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in list(due):
        status = deliver(pk, now=now, worker="catch-up").status
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- the cabinet and the contact preferences (the portal's pages) ------------------------------
def cabinet(iin: str, limit: int = 200):
    """The recipient's messages that reached their cabinet, newest first."""
    return (
        Message.objects.filter(
            recipient_iin=iin,
            deliveries__channel=Channel.CABINET,
            deliveries__status=Delivery.Status.DELIVERED,
        )
        .prefetch_related("deliveries")
        .order_by("-created_at", "-pk")[:limit]
    )


def mark_read(iin: str, message_ids, at: dt.datetime) -> int:
    """The recipient opened these messages in their cabinet: the first opening is kept, and is the
    cabinet's proof that a notice reached them (its placement there is not: docs/decisions/0023)."""
    with transaction.atomic():
        fresh = list(
            Message.objects.select_for_update().filter(
                recipient_iin=iin, pk__in=list(message_ids), read_at__isnull=True
            )
        )
        Message.objects.filter(pk__in=[m.pk for m in fresh]).update(read_at=at)
        for m in fresh:
            if m.proof_required:
                _proof(m, Channel.CABINET, at, f"cabinet:read:{m.pk}")
    return len(fresh)


def contact_of(iin: str, phone: str = "") -> Contact:
    """The recipient's preferences as a form shows them (a new row, unsaved, filled from what is known)."""
    found = Contact.objects.filter(iin=iin).first()
    if found is not None:
        return found
    who = recipient(iin, phone)
    return Contact(iin=iin, phone=who.phone, email=who.email)


def save_contact(iin: str, *, phone: str, email: str, sms: bool, by_email: bool) -> Contact:
    contact, _ = Contact.objects.update_or_create(
        iin=iin, defaults={"phone": phone, "email": email, "sms": sms, "by_email": by_email}
    )
    return contact
