"""`qamqor services …`, `qamqor evaluate`, `qamqor facts-schema`: the legal core from the shell."""

from __future__ import annotations

import json
import sys
from typing import Any

from qamqor.cli import UsageError
from qamqor.cli._common import fmt_date, parse_date, print_json, today_almaty

LANG_CHOICES = ("kk", "ru", "en")


def register(sub) -> None:
    services = sub.add_parser("services", help="the service catalogue")
    ssub = services.add_subparsers(dest="services_command", required=True)

    p = ssub.add_parser("list", help="every service with its status on a date")
    p.add_argument("--on", help="date (YYYY-MM-DD), default today in Kazakhstan")
    p.add_argument("--lang", choices=LANG_CHOICES, default="kk")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)

    p = ssub.add_parser("show", help="one service as the law stood on a date")
    p.add_argument("slug")
    p.add_argument("--on", help="date (YYYY-MM-DD), default today in Kazakhstan")
    p.add_argument("--lang", choices=LANG_CHOICES, default="kk")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)

    p = ssub.add_parser("diff", help="what changed between the versions in force on two dates")
    p.add_argument("slug")
    p.add_argument("--from", dest="date_from", required=True)
    p.add_argument("--to", dest="date_to", required=True)
    p.add_argument("--lang", choices=LANG_CHOICES, default="kk")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_diff)

    p = sub.add_parser("evaluate", help="judge a facts document against a service's refusal grounds")
    p.add_argument("slug")
    p.add_argument("--facts", required=True, help="a JSON file, or - for standard input")
    p.add_argument("--on", help="date of submission (YYYY-MM-DD), default today in Kazakhstan")
    p.add_argument("--lang", choices=LANG_CHOICES, default="kk")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_evaluate)

    p = sub.add_parser("facts-schema", help="the JSON Schema of a service's facts document")
    p.add_argument("slug")
    p.add_argument("--on", help="version in force on this date, default today")
    p.set_defaults(handler=cmd_facts_schema)


def _catalog():
    from qamqor.catalog import load_catalog

    return load_catalog()


def _service(slug: str):
    from qamqor.catalog import UnknownService

    try:
        return _catalog().service(slug)
    except UnknownService:
        known = ", ".join(sorted(_catalog().services))
        raise UsageError(f"unknown service {slug!r} (known: {known})") from None


def _on(args) -> Any:
    return parse_date(args.on, "--on date") if getattr(args, "on", None) else today_almaty()


def _version_or_latest(service, on):
    """The version in force on the date; for a repealed service, its last version (shown as such)."""
    version = service.version_on(on)
    if version is None:
        earlier = [v for v in service.versions if v.in_force_from <= on]
        version = earlier[-1] if earlier else service.versions[0]
    return version


def service_summary(service, on) -> dict:
    return {
        "slug": service.slug,
        "order_item": service.order_item,
        "name": _version_or_latest(service, on).names.as_dict(),
        "status": service.status_on(on),
    }


def version_detail(service, version, on) -> dict:
    return {
        "slug": service.slug,
        "order_item": service.order_item,
        "status": service.status_on(on),
        "edition_not_in_sources": gap.as_dict() if (gap := service.edition_gap_on(on)) else None,
        "name": version.names.as_dict(),
        "version": version.window_dict(),
        "term": version.term.as_dict() if version.term else None,
        "channels": [c.as_dict() for c in version.channels],
        "form": list(version.form),
        "form_citation": version.form_citation.as_dict() if version.form_citation else None,
        "provider_kinds": list(version.provider_kinds),
        "results": [r.as_dict() for r in version.results],
        "fee": version.fee.as_dict() if version.fee else None,
        "schedules": dict(version.schedules),
        "documents": [d.as_dict() for d in version.documents],
        "grounds": [
            {
                "item": g.item,
                "code": g.code,
                "text": g.text.as_dict(),
                "citation": g.citation.as_dict(),
                "judgement": g.judgement,
                "exceptions": [
                    {"code": e.code, "text": e.text.as_dict(), "citation": e.citation.as_dict()} for e in g.unless
                ],
            }
            for g in version.grounds
        ],
        "obligations": [
            {"code": o.code, "text": o.text.as_dict(), "citation": o.citation.as_dict(), "due": o.due.as_dict() if o.due else None}
            for o in version.obligations
        ],
        "steps": [s.as_dict() for s in version.steps],
        "unknown": [u.as_dict() for u in (*service.unknown, *version.unknown)],
    }


def cmd_list(args) -> int:
    on = _on(args)
    rows = [service_summary(s, on) for s in sorted(_catalog().services.values(), key=lambda s: (s.order_item or 99, s.slug))]
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        item = r["order_item"] if r["order_item"] is not None else "—"
        print(f"{item:>2}  {r['slug']:<28} {r['status']:<24} {r['name'][args.lang]}")
    return 0


