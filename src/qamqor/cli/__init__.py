"""The `qamqor` command. Each subcommand group lives in its own module with `register(subparsers)`.

Errors the user can fix (unknown slug, bad date, facts that fail the schema, a channel the service
does not offer) raise `UsageError`: exit code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules are imported lazily so that `qamqor workdays` never pays for Django.
COMMAND_MODULES = (
    "qamqor.cli.catalog_commands",  # services, evaluate, facts-schema
    "qamqor.cli.time_commands",  # deadline, calendar, workdays
    "qamqor.cli.server_commands",  # serve, worker, manage
    "qamqor.cli.sandbox_commands",  # sandbox generate, history, token, sample, outage
    "qamqor.cli.audit_commands",  # audit verify
    "qamqor.cli.impact_commands",  # impact --draft
)


class UsageError(Exception):
    """A problem with the user's input: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors: also one line, exit 2
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qamqor", description="Qamqor: family and children public services")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # that group is not installed in this build
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args) or 0)
    except UsageError as exc:
        print(f"qamqor: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
