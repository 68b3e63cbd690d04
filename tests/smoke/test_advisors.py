"""Supabase's advisors (scripts/advisors.py over the vendored splinter): clean on a fresh deploy,
and able to fail: a function without its own search_path, or a definer function that
authenticated may run in an exposed schema, is reported and fails the check."""
from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from conftest import ROOT, sqitch, url_for

# Clones the pristine deploy with CREATE DATABASE ... TEMPLATE: not through the pooler.
pytestmark = pytest.mark.direct_only

ADVISORS = [sys.executable, str(ROOT / "scripts" / "advisors.py")]


def advise(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(ADVISORS + [url], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def advised_db(fresh_db, admin_url):
    template = os.environ.get("PLATFORM_TEMPLATE_DB")
    if template:
        url = fresh_db(template=template)  # scripts/test.sh's pristine sqitch deploy
    else:
        url = fresh_db()
        sqitch("deploy", url, "--verify", "--quiet")
    # The test harness loads pg_stat_statements into public in every test database (scripts/dbenv.sh);
    # Supabase keeps extensions in `extensions`. Not the package's doing: leave it out.
    with psycopg.connect(url_for(admin_url, psycopg.conninfo.conninfo_to_dict(url)["dbname"]),
                         autocommit=True) as conn:
        conn.execute("drop extension if exists pg_stat_statements")
    return url


def test_fresh_deploy_is_clean(advised_db):
    r = advise(advised_db)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 ERROR, 0 WARN" in r.stdout, r.stdout


def test_advisors_fail_on_a_mutable_search_path_and_an_exposed_definer(advised_db):
    with psycopg.connect(advised_db, autocommit=True) as conn:
        conn.execute("begin")
        conn.execute("create function projects.probe_mutable() returns int language sql as 'select 1'")
        conn.execute("create function projects.probe_definer() returns int language sql security definer"
                     " set search_path = pg_catalog, pg_temp as 'select 1'")
        conn.execute("revoke execute on function projects.probe_definer() from public")
        conn.execute("grant execute on function projects.probe_definer() to authenticated")
        conn.execute("commit")
    try:
        r = advise(advised_db)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "function_search_path_mutable: 1" in r.stdout, r.stdout
        assert "projects.probe_mutable" in r.stdout, r.stdout
        assert "authenticated_security_definer_function_executable: 1" in r.stdout, r.stdout
        assert "probe_definer" in r.stdout, r.stdout
    finally:
        with psycopg.connect(advised_db, autocommit=True) as conn:
            conn.execute("drop function projects.probe_mutable(), projects.probe_definer()")
