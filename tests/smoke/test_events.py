"""Events module under real concurrency: what pgTAP, in one session, cannot show.

- 8 sessions ingesting the same idempotency keys at the same moment store each event once
  (single and batch ingest) and all get the first event's id;
- two processors routing at the same time create each delivery exactly once;
- a delivery worker that crashes (mid-transaction, or after claiming) loses its lease, and the
  delivery is delivered by another worker;
- ingest and routing wake listeners with NOTIFY.
Every loop is bounded in count and time.
"""
from __future__ import annotations

import json
import random
import threading
import time
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from conftest import act_as

WORKERS = 8
KEYS = 40
TIMEOUT = 30  # seconds, per test


def service(url: str) -> psycopg.Connection:
    return psycopg.connect(url, row_factory=dict_row)


def run_threads(target, count: int) -> list:
    """Run target(index) in `count` threads started together; return results, re-raise failures."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def wrap(i):
        try:
            barrier.wait(timeout=10)
            results[i] = target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a worker thread did not finish in time"
    if errors:
        raise errors[0]
    return results


def push_payload(n: int) -> str:
    return json.dumps({"ref": f"refs/heads/b{n}", "repository": {"full_name": "acme/api"}, "after": f"{n:040x}"})


def test_concurrent_duplicate_ingest_stores_each_event_once(test_url, tenant):
    org = tenant["organization_id"]
    keys = [f"delivery-{uuid.uuid4().hex[:8]}-{i}" for i in range(KEYS)]

    def single(i):
        order = keys[:]
        random.Random(i).shuffle(order)
        got = {}
        with service(test_url) as conn:
            for key in order:
                with conn.transaction():
                    act_as(conn, "service_role")
                    got[key] = conn.execute(
                        "select events.ingest_event(organization_id => %s, source => 'github', event_type => 'push',"
                        " payload => %s, idempotency_key => %s) as id",
                        [org, push_payload(i), key],
                    ).fetchone()["id"]
        return got

    results = run_threads(single, WORKERS)
    for key in keys:
        assert len({r[key] for r in results}) == 1, f"sessions got different ids for {key}"

    batch_keys = [f"batch-{uuid.uuid4().hex[:8]}-{i}" for i in range(KEYS)]

    def batch(i):
        order = batch_keys[:]
        random.Random(100 + i).shuffle(order)  # different order in every session: no deadlock allowed
        events = [{"source": "slack", "event_type": "message", "idempotency_key": k,
                   "payload": {"team_id": "T1", "event": {"session": i}}} for k in order]
        with service(test_url) as conn:
            with conn.transaction():
                act_as(conn, "service_role")
                ids = [r["id"] for r in conn.execute(
                    "select id from events.ingest_events(%s, %s) as id", [org, json.dumps(events)])]
        return dict(zip(order, ids))

    batch_results = run_threads(batch, WORKERS)
    for key in batch_keys:
        assert len({r[key] for r in batch_results}) == 1, f"batch sessions got different ids for {key}"

    with psycopg.connect(test_url) as conn:
        stored = conn.execute(
            "select idempotency_key, count(*) from events.events where organization_id = %s group by 1",
            [org]).fetchall()
        sources = conn.execute(
            "select (select count(*) from events.github_events where organization_id = %(o)s),"
            "       (select count(*) from events.slack_events where organization_id = %(o)s)", {"o": org}).fetchone()
    assert len(stored) == 2 * KEYS
    assert all(n == 1 for _, n in stored), "a key was stored more than once"
    assert sources == (KEYS, KEYS), "source tables hold one row per stored event"
    assert all(r[k] is not None for r in results for k in keys), "every session got an id for every key"


def test_two_concurrent_processors_create_each_delivery_once(test_url, tenant):
    org = tenant["organization_id"]
    events_count = 600
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute(
            "insert into events.event_subscriptions (organization_id, name, source, event_type_pattern, payload_filter,"
            " target_kind, target) values"
            " (%(o)s, 'archive', null, '*', '{}', 'handler', 'archive'),"
            " (%(o)s, 'ci', 'github', 'pu?h', '{}', 'queue', 'ci'),"
            " (%(o)s, 'api only', 'github', '*', '{\"repository\": {\"full_name\": \"acme/api\"}}', 'webhook',"
            "  'https://hooks.example/api')",
            {"o": org})
        events = [{"source": "github", "event_type": "push",
                   "payload": {"ref": "main", "repository": {"full_name": "acme/api" if n % 3 else "acme/web"}}}
                  for n in range(events_count)]
        with conn.transaction():
            act_as(conn, "service_role")
            conn.execute("select count(*) from events.ingest_events(%s, %s)", [org, json.dumps(events)])

    def processor(i):
        routed, runs, idle = 0, 0, 0
        deadline = time.monotonic() + TIMEOUT
        with service(test_url) as conn:
            while idle < 2 and runs < 1000 and time.monotonic() < deadline:
                with conn.transaction():
                    act_as(conn, "service_role")
                    n = conn.execute("select events.process_pending_events(batch_size => 20) as n").fetchone()["n"]
                runs += 1
                routed += n
                idle = idle + 1 if n == 0 else 0
        return routed

    routed = run_threads(processor, 2)
    expected = events_count * 2 + sum(1 for n in range(events_count) if n % 3)
    with psycopg.connect(test_url) as conn:
        deliveries, pairs, pending = conn.execute(
            "select count(*), count(distinct (event_id, subscription_id)),"
            "       (select count(*) from events.events where organization_id = %(o)s and status <> 'processed')"
            "  from events.event_deliveries where organization_id = %(o)s", {"o": org}).fetchone()
        routed_logs = conn.execute(
            "select count(*) from events.event_processing_logs where organization_id = %s and step = 'routed'",
            [org]).fetchone()[0]
    assert sum(routed) == events_count, f"processors routed {routed}, together not {events_count}"
    assert pending == 0
    assert deliveries == pairs == expected, "each event x matching subscription has exactly one delivery"
    assert routed_logs == events_count, "each event was routed once"


# Direct connections only: it kills the worker's server process by the pid the server reported,
# and behind a transaction-mode pooler that pid is the pooler's, not the server backend's.
@pytest.mark.direct_only
def test_crashed_delivery_worker_lease_is_recovered(test_url, tenant):
    org = tenant["organization_id"]
    with psycopg.connect(test_url, autocommit=True) as conn:
        conn.execute(
            "insert into events.event_subscriptions (organization_id, name, target_kind, target, lease_seconds)"
            " values (%s, 'slow queue', 'queue', 'slow', 1)", [org])
        with conn.transaction():
            act_as(conn, "service_role")
            conn.execute("select events.ingest_event(%s, 'deployment', 'succeeded',"
                         " '{\"environment\": \"prod\", \"version\": \"9.9\"}')", [org])
            conn.execute("select events.process_pending_events()")
        delivery_id = conn.execute(
            "select id from events.event_deliveries where organization_id = %s", [org]).fetchone()[0]

    def claim(conn, worker):
        with conn.transaction():
            act_as(conn, "service_role")
            return conn.execute("select id, attempts from events.claim_deliveries(%s, 1, array['queue'])",
                                [worker]).fetchone()

    # Crash 1: the worker dies inside its claiming transaction; the claim rolls back with it.
    crashing = service(test_url)
    crashing.execute("select set_config('request.jwt.claims', '{\"role\": \"service_role\"}', true)")
    crashing.execute("set local role service_role")
    assert crashing.execute("select id from events.claim_deliveries('crash-1', 1, array['queue'])").fetchone()
    with psycopg.connect(test_url, autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(%s)", [crashing.info.backend_pid])
    crashing.close()

    # Crash 2: the worker claims (committed), then dies without reporting.
    with service(test_url) as worker:
        row = claim(worker, "crash-2")
        assert row and row["id"] == delivery_id and row["attempts"] == 1, "the delivery was claimable after crash 1"

    with service(test_url) as other:
        assert claim(other, "rescuer") is None, "a leased delivery is not handed out twice"
        recovered, deadline = 0, time.monotonic() + 10
        while recovered == 0 and time.monotonic() < deadline:
            time.sleep(0.25)
            with other.transaction():
                act_as(other, "service_role")
                recovered = other.execute("select events.recover_expired_deliveries() as n").fetchone()["n"]
        assert recovered == 1, "the expired lease was recovered within its lease plus a few polls"
        row = claim(other, "rescuer")
        assert row and row["id"] == delivery_id and row["attempts"] == 2
        with other.transaction():
            act_as(other, "service_role")
            status = other.execute("select (events.complete_delivery(%s, %s, 'rescuer', '{\"ok\": true}')).status",
                                   [org, delivery_id]).fetchone()["status"]
        assert status == "succeeded"

    with service(test_url) as late:
        with pytest.raises(psycopg.Error) as err:
            with late.transaction():
                act_as(late, "service_role")
                late.execute("select events.complete_delivery(%s, %s, 'crash-2')", [org, delivery_id])
        assert err.value.sqlstate == "55000", "the crashed worker cannot report on a delivery it lost"


# LISTEN is session state: workers listen on a direct connection, never through a transaction
# pooler (README, Supabase section). So this one runs in the direct lane only.
@pytest.mark.direct_only
def test_ingest_and_routing_notify_listeners(test_url, tenant):
    org = tenant["organization_id"]
    with psycopg.connect(test_url, autocommit=True) as listener, psycopg.connect(test_url, autocommit=True) as conn:
        listener.execute("listen events_pending")
        listener.execute("listen event_deliveries_ready")
        conn.execute("insert into events.event_subscriptions (organization_id, name, target_kind, target)"
                     " values (%s, 'hooks', 'webhook', 'https://hooks.example/x')", [org])
        with conn.transaction():
            act_as(conn, "service_role")
            conn.execute("select events.ingest_event(%s, 'linear', 'issue', '{\"action\": \"create\", \"data\": {}}')", [org])
        with conn.transaction():
            act_as(conn, "service_role")
            conn.execute("select events.process_pending_events()")
        seen = set()
        deadline = time.monotonic() + 5
        for note in listener.notifies(timeout=5, stop_after=10):
            seen.add((note.channel, note.payload))
            if {("events_pending", ""), ("event_deliveries_ready", "")} <= seen or time.monotonic() > deadline:
                break
    # The payloads are empty: anyone may LISTEN, so a notification only means "poll now".
    assert ("events_pending", "") in seen, "ingest notifies events_pending with an empty payload"
    assert ("event_deliveries_ready", "") in seen, "routing notifies event_deliveries_ready with an empty payload"
    assert {payload for _, payload in seen} == {""}, f"no notification carries tenant data: {seen}"
