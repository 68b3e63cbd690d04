"""Helpers shared by the Citus lane's test modules (tests/citus/test_*.py): the coordinator's URL,
a connection, the Citus form of PostgREST's request identity, and the clean-up of partitions a
test caused."""
from __future__ import annotations

import contextlib
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


PARTITIONS = """select c.oid::regclass::text as partition
                  from base.partition_config as pc
                  join pg_catalog.pg_inherits as i on i.inhparent = pc.parent_table::regclass
                  join pg_catalog.pg_class as c on c.oid = i.inhrelid"""


@contextlib.contextmanager
def partitions_made_here_dropped():
    """Drops, on leaving, the partitions that partition maintenance created meanwhile (for rows of
    past months that a test planted): the lane compares the schema before distribution with the
    schema after its revert, and a partition made by a test is not part of the package."""
    with connect(autocommit=True) as conn:
        before = {r["partition"] for r in conn.execute(PARTITIONS)}
    try:
        yield
    finally:
        with connect(autocommit=True) as conn:
            made = sorted({r["partition"] for r in conn.execute(PARTITIONS)} - before)
            if made:  # one statement: partitions of tables that reference each other go together
                conn.execute(psycopg.sql.SQL("drop table {}").format(psycopg.sql.SQL(", ").join(map(psycopg.sql.SQL, made))))


def make_people(names: tuple[str, ...], owners: tuple[str, ...], slug_prefix: str) -> dict:
    """Users (name -> (id, email)), and for each of `owners` an organization created through the
    API as that user (name + '_org' -> id)."""
    out = {}
    with connect(autocommit=True) as conn:
        for name in names:
            uid = uuid.uuid4()
            email = f"{name}-{uid.hex[:8]}@example.test"
            conn.execute("insert into base.users (id, email, display_name) values (%s, %s, %s)", [uid, email, name])
            out[name] = (uid, email)
    for name in owners:
        uid, email = out[name]
        with connect() as conn:
            act_as(conn, "authenticated", uid, email)
            out[f"{name}_org"] = conn.execute("select id from base.create_organization(%s, %s)",
                                              [f"Org {name}", f"{slug_prefix}-{name}-{uid.hex[:8]}"]).fetchone()["id"]
            conn.commit()
    return out
