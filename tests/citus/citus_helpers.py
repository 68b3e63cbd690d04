"""Helpers shared by the Citus lane's test modules (tests/citus/test_*.py): the coordinator's URL,
a connection, and the Citus form of PostgREST's request identity."""
from __future__ import annotations

import json
import os
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

URL = os.environ.get("PLATFORM_CITUS_URL")
# every test module of the lane: skipped unless the lane set the URL (the lane fails on a skip)
requires_citus = pytest.mark.skipif(not URL, reason="PLATFORM_CITUS_URL is not set (run make test-citus)")


def connect(**kwargs) -> psycopg.Connection:
    return psycopg.connect(URL, row_factory=dict_row, **kwargs)


def act_as(conn: psycopg.Connection, role: str, user_id: uuid.UUID | None = None, email: str | None = None) -> None:
    """Within the current transaction, the Citus form of PostgREST's request identity."""
    claims = {"role": role}
    if user_id:
        claims["sub"] = str(user_id)
    if email:
        claims["email"] = email
    conn.execute("set local citus.propagate_set_commands = 'local'")
    conn.execute(psycopg.sql.SQL("set local request.jwt.claims = {}").format(psycopg.sql.Literal(json.dumps(claims))))
    conn.execute("select set_config('role', %s, true)", [role])
