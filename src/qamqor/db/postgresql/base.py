"""Django's PostgreSQL backend with a health check that costs no round trip, and `jsonb` parameters
encoded with orjson (decision 0010).

Health check: with `CONN_HEALTH_CHECKS`, Django checks a persistent connection before its first use
in each request by running `SELECT 1` on it: a round trip to the server on every request (on a
submission, one of its few statements). An idle connection has nothing to read, so instead this
looks at its socket without waiting: if the server has sent anything (the FATAL message it sends
when it terminates the backend: restart, `pg_terminate_backend`, idle timeout) or closed it, the
connection is unusable and Django opens a new one before the request uses it, as with `SELECT 1`.
What neither check can see is a peer that vanished without a word (a cut network): `SELECT 1`
would wait for the TCP timeout there, and the first statement does the same here.

JSON: a `JSONField` without its own encoder is sent as `json.dumps(value)`. An application's row
carries its deadlines and their explanations in three languages (~10 KB), and the standard encoder
was ~7 % of a submission's CPU. orjson writes the same JSON value (PostgreSQL parses it into `jsonb`,
so spacing and escaping do not matter); whatever orjson does not take as plain JSON (dates, data
classes, subclasses of the JSON types, integers beyond 64 bits) goes to `json.dumps`, so it is
stored, or refused, as Django would. One difference: a float NaN or infinity, which `json.dumps`
writes as a token PostgreSQL refuses, is written as `null` (no input path lets one in: the API's
JSON parser refuses those tokens).
"""

from __future__ import annotations

import json
import select

import orjson
from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import Jsonb

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def dumps(value) -> bytes | str:
    """`json.dumps(value)` as PostgreSQL reads it: orjson's text, or the standard encoder's."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value)


class DatabaseOperations(operations.DatabaseOperations):
    def adapt_json_value(self, value, encoder):
        if encoder is None:
            return Jsonb(value, dumps=dumps)
        return super().adapt_json_value(value, encoder)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self):
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not readable
