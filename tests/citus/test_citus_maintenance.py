"""The maintenance jobs through a Citus coordinator (scripts/citus.sh test): every registered job
runs there, and the two cleanups delete what they delete on one node (tests/pgtap/prompts/context.sql,
tests/pgtap/events/06_partitions_retention.sql).

Same rules as tests/citus/test_citus.py (read its docstring). Rows are planted by the owner's
connection (the owner writes past the API's grants); the cleanups run as service_role, the role
they are granted to, and the catalog test runs each job through monitoring.run_maintenance, as the
scheduler does.
"""
from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from citus_helpers import act_as, connect, partitions_made_here_dropped, requires_citus

pytestmark = requires_citus




def as_service_role(sql: str, params=None):
    """One statement as service_role in its own committed transaction; its first row."""
    with connect() as conn:
        with conn.transaction():
            act_as(conn, "service_role")
            return conn.execute(sql, params).fetchone()


@pytest.fixture(scope="module")
def orgs():
    """Two organizations, each created through the API by its own user."""
    out = {}
    for name in ("keeper", "other"):
        uid = uuid.uuid4()
        email = f"maint-{name}-{uid.hex[:8]}@example.test"
        with connect(autocommit=True) as conn:
            conn.execute("insert into base.users (id, email, display_name) values (%s, %s, %s)", [uid, email, name])
        with connect() as conn:
            act_as(conn, "authenticated", uid, email)
            out[name] = conn.execute("select id from base.create_organization(%s, %s)",
                                     [f"Maint {name}", f"maint-{name}-{uid.hex[:8]}"]).fetchone()["id"]
            conn.commit()
    return out


def test_every_enabled_maintenance_job_succeeds_on_the_coordinator():
    """monitoring.run_maintenance(job) for every enabled job of the registry: none fails or is
    skipped (run_maintenance records a failure instead of raising: its status says)."""
    with connect(autocommit=True) as conn:
        jobs = [r["job_name"] for r in conn.execute(
            "select job_name from monitoring.maintenance_jobs where is_enabled order by job_name").fetchall()]
    assert jobs, "no enabled maintenance job is registered"
    with partitions_made_here_dropped():
        failures = []
        for job in jobs:
            with connect() as conn:
                try:
                    rows = conn.execute("select * from monitoring.run_maintenance(%s)", [job]).fetchall()
                    conn.commit()
                except psycopg.Error as e:
                    failures.append(f"{job}: raised {e.sqlstate} {e}")
                    continue
            if len(rows) != 1 or rows[0]["status"] != "succeeded":
                failures.append(f"{job}: " + "; ".join(f"{r['status']} {r['error_message'] or r['detail']}" for r in rows))
    assert failures == [], "\n".join(failures)


# The context cache --------------------------------------------------------------------------------

def test_cleanup_expired_context_data_deletes_expired_entries_only(orgs):
    entries = {}  # key -> (organization, expired)
    with connect(autocommit=True) as conn:
        for name in ("keeper", "other"):
            org = orgs[name]
            src = conn.execute(
                "insert into prompts.context_sources (organization_id, name, kind, configuration, default_ttl)"
                " values (%s, 'Maintenance docs', 'url', '{\"url\": \"https://docs.example.com\"}', '1 hour') returning id",
                [org]).fetchone()["id"]
            for key, expired in ((f"{name}-old", True), (f"{name}-older", True), (f"{name}-fresh", False)):
                conn.execute(
                    "insert into prompts.context_data (organization_id, source_id, context_key, content, fetched_at, expires_at)"
                    " values (%s, %s, %s, 'cached', now() - interval '3 hours',"
                    "         now() + case when %s then interval '-1 hour' else interval '1 hour' end)",
                    [org, src, key, expired])
                entries[key] = expired

        def present() -> set[str]:
            return {r["context_key"] for r in conn.execute(
                "select context_key from prompts.context_data where organization_id = any(%s)",
                [list(orgs.values())]).fetchall()}

        assert present() == set(entries)
        expired_everywhere = conn.execute(
            "select count(*) as n from prompts.context_data where expires_at <= clock_timestamp()").fetchone()["n"]
        assert expired_everywhere >= 4

    deleted = as_service_role("select prompts.cleanup_expired_context_data() as n")["n"]
    assert deleted == expired_everywhere, "returns how many entries it deleted"

    with connect(autocommit=True) as conn:
        assert present() == {k for k, expired in entries.items() if not expired}, "expired entries deleted, fresh kept"
        assert conn.execute("select count(*) as n from prompts.context_data where expires_at <= clock_timestamp()"
                            ).fetchone()["n"] == 0
    assert as_service_role("select prompts.cleanup_expired_context_data() as n")["n"] == 0, "a second run finds nothing"