def cmd_show(args) -> int:
    on = _on(args)
    service = _service(args.slug)
    version = _version_or_latest(service, on)
    detail = version_detail(service, version, on)
    if args.json:
        print_json(detail)
        return 0
    lang = args.lang
    v = version
    print(f"{service.slug} — {v.names.get(lang)}")
    print(f"  status on {fmt_date(on)}: {detail['status']}")
    gap = service.edition_gap_on(on)
    if gap is not None:  # the version shown is the nearest one the sources have, not the one in force
        start = fmt_date(gap.start) + (" (estimated)" if gap.start_certainty == "estimated" else "")
        print(f"  editions not in the sources from {start} to {fmt_date(gap.end)} ({gap.citation}): {gap.note}")
    until = fmt_date(v.in_force_until) if v.in_force_until else "…"
    print(f"  version {v.id}: {fmt_date(v.in_force_from)} – {until}  ({v.legal_basis.citation})")
    if v.term:
        print(f"  term: {v.term.value} {v.term.unit}  ({v.term.citation})")
    print(f"  channels: {', '.join(v.channel_codes) or '—'}")
    print(f"  form: {', '.join(v.form) or '—'}")
    for d in v.documents:
        cond = f" — {d.condition_text.get(lang)}" if d.condition_text else ""
        print(f"  document {d.code} [{', '.join(d.channels)}]: {d.name.get(lang)}{cond}  ({d.citation})")
    for g in v.grounds:
        print(f"  ground {g.item} {g.code}: {g.text.get(lang)}  ({g.citation})")
        for e in g.unless:
            print(f"      unless {e.code}: {e.text.get(lang)}  ({e.citation})")
    for s in v.steps:
        print(f"  step {s.step}: {s.value} {s.unit}  ({s.citation})")
    for u in detail["unknown"]:
        print(f"  unknown {u['field']}: {u['reason']}")
    return 0


def _diff_list(old: list[dict], new: list[dict], key: str) -> dict:
    a = {str(x[key]): x for x in old}
    b = {str(x[key]): x for x in new}
    return {
        "added": [b[k] for k in b if k not in a],
        "removed": [a[k] for k in a if k not in b],
        "changed": [{"key": k, "from": a[k], "to": b[k]} for k in a if k in b and a[k] != b[k]],
    }


def cmd_diff(args) -> int:
    service = _service(args.slug)
    d1, d2 = parse_date(args.date_from, "--from date"), parse_date(args.date_to, "--to date")
    v1, v2 = service.version_on(d1), service.version_on(d2)
    if v1 is None or v2 is None:
        missing = d1 if v1 is None else d2
        raise UsageError(f"no version of {service.slug} is in force on {missing.isoformat()}")
    a, b = version_detail(service, v1, d1), version_detail(service, v2, d2)
    out: dict[str, Any] = {"slug": service.slug, "from": v1.id, "to": v2.id, "changes": {}}
    for field in ("term", "form", "provider_kinds", "fee", "schedules", "name"):
        if a[field] != b[field]:
            out["changes"][field] = {"from": a[field], "to": b[field]}
    for field, key in (("channels", "channel"), ("documents", "code"), ("grounds", "item"), ("steps", "step"), ("results", "code"), ("obligations", "code")):
        d = _diff_list(a[field], b[field], key)
        if any(d.values()):
            out["changes"][field] = d
    if args.json:
        print_json(out)
        return 0
    lang = args.lang
    print(f"{service.slug}: {v1.id} → {v2.id}")
    if v1.id == v2.id:
        print("  the same version is in force on both dates")
        return 0
    for field, change in out["changes"].items():
        if "from" in change:
            print(f"  {field}: {json.dumps(change['from'], ensure_ascii=False)} → {json.dumps(change['to'], ensure_ascii=False)}")
            continue
        for x in change["added"]:
            print(f"  + {field[:-1]} {_label(x, lang)}")
        for x in change["removed"]:
            print(f"  - {field[:-1]} {_label(x, lang)}")
        for x in change["changed"]:
            print(f"  ~ {field[:-1]} {x['key']}: {_label(x['to'], lang)}")
    return 0


def _label(x: dict, lang: str) -> str:
    for k in ("text", "name"):
        if isinstance(x.get(k), dict) and lang in x[k]:
            return f"{x.get('item', x.get('code', ''))} {x[k][lang]}".strip()
    return json.dumps(x, ensure_ascii=False)


def read_facts(source: str) -> dict:
    try:
        raw = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
    except OSError as exc:
        raise UsageError(f"cannot read facts file {source!r}: {exc.strerror}") from None
    try:
        facts = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"facts are not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(facts, dict):
        raise UsageError("facts must be a JSON object")
    return facts


def check_facts(version, facts: dict, lang: str = "en") -> None:
    """Facts that fail the service's schema (types, closed value sets, country codes, ranges) are
    refused before any rule runs: one line, the first error, in the chosen language."""

    from qamqor.catalog.facts_schema import validate_facts

    errors = validate_facts(version, facts)
    if errors:
        more = f" (+{len(errors) - 1})" if len(errors) > 1 else ""
        raise UsageError(f"facts fail the schema at {errors[0].message[lang]}{more}")


def cmd_evaluate(args) -> int:
    from qamqor.catalog import evaluate_service

    service = _service(args.slug)
    on = _on(args)
    facts = read_facts(args.facts)
    version = service.version_on(on)
    if version is not None and version.source_status == "complete":
        check_facts(version, facts, args.lang)
    result = evaluate_service(_catalog(), service.slug, facts, on)
    if args.json:
        print_json(result.as_dict())
        return 0
    lang = args.lang
    print(f"{service.slug} on {fmt_date(on)} (version {result.version.id if result.version else '—'}): {result.decision}")
    if result.message:
        print(f"  {result.message[lang]}")
    for g in result.grounds:
        print(f"  ground {g.item} {g.code}: {g.explanation()[lang]}")
    if result.missing_facts:
        print(f"  missing facts: {', '.join(result.missing_facts)}")
    for o in result.obligations:
        due = f" ({o.due.value} {o.due.unit} from {o.due.anchor})" if o.due else ""
        print(f"  obligation {o.code}{due}: {o.text.get(lang)} ({o.citation})")
    return 0


def cmd_facts_schema(args) -> int:
    from qamqor.catalog.facts_schema import SchemaUnavailable, facts_schema

    service = _service(args.slug)
    version = _version_or_latest(service, _on(args))
    try:
        schema = facts_schema(version)
    except SchemaUnavailable as exc:
        raise UsageError(str(exc)) from None
    print_json(schema)
    return 0
