"""The deploy tool itself: Sqitch deploy, revert and redeploy, as an ordinary owner and into a
database laid out like Supabase's."""
from __future__ import annotations

import os
import re
import subprocess
import urllib.parse

import psycopg
import pytest

from conftest import ROOT, sqitch, url_for



pytestmark = pytest.mark.direct_only

def schema_dump(url: str) -> str:
    """pg_dump --schema-only, without the random \\restrict lines and the version banner. The
    pg_dump in PG_DUMP (scripts/dbenv.sh): it must be at least as new as the server, which the
    version matrix's servers are not for Debian's."""
    out = subprocess.run(
        [os.environ.get("PG_DUMP") or "pg_dump", "--schema-only", "--no-owner", "-d", url],
        check=True, capture_output=True, text=True,
    ).stdout
    return "\n".join(
        line for line in out.splitlines()
        if not re.match(r"^\\(un)?restrict |^-- Dumped (from|by) ", line)
    )


def test_deploy_revert_deploy_leaves_an_identical_schema(fresh_db):
    url = fresh_db()
    sqitch("deploy", url, "--verify")
    first = schema_dump(url)

    sqitch("revert", url, "-y")
    with psycopg.connect(url) as conn:
        left = conn.execute(
            "select array_agg(nspname order by nspname) from pg_namespace "
            "where nspname in ('base', 'internal', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')"
        ).fetchone()[0]
    assert left is None, f"revert left package schemas behind: {left}"

    sqitch("deploy", url, "--verify")
    second = schema_dump(url)
    assert first == second


SUPABASE_OWNER = "platform_supabase_owner"


@pytest.fixture
def supabase_like_db(fresh_db, admin_url, target_url):
    """A database laid out like a Supabase project: the API roles exist beforehand (they are
    cluster-wide), extensions live in schema `extensions`, an `auth` schema provides uid(), jwt()
    and role(), and the owner is an ordinary role with CREATEROLE, not a superuser."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            f"""do $$ begin
                  if not exists (select from pg_roles where rolname = '{SUPABASE_OWNER}') then
                    create role {SUPABASE_OWNER} nologin createrole;
                  end if;
                end $$"""
        )
        conn.execute(f"grant {SUPABASE_OWNER} to current_user")
        # Supabase's bootstrap: its postgres role holds the pre-existing API roles WITH ADMIN OPTION
        # (needed from PostgreSQL 16 to grant or act as a role someone else created).
        for (role,) in conn.execute(
                "select rolname from pg_roles where rolname in "
                "('anon', 'authenticated', 'service_role', 'platform_monitor')").fetchall():
            conn.execute(f'grant "{role}" to {SUPABASE_OWNER} with admin option')
    url = fresh_db(owner=SUPABASE_OWNER)
    admin_db = url_for(admin_url, urllib.parse.urlsplit(url).path.lstrip("/"))
    with psycopg.connect(admin_db, autocommit=True) as conn:
        conn.execute(f"set role {SUPABASE_OWNER}")
        conn.execute((ROOT / "tests/helpers/supabase_layout.sql").read_text())
    return admin_db


def test_deploys_as_a_non_superuser_into_a_supabase_layout(supabase_like_db):
    url = supabase_like_db
    # PGOPTIONS makes every connection sqitch and psql open start as the owner role: a
    # non-superuser with CREATEROLE, as Supabase's `postgres` role is.
    env = {"PGOPTIONS": f"-c role={SUPABASE_OWNER}"}
    sqitch("deploy", url, "--verify", env=env)

    with psycopg.connect(url, options=f"-c role={SUPABASE_OWNER}") as conn:
        row = conn.execute(
            "select rolsuper, rolcreaterole from pg_roles where rolname = current_user"
        ).fetchone()
        assert row == (False, True), "the deploy must have run as an ordinary CREATEROLE owner"
        owners = conn.execute(
            "select distinct pg_get_userbyid(relowner) from pg_class "
            "where relnamespace = 'base'::regnamespace"
        ).fetchall()
        assert owners == [(SUPABASE_OWNER,)]
        # Supabase's helpers and ours agree on who the caller is.
        conn.execute(
            "select set_config('request.jwt.claims', %s, true)",
            ['{"sub": "01936f6e-0000-7000-8000-000000000001", "role": "authenticated"}'],
        )
        same = conn.execute("select base.current_user_id() = auth.uid()").fetchone()[0]
        assert same is True
        # Extensions stayed where Supabase put them.
        schemas = dict(conn.execute(
            "select extname, extnamespace::regnamespace::text from pg_extension"
        ).fetchall())
        assert schemas["pg_trgm"] == "extensions"

    sqitch("revert", url, "-y", env=env)



PLAIN_DEPLOYER = "platform_plain_deployer"


def test_a_deployer_that_cannot_act_as_the_api_roles_is_told_the_grant_to_run(fresh_db, admin_url):
    """A deployer that neither holds the existing API roles nor may grant them (no CREATEROLE; on
    PostgreSQL 16+ also a CREATEROLE role without ADMIN OPTION on them) is stopped at the first
    change with 42501 and the exact GRANT ... WITH ADMIN OPTION that fixes it, not a bare
    'permission denied' (or, on 16+, a deploy that goes on and fails in the tests)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            f"""do $$ begin
                  if not exists (select from pg_roles where rolname = '{PLAIN_DEPLOYER}') then
                    create role {PLAIN_DEPLOYER} nologin;
                  end if;
                end $$"""
        )
        conn.execute(f"grant {PLAIN_DEPLOYER} to current_user")
    url = fresh_db(owner=PLAIN_DEPLOYER)
    admin_db = url_for(admin_url, urllib.parse.urlsplit(url).path.lstrip("/"))
    with pytest.raises(AssertionError) as failure:
        sqitch("deploy", admin_db, "--verify", env={"PGOPTIONS": f"-c role={PLAIN_DEPLOYER}"})
    message = str(failure.value)
    assert f"role {PLAIN_DEPLOYER} cannot act as role anon" in message, message
    assert f"GRANT anon TO {PLAIN_DEPLOYER} WITH ADMIN OPTION;" in message, message
    with psycopg.connect(admin_db) as conn:
        left = conn.execute("select count(*) from pg_namespace where nspname in ('base', 'internal')").fetchone()[0]
    assert left == 0, "the failed change left its schemas behind"