# Event retention ----------------------------------------------------------------------------------

def plant_event(conn, org, source: str, event_type: str, payload: dict, age: str, key: str | None = None) -> uuid.UUID:
    """An event received `age` ago with its source row and idempotency key (as ingest stores them)."""
    eid = conn.execute("select base.uuid_generate_v7() as id").fetchone()["id"]
    at = conn.execute("select now() - %s::interval as at", [age]).fetchone()["at"]
    conn.execute("insert into events.events (organization_id, id, received_at, source, event_type, idempotency_key, payload)"
                 " values (%s, %s, %s, %s, %s, %s, %s)", [org, eid, at, source, event_type, key, json.dumps(payload)])
    if key:
        conn.execute("insert into events.event_idempotency_keys (organization_id, source, idempotency_key, event_id, event_received_at)"
                     " values (%s, %s, %s, %s, %s)", [org, source, key, eid, at])
    conn.execute("select events.fill_source_tables(array[%s]::uuid[], array[%s]::uuid[], array[%s]::timestamptz[],"
                 " array[%s], array[%s], array[%s]::jsonb[])", [org, eid, at, source, event_type, json.dumps(payload)])
    return eid


def event_state(conn, org, eid) -> dict:
    return conn.execute(
        "select (select count(*) from events.events where organization_id = %(o)s and id = %(e)s) as events,"
        " (select count(*) from events.event_deliveries where organization_id = %(o)s and event_id = %(e)s) as deliveries,"
        " (select count(*) from events.slack_events where organization_id = %(o)s and event_id = %(e)s) as slack,"
        " (select count(*) from events.event_idempotency_keys where organization_id = %(o)s and event_id = %(e)s) as keys",
        {"o": org, "e": eid}).fetchone()


SLACK = {"team_id": "T1", "event": {"type": "message"}}


def drain(batch_size: int) -> list[int]:
    """cleanup_old_events(batch_size) until it returns 0: the returns."""
    returns = []
    while True:
        n = as_service_role("select events.cleanup_old_events(%s) as n", [batch_size])["n"]
        returns.append(n)
        if n == 0 or len(returns) > 100:
            return returns


@pytest.fixture
def event_rows_removed_after(orgs):
    """Removes what the event tests planted and kept, and the partitions that maintenance made for
    the planted months (rows older than the oldest partition land in the DEFAULT partitions, which
    maintenance moves out); the routing log lines stay: they are append-only, and in the current
    month's partition."""
    with partitions_made_here_dropped():
        yield
    with connect(autocommit=True) as conn:
        for org in orgs.values():
            for table in ("events.event_deliveries", "events.slack_events", "events.github_events", "events.linear_events",
                          "events.deployment_events", "events.event_idempotency_keys",
                          "events.events", "events.event_subscriptions"):
                conn.execute(f"delete from {table} where organization_id = %s", [org])
            conn.execute("delete from events.event_types where organization_id = %s", [org])


