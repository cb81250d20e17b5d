"""Walking the chains of the tamper-evident trail (`qamqor audit verify`, decision 0019).

A chain is intact when its links follow each other (seq 1, 2, … with each link's `prev_hash` the
hash of the one before and each hash recomputed from its parts), its head names its last link, every
row a link names still exists with the digest the link recorded (its latest link, for a row with
revisions), and no row of the chained tables in its scope is missing a link. The first break found,
in chain order, is what the command names.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from qamqor.audit.chain import DAY_CHAINS, GENESIS, case_key, chained_models, day_key, link_hash, row_digest
from qamqor.audit.models import ChainHead, ChainLink

BLOCK = 2000  # links read and checked at a time


@dataclass(frozen=True)
class Break:
    chain_key: str
    seq: int | None
    table: str
    row_id: int | None
    problem: str  # changed | deleted | link_changed | link_missing | head_mismatch | unlinked
    expected: str = ""
    found: str = ""

    def __str__(self) -> str:
        where = f"{self.chain_key} link {self.seq}" if self.seq is not None else self.chain_key
        row = f"{self.table} row {self.row_id}" if self.row_id is not None else self.table
        text = f"{where}: {row} {PROBLEMS[self.problem]}"
        if self.expected or self.found:
            text += f" (expected {self.expected or '—'}, found {self.found or '—'})"
        return text


PROBLEMS = {
    "changed": "was changed after it was written",
    "deleted": "was deleted",
    "link_changed": "does not match its link: the chain was altered",
    "link_missing": "is missing from the chain: a link was deleted",
    "head_mismatch": "is not the chain's recorded head: the chain's tail was cut off",
    "unlinked": "has no link: it was written behind the application's back",
}


@dataclass
class Report:
    chains: int = 0
    links: int = 0
    rows: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks

    def summary(self) -> str:
        state = "intact" if self.intact else f"{len(self.breaks)} broken link(s)"
        return (
            f"audit trail: {self.chains} chain(s), {self.links} link(s), {self.rows} row(s) checked: {state}"
        )


def verify(*, case_id: int | None = None, day: dt.date | None = None) -> Report:
    """Walk the chains of one case, of one day, or (neither given) all of them."""
    links = ChainLink.objects.order_by("chain_key", "seq")
    heads = ChainHead.objects.all()
    everything = case_id is None and day is None
    if not everything:
        scope = Q(pk__in=[])
        if case_id is not None:
            scope |= Q(chain_key=case_key(case_id))
        if day is not None:
            scope |= Q(chain_key__in=[day_key(day, n) for n in range(DAY_CHAINS)])
        links, heads = links.filter(scope), heads.filter(scope)
    models = {m._meta.db_table: (m, spec) for m, spec in chained_models()}
    head_of = {h.chain_key: (h.seq, h.hash) for h in heads}
    revised = _latest_links(links)
    report = Report()
    state: dict = {"key": None, "seq": 0, "hash": GENESIS, "keys": set()}
    block: list[ChainLink] = []
    for link in links.iterator(chunk_size=BLOCK):
        block.append(link)
        if len(block) >= BLOCK:
            _check_block(block, state, models, revised, head_of, report)
            block = []
    _check_block(block, state, models, revised, head_of, report)
    _end_chain(state, head_of, report)
    for key in sorted(set(head_of) - state["keys"]):  # a head whose every link is gone
        report.chains += 1
        report.breaks.append(Break(key, 1, "audit_chainlink", None, "link_missing"))
    _unlinked(models, case_id, day, everything, report)
    return report


def _latest_links(links) -> dict[tuple[str, int], int]:
    """(table, row id) → id of its latest link, for the rows with more than one (revisions)."""
    rows = links.order_by().values("table", "row_id").annotate(n=Count("id"), last=Max("id")).filter(n__gt=1)
    return {(r["table"], r["row_id"]): r["last"] for r in rows}


def _check_block(block, state, models, revised, head_of, report) -> None:
    if not block:
        return
    wanted: dict[str, set[int]] = defaultdict(set)
    for link in block:
        wanted[link.table].add(link.row_id)
    found: dict[tuple[str, int], object] = {}
    for table, ids in wanted.items():
        if table in models:
            model = models[table][0]
            for row in model._base_manager.filter(pk__in=ids):
                found[(table, row.pk)] = row
    for link in block:
        if link.chain_key != state["key"]:
            _end_chain(state, head_of, report)
            state.update(key=link.chain_key, seq=0, hash=GENESIS)
            state["keys"].add(link.chain_key)
            report.chains += 1
        report.links += 1
        _check_link(link, state, found, revised, report)
        state["seq"], state["hash"] = link.seq, link.hash


def _check_link(link, state, found, revised, report) -> None:
    key = link.chain_key
    if link.seq != state["seq"] + 1:
        report.breaks.append(
            Break(
                key, state["seq"] + 1, link.table, None, "link_missing", str(state["seq"] + 1), str(link.seq)
            )
        )
    elif link.prev_hash != state["hash"] or link.hash != link_hash(
        link.prev_hash, key, link.seq, link.table, link.row_id, link.row_digest
    ):
        report.breaks.append(
            Break(key, link.seq, "audit_chainlink", link.pk, "link_changed", state["hash"], link.prev_hash)
        )
    latest = revised.get((link.table, link.row_id))
    if latest is not None and latest != link.pk:
        return  # an earlier revision: the row now matches its latest link
    row = found.get((link.table, link.row_id))
    if row is None:
        report.breaks.append(Break(key, link.seq, link.table, link.row_id, "deleted", link.row_digest, ""))
        return
    report.rows += 1
    digest = row_digest(row)
    if digest != link.row_digest:
        report.breaks.append(
            Break(key, link.seq, link.table, link.row_id, "changed", link.row_digest, digest)
        )


def _end_chain(state, head_of, report) -> None:
    key = state.get("key")
    if key is None:
        return
    head = head_of.get(key)
    if head is not None and head != (state["seq"], state["hash"]):
        report.breaks.append(
            Break(
                key,
                head[0],
                "audit_chainhead",
                None,
                "head_mismatch",
                f"seq {head[0]}",
                f"seq {state['seq']}",
            )
        )


def _unlinked(models, case_id, day, everything: bool, report) -> None:
    """Rows of the chained tables, in the scope walked, that no link names."""
    for table, (model, spec) in models.items():
        rows = model._base_manager.all()
        if not everything:
            if case_id is not None and day is None:
                rows = rows.filter(**{spec.case_field: case_id})
            elif day is not None and case_id is None:
                rows = rows.filter(**{spec.case_field: None, f"{spec.at_field}__date": day})
            else:
                rows = rows.filter(**{spec.case_field: case_id}) | rows.filter(
                    **{spec.case_field: None, f"{spec.at_field}__date": day}
                )
        linked = ChainLink.objects.filter(table=table).values("row_id")
        for pk in rows.exclude(pk__in=linked).order_by("pk").values_list("pk", flat=True)[:100]:
            report.breaks.append(Break(table, None, table, pk, "unlinked"))
