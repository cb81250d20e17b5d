"""`qamqor sandbox generate|history|token|sample|outage`: the synthetic population behind every registry,
the synthetic history of cases, and the sandboxes' outage switch (demo, tests, measurements)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from qamqor.cli import UsageError


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise UsageError(f"not a whole number: {value!r}") from None
    if n < 10:
        raise UsageError("--people must be at least 10")
    return n


def _count(value: str) -> int:
    try:
        n = int(value.replace("_", ""))
    except ValueError:
        raise UsageError(f"not a whole number: {value!r}") from None
    if n < 1:
        raise UsageError("--applications must be at least 1")
    return n


def _years(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise UsageError(f"not a whole number: {value!r}") from None
    if not 1 <= n <= 15:
        raise UsageError("--years must be between 1 and 15 (the working-time calendar covers 2015–2035)")
    return n


def _history(args) -> int:
    from qamqor.cli._common import parse_date

    until = parse_date(args.until, "--until") if args.until else None
    _django(args)
    from django.db import connection

    from qamqor.demo.history import generate_history

    if connection.vendor != "postgresql" and args.applications > 100_000:
        raise UsageError("SQLite takes up to 100000 applications; use PostgreSQL (DATABASE_URL) for more")
    try:
        result = generate_history(
            args.applications, seed=args.seed, years=args.years, until=until, progress=not args.no_progress
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    rate = result.total_rows / result.seconds if result.seconds else 0.0
    print(
        f"{result.applications:,} applications ({result.open_cases:,} open), {result.total_rows:,} rows "
        f"in {result.seconds:.1f} s: {rate:,.0f} rows/s, {result.applications / result.seconds:,.0f} applications/s"
    )
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in result.rows.items()))
    for slug, why in sorted(result.skipped.items()):
        print(f"no cases of {slug}: {why}")
    return 0


def _data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="data folder (default: $QAMQOR_DATA_DIR or the per-user data folder)")


def register(sub) -> None:
    p = sub.add_parser("sandbox", help="the synthetic population behind the registry adapters")
    ss = p.add_subparsers(dest="sandbox_command", required=True)
    g = ss.add_parser("generate", help="make a deterministic population: <data dir>/sandbox-<seed>.npz")
    g.add_argument("--people", type=_positive, default=100_000, help="number of people (default 100000)")
    g.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    g.add_argument("--as-of", help="the population's reference date YYYY-MM-DD (default 2026-01-01)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument(
        "--load-databank",
        action="store_true",
        help="also copy its placements into the data bank (needs a migrated database)",
    )
    _data_dir(g)
    g.set_defaults(handler=_generate)
    h = ss.add_parser(
        "history",
        help="write years of synthetic applications at every stage into the database (decision 0027)",
    )
    h.add_argument("--applications", type=_count, required=True, help="number of applications")
    h.add_argument("--years", type=_years, default=10, help="years of history (default 10)")
    h.add_argument("--until", help="the history ends the day before YYYY-MM-DD (default: today)")
    h.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    h.add_argument("--no-progress", action="store_true", help="no progress bar")
    _data_dir(h)
    h.set_defaults(handler=_history)
    t = ss.add_parser("token", help="print a bearer token for a sandbox recipient (demo and tests only)")
    t.add_argument("--iin", required=True)
    _data_dir(t)
    t.set_defaults(handler=_token)
    s = ss.add_parser("sample", help="a sandbox person who is (not) recorded as guardian of a child")
    s.add_argument("--role", choices=["guardian", "not-guardian"], required=True)
    s.add_argument("--json", action="store_true", help="print JSON {iin, child_iin}")
    s.add_argument("--index", type=int, default=0, help="which sample (default 0)")
    _data_dir(s)
    s.set_defaults(handler=_sample)
    o = ss.add_parser(
        "outage",
        help="make sandbox registries and the SMS / e-mail gateways refuse for a while, in every process "
        "on this database (demo only; decision 0030)",
    )
    o.add_argument(
        "--registry",
        action="append",
        default=[],
        metavar="NAME|all",
        help="a registry (population, civil_registry, courts, …) or all; may be repeated",
    )
    o.add_argument("--sms", action="store_true", help="the sandbox SMS gateway")
    o.add_argument("--email", action="store_true", help="the sandbox e-mail gateway")
    o.add_argument("--for", dest="seconds", type=_seconds, required=True, help="seconds from now (0: back now)")
    o.add_argument(
        "--mode", choices=["error", "timeout"], default="error", help="how a registry refuses (default error)"
    )
    _data_dir(o)
    o.set_defaults(handler=_outage)


def _generate(args) -> int:
    from qamqor.cli._common import parse_date
    from qamqor.registries.sandbox import mark_current, population_path
    from qamqor.registries.sandbox.population import DEFAULT_AS_OF, generate

    as_of = parse_date(args.as_of, "--as-of") if args.as_of else DEFAULT_AS_OF
    t0 = time.perf_counter()
    pop = generate(args.people, args.seed, as_of=as_of, progress=not args.no_progress)
    from pathlib import Path

    data_dir = Path(args.data_dir) if args.data_dir else None
    path = pop.save(population_path(args.seed, data_dir))
    mark_current(args.seed, data_dir)
    took = time.perf_counter() - t0
    placed = int(pop.placed_children().size)
    print(f"{len(pop):,} people, {placed:,} placed children → {path} ({took:.1f} s)")
    if args.load_databank:
        _django(args)
        from qamqor.databank.services import load_sandbox_placements

        print(f"data bank: {load_sandbox_placements(pop):,} placements recorded")
    return 0


def _django(args) -> None:
    """Django on the data folder, with its migrations applied (as `serve` and `worker` do)."""
    from django.core.management import call_command

    from qamqor.project import setup

    setup(args.data_dir)
    call_command("migrate", interactive=False, verbosity=0)


def _ensure_sandbox() -> None:
    from django.conf import settings

    path = (getattr(settings, "QAMQOR_REGISTRIES", None) or {}).get(
        "population", "qamqor.registries.sandbox."
    )
    if not path.startswith("qamqor.registries.sandbox."):
        raise UsageError("refused: the registries are not the sandbox (QAMQOR_REGISTRIES['population'])")


def _population(args):
    from qamqor.registries.sandbox import current_population, population_path

    if not population_path(None).exists():
        raise UsageError(
            f"no sandbox population at {population_path(None)}: run `qamqor sandbox generate` first"
        )
    return current_population()


def _token(args) -> int:
    _django(args)
    _ensure_sandbox()
    from django.db import DatabaseError
    from rest_framework.authtoken.models import Token

    from qamqor.accounts.models import User

    pop = _population(args)
    if pop.row(args.iin) is None:
        raise UsageError(f"no sandbox person with IIN {args.iin}")
    try:
        user = User.objects.filter(iin=args.iin).first()
        if user is None:
            last, first, _ = pop.names(pop.row(args.iin))
            user = User.objects.create_user(
                username=f"sandbox-{args.iin}",
                iin=args.iin,
                role="recipient",
                first_name=first,
                last_name=last,
            )
        token, _ = Token.objects.get_or_create(user=user)
    except DatabaseError as exc:
        raise UsageError(
            f"database not ready ({str(exc).splitlines()[0]}); run `qamqor manage migrate`"
        ) from None
    print(token.key)
    return 0


def _sample(args) -> int:
    _django(args)
    _ensure_sandbox()
    from django.db import DatabaseError

    from qamqor.databank.services import load_sandbox_placements

    pop = _population(args)
    try:
        load_sandbox_placements(pop)  # the sandbox's placements are in the data bank (idempotent)
    except DatabaseError as exc:
        raise UsageError(
            f"database not ready ({str(exc).splitlines()[0]}); run `qamqor manage migrate`"
        ) from None
    kids = pop.placed_children("guardianship")
    if kids.size == 0:
        raise UsageError("the sandbox population has no guardianship; generate more people")
    child = int(kids[args.index % kids.size])
    guardian = int(pop["guardian"][child])
    if args.role == "guardian":
        iin = pop.iin_of(guardian)
    else:  # an adult who is nobody's carer
        import numpy as np

        carers = set(pop["guardian"][pop["guardian"] >= 0].tolist())
        adults = np.flatnonzero(pop["birth"] < np.datetime64(pop.as_of, "D") - np.timedelta64(25 * 366, "D"))
        pick = next(int(a) for a in adults[args.index :].tolist() if int(a) not in carers)
        iin = pop.iin_of(pick)
    out = {"iin": iin, "child_iin": pop.iin_of(child)}
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"{out['iin']} {out['child_iin']}")
    return 0


def _seconds(value: str) -> float:
    try:
        n = float(value)
    except ValueError:
        raise UsageError(f"not a number of seconds: {value!r}") from None
    if not 0 <= n <= 7 * 24 * 3600:
        raise UsageError("--for must be between 0 and 604800 seconds (a week)")
    return n


def _outage(args) -> int:
    from qamqor.registries.types import REGISTRY_KINDS

    kinds = []
    for name in args.registry:
        if name == "all":
            kinds.extend(REGISTRY_KINDS)
        elif name in REGISTRY_KINDS:
            kinds.append(name)
        else:
            raise UsageError(f"unknown registry {name!r} (one of {', '.join(REGISTRY_KINDS)}, or all)")
    channels = [c for c, on in (("sms", args.sms), ("email", args.email)) if on]
    if not kinds and not channels:
        raise UsageError("name what goes down: --registry NAME|all, --sms, --email")
    _django(args)
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    if settings.QAMQOR_PRODUCTION:
        raise UsageError("refused: production mode (the outage switch is for the sandbox and the demo only)")
    from qamqor.notifications.channels import set_sandbox_outage
    from qamqor.registries.sandbox.outages import set_outage

    now = timezone.now()
    with transaction.atomic():
        until = set_outage(kinds, args.seconds, mode=args.mode, now=now) if kinds else None
        for channel in channels:
            until = set_sandbox_outage(channel, args.seconds, now=now)
    back = timezone.localtime(until).strftime("%d.%m.%Y %H:%M:%S")
    what = [*(f"registry {k}" for k in dict.fromkeys(kinds)), *(f"{c} gateway" for c in channels)]
    verb = "back now" if args.seconds == 0 else f"refusing until {back} (in {args.seconds:g} s)"
    print(f"{', '.join(what)}: {verb}")
    return 0