def test_cleanup_old_events_deletes_rows_past_their_type_retention(orgs, event_rows_removed_after):
    keeper, other = orgs["keeper"], orgs["other"]
    with connect(autocommit=True) as conn:
        # keeper's own type kept 1 day; other overrides the built-in slack message (90 days) with 200 days
        conn.execute("insert into events.event_types (organization_id, source, name, retention)"
                     " values (%s, 'ci', 'build', interval '1 day')", [keeper])
        conn.execute("insert into events.event_types (organization_id, source, name, payload_schema, retention)"
                     " values (%s, 'slack', 'message', '{\"required\": [\"team_id\", \"event\"]}', interval '200 days')", [other])
        for org in (keeper, other):
            conn.execute("insert into events.event_subscriptions (organization_id, name, target_kind, target)"
                         " values (%s, 'maintenance archive', 'handler', 'archive')", [org])
        planted = {
            "build_old": (keeper, plant_event(conn, keeper, "ci", "build", {}, "3 days", f"build-old-{uuid.uuid4().hex[:8]}")),
            "build_new": (keeper, plant_event(conn, keeper, "ci", "build", {}, "1 hour", f"build-new-{uuid.uuid4().hex[:8]}")),
            "slack_old": (keeper, plant_event(conn, keeper, "slack", "message", SLACK, "100 days", f"slack-old-{uuid.uuid4().hex[:8]}")),
            "slack_new": (keeper, plant_event(conn, keeper, "slack", "message", SLACK, "80 days")),
            "other_slack_old": (other, plant_event(conn, other, "slack", "message", SLACK, "100 days", f"slack-o-{uuid.uuid4().hex[:8]}")),
            "other_build_old": (other, plant_event(conn, other, "ci", "build", {}, "3 days")),
        }
    # route them, so that the old ones have deliveries to remove
    while as_service_role("select events.process_pending_events(1000) as n")["n"] > 0:
        pass
    with connect(autocommit=True) as conn:
        before = {name: event_state(conn, org, eid) for name, (org, eid) in planted.items()}
    assert all(s["events"] == 1 and s["deliveries"] == 1 for s in before.values()), before
    assert before["slack_old"]["slack"] == 1 and before["build_old"]["keys"] == 1 and before["slack_old"]["keys"] == 1

    returns = drain(1)
    assert all(n in (0, 1) for n in returns), f"one batch of at most batch_size events per call: {returns}"
    assert sum(returns) >= 2, returns

    with connect(autocommit=True) as conn:
        after = {name: event_state(conn, org, eid) for name, (org, eid) in planted.items()}
    gone = {"events": 0, "deliveries": 0, "slack": 0, "keys": 0}
    assert after["build_old"] == gone, "an organization's own short type: the event, its deliveries and key are deleted"
    assert after["slack_old"] == gone, "a built-in short type: the event, its source row, deliveries and key are deleted"
    for name in ("build_new", "slack_new", "other_slack_old", "other_build_old"):
        assert after[name] == before[name], f"{name} is kept (newer, overridden by its organization, or not short there)"
    assert as_service_role("select events.cleanup_old_events() as n")["n"] == 0, "a second run has nothing left"


def test_cleanup_old_events_purges_keys_of_dropped_months_in_bounded_batches(orgs, event_rows_removed_after):
    """Keys whose event_received_at is before the first retained month leave, oldest first, at most
    20 x batch_size per call; a younger key stays."""
    keeper = orgs["keeper"]
    tag = uuid.uuid4().hex[:8]
    with connect(autocommit=True) as conn:
        for i in range(25):
            conn.execute("insert into events.event_idempotency_keys (organization_id, source, idempotency_key, event_id, event_received_at)"
                         " values (%s, 'github', %s, base.uuid_generate_v7(), now() - interval '2 years' + %s * interval '1 hour')",
                         [keeper, f"ancient-{tag}-{i:02d}", i])
        conn.execute("insert into events.event_idempotency_keys (organization_id, source, idempotency_key, event_id, event_received_at)"
                     " values (%s, 'github', %s, base.uuid_generate_v7(), now() - interval '30 days')", [keeper, f"recent-{tag}"])
        cutoff = conn.execute("select base.partition_period_start(pc.granularity, now() - pc.retention) as c"
                              " from base.partition_config as pc where pc.parent_table = 'events.events'").fetchone()["c"]
        assert conn.execute("select count(*) as n from events.event_idempotency_keys where event_received_at < %s",
                            [cutoff]).fetchone()["n"] == 25, "no other key of a dropped month in the database"

        def keys() -> list[str]:
            return [r["idempotency_key"] for r in conn.execute(
                "select idempotency_key from events.event_idempotency_keys where organization_id = %s and idempotency_key like %s"
                " order by idempotency_key", [keeper, f"%-{tag}%"]).fetchall()]

        assert as_service_role("select events.cleanup_old_events(1) as n")["n"] == 0, "keys are not counted as events"
        assert keys() == [f"ancient-{tag}-{i:02d}" for i in range(20, 25)] + [f"recent-{tag}"], \
            "20 x batch_size keys of the dropped months per call, oldest first"
        assert as_service_role("select events.cleanup_old_events(1) as n")["n"] == 0
        assert keys() == [f"recent-{tag}"], "the next call takes the rest; a key of a retained month stays"


def test_cleanup_old_events_refuses_a_batch_size_out_of_range():
    for bad, shown in ((0, "0"), (None, "null")):
        with connect() as conn:
            act_as(conn, "service_role")
            with pytest.raises(psycopg.errors.InvalidParameterValue,
                               match=f"batch_size must be between 1 and 1000000, got {shown}"):
                conn.execute("select events.cleanup_old_events(%s::integer)", [bad])
