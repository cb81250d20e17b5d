"""Small helpers shared by the CLI modules (no Django)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any

from qamqor.cli import UsageError


def parse_date(value: str, what: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise UsageError(f"malformed {what} {value!r}: expected YYYY-MM-DD") from None


def today_almaty() -> dt.date:
    """The CLI's default date: today in Kazakhstan (the clock is read here, at the edge, never in rules)."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Asia/Almaty")).date()


def fmt_date(d: dt.date | None) -> str:
    """Official documents write dd.mm.yyyy."""
    return d.strftime("%d.%m.%Y") if d else "—"


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def open_database(data_dir: str | None) -> None:
    """Set Django up on the data folder (or DATABASE_URL) and connect; a failure is one line, exit 2."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connection
    from django.db.utils import OperationalError

    from qamqor.project import setup

    try:
        setup(os.path.abspath(os.path.expanduser(data_dir)) if data_dir else None)
        connection.ensure_connection()
    except (ImproperlyConfigured, OperationalError) as exc:  # one line, exit 2
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot open the database: {first}") from None
