"""Fixtures of the smoke harness.

The harness tests what pgTAP cannot: many sessions at once, the deploy tool itself, a pooler.
It talks to the server `make test` chose (scripts/test.sh exports the URLs):

  PLATFORM_TEST_URL    the deployed pgTAP database (with the tests schema)
  PLATFORM_TARGET_URL  the server's deploy database; its user is the deploying owner
  PLATFORM_ADMIN_URL   a maintenance database as a user that may create databases and roles
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import urllib.parse
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parents[2]

if os.environ.get("PLATFORM_POOLER"):
    # Behind a transaction-mode pooler a server-side prepared statement may be gone (or belong to
    # someone else) in the next transaction: clients there must not prepare. That is the one
    # client setting the pooler lane changes, for every connection the suite opens.
    _connect = psycopg.connect

    def _connect_without_prepare(*args, **kwargs):
        kwargs.setdefault("prepare_threshold", None)
        return _connect(*args, **kwargs)

    psycopg.connect = _connect_without_prepare


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run the smoke suite through `make test`", returncode=2)
    return value


def url_for(url: str, dbname: str, user: str | None = None) -> str:
    """The same server and credentials as `url`, another database (and optionally user)."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if user:
        netloc = f"{urllib.parse.quote(user)}@{netloc.rsplit('@', 1)[-1]}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{netloc}/{urllib.parse.quote(dbname)}{query}"


def sqitch_target(url: str) -> str:
    return "db:pg:" + url.split(":", 1)[1]


def sqitch(command: str, url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real sqitch command against `url`; raises with its output on failure."""
    result = subprocess.run(
        ["sqitch", command, *args, sqitch_target(url)],
        cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise AssertionError(f"sqitch {command} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def test_url() -> str:
    return _env("PLATFORM_TEST_URL")


@pytest.fixture(scope="session")
def target_url() -> str:
    return _env("PLATFORM_TARGET_URL")


@pytest.fixture(scope="session")
def admin_url() -> str:
    return _env("PLATFORM_ADMIN_URL")


@pytest.fixture(scope="session")
def owner_name(target_url: str) -> str:
    with psycopg.connect(target_url) as conn:
        return conn.execute("select current_user").fetchone()[0]


@pytest.fixture(scope="module")
def fresh_db(admin_url: str, target_url: str, owner_name: str):
    """A factory of empty databases owned by the deploying owner, dropped after the test module.

    fresh_db() -> url of the new database (same credentials as PLATFORM_TARGET_URL).
    """
    created: list[str] = []

    def make(owner: str | None = None, template: str | None = None) -> str:
        name = f"smoke_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'create database "{name}" owner "{owner or owner_name}"'
                         + (f' template "{template}"' if template else ""))
            # Test databases trade durability for speed; the cluster itself stays durable.
            conn.execute(f'alter database "{name}" set synchronous_commit = off')
        created.append(name)
        return url_for(target_url, name)

    yield make

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in created:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="module")
def deployed_db(fresh_db, test_url):
    """A factory: a fresh database deployed with the real `sqitch deploy --verify` (or a copy of
    the pristine deploy scripts/test.sh made), plus the test helpers (tests schema)."""

    template = os.environ.get("PLATFORM_TEMPLATE_DB")

    def make() -> str:
        if template:
            # scripts/test.sh keeps a pristine copy of its own sqitch deploy: clone it.
            url = fresh_db(template=template)
        else:
            url = fresh_db()
            sqitch("deploy", url, "--verify", "--quiet")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute((ROOT / "tests/helpers/tests_schema.sql").read_text())
        return url

    return make


@contextlib.contextmanager
def become(url: str, role: str, claims: dict | None = None, autocommit: bool = False):
    """A connection that acts like PostgREST/Supabase for one request: SET LOCAL ROLE plus the JWT
    claims, both transaction-scoped. With autocommit=False each transaction must set them again,
    so use `conn.transaction()` blocks and call `act_as(conn, ...)` inside, or use this once."""
    with psycopg.connect(url, autocommit=autocommit, row_factory=dict_row) as conn:
        act_as(conn, role, claims)
        yield conn


def act_as(conn: psycopg.Connection, role: str, claims: dict | None = None) -> None:
    """Within the current transaction: be `role` with these JWT claims (sub = user id)."""
    claims = {"role": role, **(claims or {})}
    conn.execute("select set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
    conn.execute(f'set local role "{role}"')


@pytest.fixture
def tenant(test_url):
    """A committed organization with one user per role; deleted after the test.
    Returns a dict: organization_id, owner_id, admin_id, member_id, viewer_id."""
    slug = f"smoke-{uuid.uuid4().hex[:10]}"
    with psycopg.connect(test_url, autocommit=True, row_factory=dict_row) as conn:
        row = conn.execute("select * from tests.create_tenant(%s)", [slug]).fetchone()
    yield row
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute("delete from base.organizations where id = %s", [row["organization_id"]])
        conn.execute(
            "delete from base.users where id = any(%s)",
            [[row["owner_id"], row["admin_id"], row["member_id"], row["viewer_id"]]],
        )
