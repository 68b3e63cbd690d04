"""The tasks work queue under real concurrency: many sessions at once, as pgTAP cannot.

  * 8 workers drain thousands of tasks: every task is claimed exactly once;
  * concurrent enqueues with one idempotency key give one task;
  * two sessions adding the two halves of a dependency cycle: one is rejected;
  * a worker that stops heartbeating loses its task to lease recovery, and another worker runs it;
  * tasks finishing at the same moment release shared dependants and end their workflow exactly once;
  * a claim never waits for a workflow row another session holds, and the workflow still starts;
  * enqueue wakes a LISTENing worker.
Every worker call runs in its own transaction as service_role (act_as), like a worker behind
PostgREST or a pooler.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter

import psycopg
import pytest
from psycopg.rows import dict_row

from conftest import act_as

WORKERS = 8


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


def call(conn: psycopg.Connection, sql: str, params=None, role: str = "service_role", claims: dict | None = None):
    """One transaction as `role`: run `sql`, return its rows."""
    with conn.transaction():
        act_as(conn, role, claims)
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def run_threads(count: int, target, timeout: float = 30.0) -> list:
    """Run target(i) in `count` threads; return their results, re-raising the first error."""
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = target(i)
        except BaseException as e:  # noqa: BLE001 - re-raised below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"threads still running after {timeout} s"
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def queue(test_url, tenant):
    """A definition on a queue of its own in the test tenant; returns (org, definition name, queue)."""
    org = tenant["organization_id"]
    name = f"smoke-{uuid.uuid4().hex[:8]}"
    with connect(test_url) as conn:
        conn.execute("""insert into tasks.task_definitions (organization_id, name, queue_name, max_attempts, lease_duration, backoff_base)
                        values (%s, %s, %s, 3, interval '1 second', interval '0')""", [org, name, name])
    yield org, name, name
    with connect(test_url) as conn:  # the tenant fixture deletes the rest with the organization
        conn.execute("delete from tasks.tasks where organization_id = %s", [org])


def test_eight_workers_drain_thousands_of_tasks_without_double_claims(test_url, queue):
    org, definition, queue_name = queue
    total = 3000
    with connect(test_url) as conn:
        ids = [r["id"] for r in call(conn, """
            select t.id from generate_series(1, 3) as b(b),
                 lateral tasks.enqueue_tasks(organization_id => %s, definition_name => %s,
                                             payloads => array(select jsonb_build_object('batch', b.b, 'n', g)
                                                                 from generate_series(1, 1000) as g)) as t""",
                                     [org, definition])]
    assert len(ids) == total

    def worker(i: int) -> list:
        name = f"worker-{i}"
        claimed: list = []
        deadline = time.monotonic() + 40
        with connect(test_url) as conn:
            while time.monotonic() < deadline:
                rows = call(conn, "select organization_id, id, worker_id, attempts from tasks.claim_tasks(worker_id => %s, max_tasks => %s, queue_names => %s)",
                            [name, random.choice([1, 1, 5, 20]), [queue_name]])
                if not rows:
                    return claimed
                assert all(r["worker_id"] == name and r["attempts"] == 1 for r in rows)
                claimed.extend(r["id"] for r in rows)
                if i % 2:
                    done = call(conn, "select id from tasks.complete_tasks(worker_id => %s, task_ids => %s)",
                                [name, [r["id"] for r in rows]])
                    assert len(done) == len(rows)
                else:
                    for r in rows:
                        call(conn, "select id from tasks.complete_task(organization_id => %s, task_id => %s, worker_id => %s)",
                             [r["organization_id"], r["id"], name])
        raise AssertionError(f"{name} did not finish within 40 s")

    per_worker = run_threads(WORKERS, worker, timeout=50)
    claims = Counter(task_id for claimed in per_worker for task_id in claimed)
    assert [t for t, n in claims.items() if n > 1] == [], "a task was handed to two workers"
    assert set(claims) == set(ids), "every task was claimed"
    assert sum(1 for claimed in per_worker if claimed) > 1, "the work was shared between workers"
    with connect(test_url) as conn:
        row = conn.execute("""select count(*) filter (where status = 'succeeded' and attempts = 1) as succeeded,
                                     count(*) as finished
                                from tasks.task_history where organization_id = %s and queue_name = %s""",
                           [org, queue_name]).fetchone()
        left = conn.execute("select count(*) as n from tasks.tasks where queue_name = %s", [queue_name]).fetchone()["n"]
    assert row == {"succeeded": total, "finished": total}
    assert left == 0


def test_concurrent_duplicate_enqueues_give_one_task(test_url, queue, tenant):
    org, definition, _ = queue
    key = f"deploy-{uuid.uuid4().hex}"
    barrier = threading.Barrier(WORKERS)

    def enqueue(i: int):
        with connect(test_url) as conn:
            with conn.transaction():
                act_as(conn, "authenticated", {"sub": str(tenant["member_id"])})
                barrier.wait(timeout=10)
                row = conn.execute("select id from tasks.enqueue_task(organization_id => %s, definition_name => %s, idempotency_key => %s, payload => %s)",
                                   [org, definition, key, f'{{"caller": {i}}}']).fetchone()
                time.sleep(0.2)  # keep the transaction open while the others arrive
            return row["id"]

    ids = run_threads(WORKERS, enqueue)
    assert len(set(ids)) == 1, f"the enqueues returned {len(set(ids))} different tasks"
    with connect(test_url) as conn:
        n = conn.execute("select count(*) as n from tasks.all_tasks where organization_id = %s and idempotency_key = %s",
                         [org, key]).fetchone()["n"]
    assert n == 1


@pytest.mark.parametrize("isolation", ["read committed", "repeatable read", "serializable"])
def test_concurrent_halves_of_a_cycle_are_rejected(test_url, queue, isolation):
    org, definition, _ = queue
    with connect(test_url) as conn:
        a, b = (call(conn, "select id from tasks.enqueue_task(organization_id => %s, definition_name => %s)", [org, definition])[0]["id"]
                for _ in range(2))
    barrier = threading.Barrier(2)
    edges = [(a, b), (b, a)]

    def add_edge(i: int):
        task_id, depends_on = edges[i]
        with connect(test_url) as conn:
            try:
                with conn.transaction():
                    conn.execute(f"set transaction isolation level {isolation}")
                    act_as(conn, "service_role")
                    barrier.wait(timeout=10)
                    conn.execute("insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%s, %s, %s)",
                                 [org, task_id, depends_on])
                    time.sleep(0.3)  # both inserts are in flight together
                return "ok"
            except psycopg.Error as e:
                return e.sqlstate

    outcomes = sorted(run_threads(2, add_edge))
    # READ COMMITTED: the second waits for the first, then sees its edge (23514). REPEATABLE READ and
    # SERIALIZABLE: the second cannot re-read, so it fails with 40001 (retry) rather than check an
    # old snapshot; SERIALIZABLE may also reach 23514 first.
    expected = {"read committed": [["23514", "ok"]], "repeatable read": [["40001", "ok"]],
                "serializable": [["23514", "ok"], ["40001", "ok"]]}[isolation]
    assert outcomes in expected, f"two halves of a cycle gave {outcomes}"
    with connect(test_url) as conn:
        n = conn.execute("select count(*) as n from tasks.task_dependencies where task_id in (%s, %s)", [a, b]).fetchone()["n"]
        blocked = conn.execute("select count(*) as n from tasks.tasks where id in (%s, %s) and status = 'blocked'", [a, b]).fetchone()["n"]
    assert (n, blocked) == (1, 1), "exactly one edge, and one blocked task, remain"


def test_a_worker_that_stops_heartbeating_loses_its_task(test_url, queue):
    org, definition, queue_name = queue  # lease_duration 1 second
    with connect(test_url) as conn:
        task = call(conn, "select id from tasks.enqueue_task(organization_id => %s, definition_name => %s)", [org, definition])[0]["id"]
    with connect(test_url) as crashed, connect(test_url) as healthy, connect(test_url) as scheduler:
        claimed = call(crashed, "select id, locked_until from tasks.claim_tasks(worker_id => 'crashed', queue_names => %s)", [[queue_name]])
        assert [r["id"] for r in claimed] == [task]
        call(crashed, "select tasks.heartbeat_task(organization_id => %s, task_id => %s, worker_id => 'crashed')", [org, task])
        assert call(scheduler, "select tasks.recover_expired_leases() as n")[0]["n"] == 0, "a fresh lease is not recovered"

        # The worker goes silent; the scheduler runs every 0.2 s until the lease has expired.
        deadline = time.monotonic() + 5
        recovered = 0
        while not recovered and time.monotonic() < deadline:
            time.sleep(0.2)
            recovered = call(scheduler, "select tasks.recover_expired_leases() as n")[0]["n"]
        assert recovered == 1, "the expired lease was recovered within 5 s"

        rerun = call(healthy, "select id, attempts from tasks.claim_tasks(worker_id => 'healthy', queue_names => %s)", [[queue_name]])
        assert rerun == [{"id": task, "attempts": 2}], "another worker runs it again, the lost attempt counted"
        for sql in ("select tasks.heartbeat_task(organization_id => %s, task_id => %s, worker_id => 'crashed')",
                    "select tasks.complete_task(organization_id => %s, task_id => %s, worker_id => 'crashed')"):
            with pytest.raises(psycopg.Error) as e:
                call(crashed, sql, [org, task])
            assert e.value.sqlstate == "55000"
        call(healthy, "select tasks.complete_task(organization_id => %s, task_id => %s, worker_id => 'healthy')", [org, task])
    with connect(test_url) as conn:
        row = conn.execute("select status, worker_id, attempts from tasks.task_history where id = %s", [task]).fetchone()
    assert row == {"status": "succeeded", "worker_id": "healthy", "attempts": 2}


def test_heartbeats_keep_a_long_task_leased(test_url, queue):
    org, definition, queue_name = queue  # lease_duration 1 second
    with connect(test_url) as worker, connect(test_url) as scheduler:
        task = call(worker, "select id from tasks.enqueue_task(organization_id => %s, definition_name => %s)", [org, definition])[0]["id"]
        call(worker, "select id from tasks.claim_tasks(worker_id => 'steady', queue_names => %s)", [[queue_name]])
        for _ in range(6):  # 1.8 s of work, heartbeating every 0.3 s
            time.sleep(0.3)
            call(worker, "select tasks.heartbeat_task(organization_id => %s, task_id => %s, worker_id => 'steady')", [org, task])
            assert call(scheduler, "select tasks.recover_expired_leases() as n")[0]["n"] == 0
        done = call(worker, "select status from tasks.complete_task(organization_id => %s, task_id => %s, worker_id => 'steady')", [org, task])
    assert done == [{"status": "succeeded"}]


def test_simultaneous_completions_release_dependants_and_end_the_workflow_once(test_url, queue):
    org, definition, queue_name = queue
    with connect(test_url) as conn:
        with conn.transaction():
            act_as(conn, "service_role")
            workflow = conn.execute("insert into tasks.workflows (organization_id, name) values (%s, 'fan-in') returning id",
                                    [org]).fetchone()["id"]
            roots = [conn.execute("select id from tasks.enqueue_task(organization_id => %s, definition_name => %s, workflow_id => %s)",
                                  [org, definition, workflow]).fetchone()["id"] for _ in range(WORKERS)]
            joins = [conn.execute("select id from tasks.enqueue_task(organization_id => %s, definition_name => %s, workflow_id => %s, depends_on => %s)",
                                  [org, definition, workflow, roots]).fetchone()["id"] for _ in range(5)]
        claimed = call(conn, "select organization_id, id from tasks.claim_tasks(worker_id => 'pool', max_tasks => 50, queue_names => %s)",
                       [[queue_name]])
    assert sorted(r["id"] for r in claimed) == sorted(roots), "only the roots are ready"
    barrier = threading.Barrier(WORKERS)

    def complete(i: int):
        with connect(test_url) as conn:
            barrier.wait(timeout=10)
            return call(conn, "select status from tasks.complete_task(organization_id => %s, task_id => %s, worker_id => 'pool')",
                        [org, roots[i]])[0]["status"]

    assert run_threads(WORKERS, complete) == ["succeeded"] * WORKERS
    with connect(test_url) as conn:
        states = conn.execute("select status, pending_dependencies from tasks.tasks where id = any(%s)", [joins]).fetchall()
        assert states == [{"status": "pending", "pending_dependencies": 0}] * 5, "each join was released exactly once"
        assert conn.execute("select status from tasks.workflows where id = %s", [workflow]).fetchone()["status"] == "running"
        rows = call(conn, "select organization_id, id from tasks.claim_tasks(worker_id => 'pool', max_tasks => 50, queue_names => %s)",
                    [[queue_name]])

    def finish(i: int):
        with connect(test_url) as conn:
            return call(conn, "select status from tasks.complete_task(organization_id => %s, task_id => %s, worker_id => 'pool')",
                        [org, rows[i]["id"]])[0]["status"]

    assert run_threads(len(rows), finish) == ["succeeded"] * 5
    with connect(test_url) as conn:
        status = conn.execute("select status from tasks.workflows where id = %s", [workflow]).fetchone()["status"]
    assert status == "succeeded", "the last completions, at the same moment, ended the workflow"


def test_a_claim_never_waits_for_a_workflow_row_another_session_holds(test_url, queue):
    org, definition, queue_name = queue
    with connect(test_url) as conn:
        with conn.transaction():
            act_as(conn, "service_role")
            workflow = conn.execute("insert into tasks.workflows (organization_id, name) values (%s, 'held') returning id",
                                    [org]).fetchone()["id"]
            first, second = (conn.execute("select id from tasks.enqueue_task(organization_id => %s, definition_name => %s, workflow_id => %s)",
                                          [org, definition, workflow]).fetchone()["id"] for _ in range(2))
    with connect(test_url) as holder, connect(test_url) as worker:
        # Another session holds the workflow row (as cancel_workflow or a finishing task would).
        holder.execute("begin")
        act_as(holder, "service_role")
        holder.execute("select 1 from tasks.workflows where id = %s for no key update", [workflow])
        started = time.monotonic()
        with worker.transaction():
            act_as(worker, "service_role")
            worker.execute("set local lock_timeout = '2s'")  # a wait would fail with 55P03, not hang
            claimed = worker.execute("select id, status from tasks.claim_tasks(worker_id => 'w', max_tasks => 1, queue_names => %s)",
                                     [[queue_name]]).fetchall()
        waited = time.monotonic() - started
        assert claimed == [{"id": first, "status": "running"}], "the task is claimed while its workflow row is held"
        assert waited < 1.0, f"the claim waited {waited:.2f} s for the workflow row"
        holder.execute("rollback")
        assert worker.execute("select status from tasks.workflows where id = %s", [workflow]).fetchone()["status"] == "pending", \
            "the held workflow was skipped, not waited for"
        # Its next claim starts it.
        assert call(worker, "select id from tasks.claim_tasks(worker_id => 'w', max_tasks => 1, queue_names => %s)",
                    [[queue_name]]) == [{"id": second}]
        row = worker.execute("select status, started_at is not null as started from tasks.workflows where id = %s",
                             [workflow]).fetchone()
    assert row == {"status": "running", "started": True}


# LISTEN is session state: workers listen on a direct connection, never through a transaction
# pooler (README, Supabase section). So this one runs in the direct lane only.
@pytest.mark.direct_only
def test_enqueue_wakes_a_listening_worker(test_url, queue):
    org, definition, queue_name = queue
    with psycopg.connect(test_url, autocommit=True) as listener, connect(test_url) as producer:
        listener.execute("listen tasks_ready")
        call(producer, "select id from tasks.enqueue_task(organization_id => %s, definition_name => %s)", [org, definition])
        payloads = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
    assert payloads == [""], "tasks_ready carries no tenant data: an empty payload means poll now"
