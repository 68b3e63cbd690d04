"""Monitoring faults that need real concurrent sessions and real statistics.

Each test injects a fault for real in a scratch schema of a freshly deployed database, waits
(bounded) until the statistics show it, asserts that the right monitoring view flags it with the
right severity, then removes the fault and asserts that the finding clears. The views are read
as platform_monitor, the read-only role, which also proves it sees other roles' sessions.

Thresholds are data (monitoring.alert_thresholds): tests that cannot wait minutes lower them in
their own database, exactly as an operator would.
"""
from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from conftest import sqitch, url_for

WAIT_SECONDS = 30


@pytest.fixture(scope="module")
def mon_db(admin_url, target_url, owner_name):
    """One freshly deployed database for this module (a deploy per test would cost minutes on a
    shared machine); every test cleans up its own scratch schema and thresholds."""
    name = f"smoke_mon_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}" owner "{owner_name}"')
    url = url_for(target_url, name)
    try:
        sqitch("deploy", url, "--verify", "--quiet")
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def owner(mon_db):
    """The deploying owner, autocommit: creates the faults and tunes thresholds."""
    with psycopg.connect(mon_db, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def monitor(mon_db):
    """The read-only monitoring role, as a dashboard would connect."""
    with psycopg.connect(mon_db, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("set role platform_monitor")
        yield conn


@pytest.fixture
def sees_other_sessions(monitor):
    """The session checks read other roles' rows of pg_stat_activity, whose state and query only a
    holder of pg_monitor sees. The deploy grants pg_monitor to platform_monitor when it may (a
    superuser, or a deployer holding pg_monitor WITH ADMIN OPTION, which PostgreSQL 16+ requires);
    where it could not, these tests would only wait out their timeout, so they skip and say why."""
    if not monitor.execute("select pg_has_role('platform_monitor', 'pg_monitor', 'USAGE') as ok").fetchone()["ok"]:
        pytest.skip("platform_monitor does not hold pg_monitor here (the deploy printed the GRANT to run): "
                    "it cannot see other roles' sessions")


@pytest.fixture
def scratch(owner):
    """A scratch schema for this test's fault objects, dropped afterwards."""
    schema = f"scratch_{uuid.uuid4().hex[:8]}"
    owner.execute(f"create schema {schema}")
    yield schema
    owner.execute(f"drop schema {schema} cascade")


@pytest.fixture
def thresholds(owner):
    """set(check, warning=..., critical=...) for this test; the originals come back afterwards."""
    saved = {r["check_name"]: r for r in owner.execute("select * from monitoring.alert_thresholds").fetchall()}
    changed: list[str] = []

    def set_(check: str, **levels):
        assignments = ", ".join(f"{k}_threshold = %({k})s" for k in levels)
        owner.execute(f"update monitoring.alert_thresholds set {assignments} where check_name = %(check)s",
                      {**levels, "check": check})
        changed.append(check)

    yield set_
    for check in changed:
        r = saved[check]
        owner.execute(
            "update monitoring.alert_thresholds set info_threshold = %s, warning_threshold = %s, "
            "critical_threshold = %s where check_name = %s",
            [r["info_threshold"], r["warning_threshold"], r["critical_threshold"], check])


def wait_for(fetch, accept, what: str, timeout: float = WAIT_SECONDS):
    """Poll fetch() until accept(result) holds, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    result = fetch()
    while not accept(result):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last result: {result!r}")
        time.sleep(0.25)
        result = fetch()
    return result


def flush_stats(conn) -> None:
    """Make this session's pending statistics visible now (they flush when the session is idle)."""
    conn.execute("select pg_stat_force_next_flush()")


def one(conn, sql: str, params=None):
    rows = conn.execute(sql, params).fetchall()
    return rows[0] if rows else None


def test_unused_index_is_flagged_then_clears_once_used(owner, monitor, scratch, thresholds):
    owner.execute(f"create table {scratch}.items (id integer primary key, code integer not null)")
    owner.execute(f"insert into {scratch}.items select g, g % 1000 from generate_series(1, 20000) as g")
    owner.execute(f"create index items_code_idx on {scratch}.items (code)")
    owner.execute(f"analyze {scratch}.items")
    index = f"{scratch}.items_code_idx"
    finding = lambda: one(monitor, "select severity, value from monitoring.index_usage_analysis "
                                   "where check_name = 'unused_index' and object_name = %s", [index])

    row = wait_for(finding, lambda r: r is not None, "the unused index finding")
    assert row["severity"] == "info", "a small unused index is info under the default 10 MB warning size"
    thresholds("unused_index", warning=64 * 1024)
    assert finding()["severity"] == "warning", "above the (lowered) warning size it is a warning"
    assert one(monitor, "select severity from monitoring.critical_alerts where object_name = %s", [index])["severity"] == "warning"

    with owner.transaction():
        owner.execute("set local enable_seqscan = off")
        for code in range(3):
            owner.execute(f"select count(*) from {scratch}.items where code = %s", [code])
    flush_stats(owner)
    wait_for(finding, lambda r: r is None, "the unused index finding to clear after index scans")


def test_sequential_scan_heavy_table_is_flagged_then_clears(owner, monitor, scratch):
    owner.execute(f"create table {scratch}.lookups (id integer primary key, code integer not null)")
    owner.execute(f"insert into {scratch}.lookups select g, g % 500 from generate_series(1, 5000) as g")
    for code in range(20):  # no index on code: every lookup scans the table
        owner.execute(f"select count(*) from {scratch}.lookups where code = %s", [code])
    flush_stats(owner)
    table = f"{scratch}.lookups"
    finding = lambda: one(monitor, "select severity, value, recommended_action from monitoring.table_findings "
                                   "where check_name = 'seq_scan_heavy' and object_name = %s", [table])

    row = wait_for(finding, lambda r: r is not None, "the seq_scan_heavy finding")
    assert row["severity"] == "warning"
    assert row["value"] == 1, "every scan so far was sequential"
    assert "index the columns they filter on" in row["recommended_action"]
    patterns = one(monitor, "select seq_scan, severity from monitoring.table_access_patterns where object_name = %s", [table])
    assert patterns["seq_scan"] >= 20 and patterns["severity"] == "warning"

    owner.execute(f"create index lookups_code_idx on {scratch}.lookups (code)")
    with owner.transaction():
        owner.execute("set local enable_seqscan = off")
        for code in range(60):
            owner.execute(f"select count(*) from {scratch}.lookups where code = %s", [code])
    flush_stats(owner)
    wait_for(finding, lambda r: r is None, "the seq_scan_heavy finding to clear once lookups use an index")


def test_dead_tuples_are_flagged_then_cleared_by_vacuum(owner, monitor, scratch):
    table = f"{scratch}.churn"
    owner.execute(f"create table {table} (id integer primary key, pad text not null) with (autovacuum_enabled = false)")
    owner.execute(f"insert into {table} select g, repeat('x', 100) from generate_series(1, 10000) as g")
    owner.execute(f"delete from {table} where id % 10 < 6")
    flush_stats(owner)
    finding = lambda: one(monitor, "select severity, value from monitoring.table_findings "
                                   "where check_name = 'dead_tuples' and object_name = %s", [table])

    row = wait_for(finding, lambda r: r is not None and r["severity"] == "critical", "the dead_tuples finding")
    assert float(row["value"]) == pytest.approx(0.6, abs=0.01), "6000 dead rows against 4000 live"
    assert one(monitor, "select severity from monitoring.table_findings "
                        "where check_name = 'autovacuum_disabled' and object_name = %s", [table])["severity"] == "warning"
    recommendation = one(monitor, "select recommended_action from monitoring.maintenance_recommendations "
                                  "where check_name = 'dead_tuples' and object_name = %s", [table])
    assert recommendation["recommended_action"].startswith(f"vacuum (analyze) {table};")

    owner.execute(f"vacuum {table}")
    flush_stats(owner)
    wait_for(finding, lambda r: r is None, "the dead_tuples finding to clear after VACUUM")


def test_idle_in_transaction_session_is_flagged_then_clears(mon_db, monitor, sees_other_sessions, thresholds):
    thresholds("idle_in_transaction", warning=1, critical=3600)
    thresholds("oldest_transaction", warning=1, critical=3600)
    with psycopg.connect(mon_db) as idle:
        idle.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        pid = idle.execute("select pg_backend_pid()").fetchone()[0]
        idle.execute("select count(*) from base.users")  # a snapshot, then nothing: idle in transaction
        health = lambda check: one(monitor, "select severity, object_name, details, recommended_action "
                                            "from monitoring.system_health where check_name = %s", [check])

        row = wait_for(lambda: health("idle_in_transaction"), lambda r: r["severity"] == "warning",
                       "the idle_in_transaction warning")
        assert row["object_name"] == f"pid {pid}"
        assert f"pg_terminate_backend({pid})" in row["recommended_action"]
        assert health("oldest_transaction")["severity"] == "warning"
        assert health("xmin_horizon_age")["object_name"].startswith(f"pid {pid} "), \
            "its snapshot is named as what holds the xmin horizon"
        session = one(monitor, "select state, severity, query from monitoring.long_running_queries where pid = %s", [pid])
        assert session["state"] == "idle in transaction" and session["severity"] == "warning"
        assert "base.users" in session["query"], "platform_monitor sees another role's statement text (pg_monitor)"
        alert = one(monitor, "select severity from monitoring.critical_alerts where check_name = 'idle_in_transaction'")
        assert alert["severity"] == "warning"
        idle.rollback()
        wait_for(lambda: health("idle_in_transaction"), lambda r: r["severity"] == "ok",
                 "the idle_in_transaction check to clear after ROLLBACK")


def test_blocking_lock_chain_is_flagged_then_clears(mon_db, owner, monitor, sees_other_sessions, scratch, thresholds):
    thresholds("lock_wait", warning=1, critical=3600)
    owner.execute(f"create table {scratch}.accounts (id integer primary key, balance integer not null)")
    owner.execute(f"insert into {scratch}.accounts values (1, 0)")
    outcome: dict = {}

    with psycopg.connect(mon_db) as blocker, psycopg.connect(mon_db, autocommit=True) as waiter:
        blocker_pid = blocker.execute("select pg_backend_pid()").fetchone()[0]
        waiter_pid = waiter.execute("select pg_backend_pid()").fetchone()[0]
        waiter.execute("set statement_timeout = '60s'")
        blocker.execute(f"update {scratch}.accounts set balance = 1 where id = 1")  # holds the row lock

        def wait_on_lock():
            try:
                waiter.execute(f"update {scratch}.accounts set balance = 2 where id = 1")
                outcome["ok"] = True
            except psycopg.Error as e:  # pragma: no cover - reported by the assertion below
                outcome["error"] = e.sqlstate

        thread = threading.Thread(target=wait_on_lock)
        thread.start()
        try:
            row = wait_for(lambda: one(monitor, "select * from monitoring.lock_waits where blocked_pid = %s", [waiter_pid]),
                           lambda r: r is not None and r["severity"] == "warning", "the lock wait to be flagged")
            assert row["blocking_pids"] == [blocker_pid]
            assert row["root_blocker_pid"] == blocker_pid
            assert row["root_blocker_state"] == "idle in transaction"
            assert row["relation"] == f"{scratch}.accounts" or row["locktype"] == "transactionid"
            assert f"pg_terminate_backend({blocker_pid})" in row["recommended_action"]
            health = one(monitor, "select severity, object_name from monitoring.system_health where check_name = 'lock_wait'")
            assert health == {"severity": "warning", "object_name": f"pid {waiter_pid}"}
        finally:
            blocker.rollback()
            thread.join(timeout=WAIT_SECONDS)
        assert not thread.is_alive() and outcome == {"ok": True}, outcome
        wait_for(lambda: one(monitor, "select severity from monitoring.system_health where check_name = 'lock_wait'"),
                 lambda r: r["severity"] == "ok", "the lock wait check to clear")
        assert one(monitor, "select 1 from monitoring.lock_waits where blocked_pid = %s", [waiter_pid]) is None


def test_long_running_query_is_flagged_then_clears_when_cancelled(mon_db, owner, monitor, sees_other_sessions, thresholds):
    thresholds("long_running_query", warning=1, critical=3600)
    outcome: dict = {}
    with psycopg.connect(mon_db, autocommit=True) as sleeper:
        pid = sleeper.execute("select pg_backend_pid()").fetchone()[0]
        sleeper.execute("set statement_timeout = '60s'")

        def sleep():
            try:
                sleeper.execute("select pg_sleep(45)")
                outcome["finished"] = True
            except psycopg.Error as e:
                outcome["sqlstate"] = e.sqlstate

        thread = threading.Thread(target=sleep)
        thread.start()
        try:
            row = wait_for(lambda: one(monitor, "select severity, state, query, recommended_action "
                                                "from monitoring.long_running_queries where pid = %s", [pid]),
                           lambda r: r is not None and r["severity"] == "warning", "the long query to be flagged")
            assert row["state"] == "active" and "pg_sleep" in row["query"]
            assert f"pg_cancel_backend({pid})" in row["recommended_action"]
            health = one(monitor, "select severity, object_name from monitoring.system_health "
                                  "where check_name = 'long_running_query'")
            assert health == {"severity": "warning", "object_name": f"pid {pid}"}
        finally:
            owner.execute("select pg_cancel_backend(%s)", [pid])
            thread.join(timeout=WAIT_SECONDS)
        assert outcome == {"sqlstate": "57014"}, "the statement was cancelled"
        wait_for(lambda: one(monitor, "select severity from monitoring.system_health where check_name = 'long_running_query'"),
                 lambda r: r["severity"] == "ok", "the long query check to clear")


def test_invalid_index_is_flagged_then_clears(owner, monitor, scratch):
    owner.execute(f"create table {scratch}.codes (code integer not null)")
    owner.execute(f"insert into {scratch}.codes values (1), (1), (2)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        owner.execute(f"create unique index concurrently codes_code_key on {scratch}.codes (code)")
    index = f"{scratch}.codes_code_key"
    row = one(monitor, "select severity, recommended_action from monitoring.index_usage_analysis "
                       "where check_name = 'invalid_index' and object_name = %s", [index])
    assert row is not None and row["severity"] == "warning", "a failed CREATE INDEX CONCURRENTLY leaves an invalid index"
    assert f"drop index concurrently {index};" in row["recommended_action"]
    owner.execute(f"drop index concurrently {index}")
    assert one(monitor, "select 1 from monitoring.index_usage_analysis where object_name = %s", [index]) is None


def test_maintenance_job_runs_once_at_a_time(mon_db, owner):
    """Two schedulers at once (cron and a manual run): the second skips the job it finds running."""
    with psycopg.connect(mon_db) as first, psycopg.connect(mon_db, autocommit=True) as second:
        status = first.execute("select status from monitoring.run_maintenance('base.partition_maintenance')").fetchone()[0]
        assert status == "succeeded"  # first's transaction is still open: it holds the job's lock
        row = second.execute("select status, detail from monitoring.run_maintenance('base.partition_maintenance')").fetchone()
        assert row == ("skipped", "already running in another session")
        first.commit()
        row = second.execute("select status from monitoring.run_maintenance('base.partition_maintenance')").fetchone()
        assert row == ("succeeded",)


def test_slow_query_analysis_is_a_clear_row_without_pg_stat_statements(monitor):
    """The fresh database has no pg_stat_statements: one explanatory row, not an error."""
    rows = monitor.execute("select check_name, severity, details from monitoring.slow_query_analysis").fetchall()
    assert rows == [{
        "check_name": "pg_stat_statements_unavailable",
        "severity": "info",
        "details": "pg_stat_statements is not installed in this database: slow query analysis is unavailable.",
    }]
    setting = one(monitor, "select severity from monitoring.settings_review where object_name = 'pg_stat_statements'")
    assert setting["severity"] == "info"


def exporter_queries() -> dict[str, tuple[str, list[str]]]:
    """monitoring/postgres_exporter.yml, read without a YAML library (the harness pins none):
    {metric prefix: (query, [column names in metric order])}."""
    from conftest import ROOT

    queries: dict[str, tuple[str, list[str]]] = {}
    key = None
    query_lines: list[str] = []
    in_query = False
    for line in (ROOT / "monitoring/postgres_exporter.yml").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if not line.startswith(" "):
            key = line.rstrip(":")
            queries[key] = ("", [])
            in_query, query_lines = False, []
        elif line.startswith("  query: |"):
            in_query = True
        elif in_query and line.startswith("    "):
            query_lines.append(line.strip())
            queries[key] = (" ".join(query_lines), queries[key][1])
        else:
            in_query = False
            stripped = line.strip()
            if stripped.startswith("- ") and stripped.endswith(":"):
                queries[key][1].append(stripped[2:-1])
    return queries


def test_exporter_queries_run_as_the_monitoring_role_and_match_their_metrics(monitor):
    queries = exporter_queries()
    assert len(queries) >= 8
    for prefix, (query, columns) in queries.items():
        cursor = monitor.execute(query)
        assert [d.name for d in cursor.description] == columns, prefix
        rows = cursor.fetchall()
        if prefix != "platform_sequence":  # the package's keys are UUIDs: a fresh database may have no sequence
            assert rows, f"{prefix} returns rows"


def test_report_script_runs_cleanly(mon_db):
    import subprocess
    from conftest import ROOT

    result = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", mon_db, "-f", "monitoring/report.sql"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for section in ("Summary", "Alerts", "Health checks", "Maintenance jobs", "Index findings"):
        assert section in result.stdout
