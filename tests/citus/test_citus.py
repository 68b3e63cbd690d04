"""The API paths through a Citus coordinator, as the API roles (scripts/citus.sh test).

Skipped unless PLATFORM_CITUS_URL names a Citus coordinator with the package deployed and
distributed (citus/distribute) and the API roles able to log in on the workers; the Citus lane
sets it and fails when anything here is skipped.

Identity on Citus: the JWT claims are set with SET LOCAL after
`SET LOCAL citus.propagate_set_commands = 'local'`, so that they reach the workers, where the
policies run; the role is set with set_config('role', ..., true), which is not propagated, so that
Citus opens its worker connections as that role outside SECURITY DEFINER functions and as their
owner inside them. `set_config('request.jwt.claims', ..., true)` alone (PostgREST's form) does not
reach the workers: policies there see no user (test_set_config_claims_do_not_reach_workers).

Paths that do not work on Citus yet are strict xfails carrying Citus' exact error, so that the
lane records them and turns red the day one starts to work (then make it a plain test).
"""
from __future__ import annotations

import datetime
import json
import time
import uuid
from decimal import Decimal

import psycopg
import pytest

from citus_helpers import act_as, connect, make_people, partitions_made_here_dropped, requires_citus

pytestmark = requires_citus




@pytest.fixture(scope="module")
def tenant():
    """Two users, an organization each (created through the API as the user), a project."""
    return make_people(("alice", "bob"), ("alice", "bob"), "org")


def test_distribution_is_complete():
    with connect() as conn:
        missing = conn.execute("""
            select c.oid::regclass::text as t from pg_class c
             where c.relnamespace::regnamespace::text in ('base','internal','projects','tasks','analytics','prompts','events')
               and c.relkind in ('r','p') and not c.relispartition
               and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'organization_id')
               and not exists (select from pg_dist_partition p where p.logicalrelid = c.oid)""").fetchall()
        assert missing == []


def test_user_creates_and_reads_organization_through_the_coordinator(tenant):
    with connect() as conn:
        act_as(conn, "authenticated", *tenant["alice"])
        orgs = [r["id"] for r in conn.execute("select id from base.organizations").fetchall()]
        assert orgs == [tenant["alice_org"]]
        roles = conn.execute("select role::text from base.organization_members where organization_id = %s",
                             [tenant["alice_org"]]).fetchall()
        assert [r["role"] for r in roles] == ["owner"]


def test_set_config_claims_do_not_reach_workers(tenant):
    """PostgREST's set_config form: the coordinator sees the user, the workers' policies do not."""
    with connect() as conn:
        conn.execute("select set_config('request.jwt.claims', %s, true)",
                     [json.dumps({"sub": str(tenant["alice"][0]), "role": "authenticated"})])
        conn.execute("select set_config('role', 'authenticated', true)")
        assert conn.execute("select base.current_user_id() as u").fetchone()["u"] == tenant["alice"][0]
        assert conn.execute("select count(*) as n from base.organization_members").fetchone()["n"] == 0


def test_member_writes_projects_and_tenants_are_isolated(tenant):
    with connect() as conn:
        act_as(conn, "authenticated", *tenant["alice"])
        row = conn.execute("insert into projects.projects (organization_id, name, slug) values (%s, 'Apollo', 'apollo') returning id",
                           [tenant["alice_org"]]).fetchone()
        assert row["id"]
        conn.commit()
    with connect() as conn:
        act_as(conn, "authenticated", *tenant["bob"])
        assert conn.execute("select count(*) as n from projects.projects where organization_id = %s",
                            [tenant["alice_org"]]).fetchone()["n"] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into projects.projects (organization_id, name, slug) values (%s, 'Intruder', 'intruder')",
                         [tenant["alice_org"]])
    with connect() as conn:
        act_as(conn, "authenticated", *tenant["alice"])
        names = [r["name"] for r in conn.execute("select name from projects.projects").fetchall()]
        assert names == ["Apollo"]


def test_audit_rows_name_the_logical_table(tenant):
    with connect() as conn:
        names = {r["table_name"] for r in conn.execute(
            "select distinct table_name from base.audit_log where organization_id = %s", [tenant["alice_org"]]).fetchall()}
        assert names and all(not n.rsplit("_", 1)[-1].isdigit() for n in names), names


@pytest.fixture(scope="module")
def task_definition(tenant):
    with connect(autocommit=True) as conn:
        conn.execute("insert into tasks.task_definitions (organization_id, name) values (%s, 'build')", [tenant["alice_org"]])
    return "build"


def test_service_role_enqueues_a_task(tenant, task_definition):
    with connect() as conn:
        act_as(conn, "service_role")
        task = conn.execute("select id, status from tasks.enqueue_task(%s, %s, '{\"n\": 1}'::jsonb)",
                            [tenant["alice_org"], task_definition]).fetchone()
        assert task["status"] == "pending"


def test_enqueue_with_idempotency_key_returns_the_same_task(tenant, task_definition):
    with connect() as conn:
        act_as(conn, "service_role")
        first = conn.execute("select id from tasks.enqueue_task(%s, %s, idempotency_key => 'k1')",
                             [tenant["alice_org"], task_definition]).fetchone()["id"]
        conn.commit()
        act_as(conn, "service_role")
        again = conn.execute("select id from tasks.enqueue_task(%s, %s, idempotency_key => 'k1')",
                             [tenant["alice_org"], task_definition]).fetchone()["id"]
        assert again == first


def test_claim_and_complete_task(tenant, task_definition):
    with connect() as conn:
        act_as(conn, "service_role")
        conn.execute("select tasks.enqueue_task(%s, %s)", [tenant["alice_org"], task_definition])
        conn.commit()
        act_as(conn, "service_role")
        claimed = conn.execute("select organization_id, id, status, worker_id, locked_until - now() as lease "
                               "from tasks.claim_tasks('w1', 1)").fetchall()
        assert len(claimed) == 1
        assert (claimed[0]["status"], claimed[0]["worker_id"]) == ("running", "w1")
        assert claimed[0]["lease"] == datetime.timedelta(minutes=5)
        conn.commit()
        act_as(conn, "service_role")
        done = conn.execute("select status from tasks.complete_task(%s, %s, 'w1')",
                            [claimed[0]["organization_id"], claimed[0]["id"]]).fetchone()
        assert done["status"] == "succeeded"


@pytest.fixture(scope="module")
def ten_tenants():
    """Ten organizations, each with a definition on queue q-fair, created by their owners."""
    orgs = []
    with connect(autocommit=True) as conn:
        users = []
        for n in range(10):
            uid = uuid.uuid4()
            conn.execute("insert into base.users (id, email, display_name) values (%s, %s, %s)",
                         [uid, f"fair{n}-{uid.hex[:8]}@example.test", f"fair{n}"])
            users.append(uid)
    for n, uid in enumerate(users):
        with connect() as conn:
            act_as(conn, "authenticated", uid)
            orgs.append(conn.execute("select id from base.create_organization(%s, %s)",
                                     [f"Fair {n}", f"fair-{n}-{uid.hex[:8]}"]).fetchone()["id"])
    with connect(autocommit=True) as conn:
        for org in orgs:
            conn.execute("insert into tasks.task_definitions (organization_id, name, queue_name) values (%s, 'job', 'q-fair')", [org])
    return orgs


def test_claims_are_fair_across_organizations(ten_tenants):
    """The skewed queue of the issue: one tenant with 100 times the backlog of nine others, at the
    highest priority. Each claim of 10 serves all ten tenants, one task each."""
    big, small = ten_tenants[0], ten_tenants[1:]
    with connect() as conn:
        act_as(conn, "service_role")
        conn.execute("select count(*) from tasks.enqueue_tasks(%s, 'job', array(select '{}'::jsonb from generate_series(1, 300)), 1000)", [big])
        for org in small:
            conn.execute("select count(*) from tasks.enqueue_tasks(%s, 'job', array['{}', '{}', '{}']::jsonb[], -1000)", [org])
        conn.commit()
        got = []
        for _ in range(3):
            act_as(conn, "service_role")
            got.append([r["organization_id"] for r in conn.execute("select organization_id from tasks.claim_tasks('fair', 10, array['q-fair'])")])
            conn.commit()
    assert [len(set(claim)) for claim in got] == [10, 10, 10]
    assert sorted(sum(got, [])) == sorted([big] * 3 + small * 3)
    with connect() as conn:
        left = conn.execute("select count(*) filter (where organization_id <> %s) as small, count(*) as every "
                            "from tasks.tasks where queue_name = 'q-fair' and status = 'pending'", [big]).fetchone()
        assert (left["small"], left["every"]) == (0, 297)


def test_enqueue_refuses_an_infinite_scheduled_at(tenant, task_definition):
    with connect() as conn:
        act_as(conn, "service_role")
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="scheduled_at must be a finite time"):
            conn.execute("select tasks.enqueue_task(%s, %s, scheduled_at => '-infinity')", [tenant["alice_org"], task_definition])


def worker_shards_locked(conn: psycopg.Connection, gpid: int) -> list[str]:
    """The tasks shards the workers hold a write or row lock on (any lock stronger than the
    AccessShareLock every read takes) for the distributed transaction of gpid."""
    rows = conn.execute("""
        select result from run_command_on_workers(format($$
          select coalesce(string_agg(distinct c.relname, ',' order by c.relname), '')
            from pg_locks as l
            join pg_class as c on c.oid = l.relation
            join pg_stat_activity as a on a.pid = l.pid
           where a.application_name = 'citus_internal gpid=%%s' and c.relname ~ '^tasks_[0-9]+$'
             and l.mode <> 'AccessShareLock'$$, %s::bigint))""",
                        [gpid]).fetchall()
    return sorted(name for r in rows for name in r["result"].split(",") if name)


def test_claim_locks_only_the_shards_of_the_tenants_it_serves(ten_tenants):
    """A claim is one single-shard statement per organization served: while a worker holds its claim
    of one tenant's task, the workers hold a row or write lock on that tenant's shard of tasks only
    (finding the tenants with ready work reads every shard, as any SELECT), and another
    worker claims another tenant's task without waiting."""
    a, b = ten_tenants[1], ten_tenants[2]
    with connect(autocommit=True) as conn:
        conn.execute("insert into tasks.task_definitions (organization_id, name, queue_name) values (%s, 'only-a', 'q-lock-a'), "
                     "(%s, 'only-b', 'q-lock-b')", [a, b])
        with conn.transaction():
            act_as(conn, "service_role")
            conn.execute("select tasks.enqueue_task(%s, 'only-a')", [a])
            conn.execute("select tasks.enqueue_task(%s, 'only-b')", [b])
    with connect() as holder, connect() as other, connect() as observer:
        act_as(holder, "service_role")
        assert [r["organization_id"] for r in holder.execute("select organization_id from tasks.claim_tasks('hold', 1, array['q-lock-a'])")] == [a]
        gpid = holder.execute("select citus_backend_gpid() as g").fetchone()["g"]
        shard_of_a = observer.execute("select format('tasks_%%s', get_shard_id_for_distribution_column('tasks.tasks', %s)) as s",
                                      [a]).fetchone()["s"]
        assert worker_shards_locked(observer, gpid) == [shard_of_a]
        act_as(other, "service_role")
        other.execute("set local lock_timeout = '2s'")
        assert [r["organization_id"] for r in other.execute("select organization_id from tasks.claim_tasks('other', 1, array['q-lock-b'])")] == [b]
        other.commit()
        holder.commit()


@pytest.fixture
def running_task(tenant, task_definition):
    """A task leased to worker w1. The owner sets the lease, as claim_tasks would, so that the test
    holds this very task (a claim takes whichever ready task its turn gives)."""
    with connect(autocommit=True) as conn:
        with conn.transaction():
            act_as(conn, "service_role")
            task = conn.execute("select id from tasks.enqueue_task(%s, %s)", [tenant["alice_org"], task_definition]).fetchone()["id"]
        conn.execute("update tasks.tasks set status = 'running', worker_id = 'w1', attempts = 1, heartbeat_at = now(), "
                     "started_at = now(), locked_until = now() + interval '5 minutes' where organization_id = %s and id = %s",
                     [tenant["alice_org"], task])
    return tenant["alice_org"], task


def test_complete_task(running_task):
    with connect() as conn:
        act_as(conn, "service_role")
        assert conn.execute("select status from tasks.complete_task(%s, %s, 'w1')", list(running_task)).fetchone()["status"] == "succeeded"


def lease(conn: psycopg.Connection, organization_id, definition: str, worker: str) -> uuid.UUID:
    """Enqueues a task and leases it to a worker, as claim_tasks would: the owner sets the lease, so
    that the test holds this very task."""
    with conn.transaction():
        act_as(conn, "service_role")
        task = conn.execute("select id from tasks.enqueue_task(%s, %s)", [organization_id, definition]).fetchone()["id"]
    conn.execute("update tasks.tasks set status = 'running', worker_id = %s, attempts = 1, heartbeat_at = now(), "
                 "started_at = now(), locked_until = now() + interval '5 minutes' where organization_id = %s and id = %s",
                 [worker, organization_id, task])
    return task


def run_as_worker(conn: psycopg.Connection, organization_id, task_id, worker: str) -> None:
    """Leases a queued task to a worker, as claim_tasks would (the owner sets the lease)."""
    conn.execute("update tasks.tasks set status = 'running', worker_id = %s, attempts = 1, heartbeat_at = now(), "
                 "started_at = now(), locked_until = now() + interval '5 minutes' where organization_id = %s and id = %s",
                 [worker, organization_id, task_id])
    conn.commit()


def test_dependants_are_released_and_the_workflow_finishes(tenant, task_definition):
    """Completing a task releases the task that depends on it, and the workflow of both runs and
    then succeeds. Both updates called now() inside CASE/COALESCE, which Citus refuses in an
    UPDATE ("non-IMMUTABLE functions are not allowed in CASE or COALESCE statements")."""
    org = tenant["alice_org"]
    with connect() as conn:
        workflow = conn.execute("insert into tasks.workflows (organization_id, name) values (%s, 'release') returning id",
                                [org]).fetchone()["id"]
        conn.commit()
        act_as(conn, "service_role")
        first = conn.execute("select id from tasks.enqueue_task(%s, %s, workflow_id => %s)",
                             [org, task_definition, workflow]).fetchone()["id"]
        second = conn.execute("select id, status from tasks.enqueue_task(%s, %s, depends_on => array[%s]::uuid[], workflow_id => %s)",
                              [org, task_definition, first, workflow]).fetchone()
        assert second["status"] == "blocked"
        conn.commit()
        for task, expected in ((first, "running"), (second["id"], "succeeded")):
            run_as_worker(conn, org, task, "w-flow")
            act_as(conn, "service_role")
            assert conn.execute("select status from tasks.complete_task(%s, %s, 'w-flow')", [org, task]).fetchone()["status"] == "succeeded"
            conn.commit()
            flow = conn.execute("select status, started_at is not null as started, finished_at is not null as finished "
                                "from tasks.workflows where organization_id = %s and id = %s", [org, workflow]).fetchone()
            assert flow["status"] == expected, flow
            if task == first:
                released = conn.execute("select status from tasks.tasks where organization_id = %s and id = %s",
                                        [org, second["id"]]).fetchone()["status"]
                assert released == "pending"
        assert flow == {"status": "succeeded", "started": True, "finished": True}


def test_complete_tasks_batch_across_organizations(tenant, task_definition):
    """One worker's batch holds tasks of two organizations: each organization's tasks move to the
    history in one single-shard statement, with the result given for each."""
    with connect(autocommit=True) as conn:
        conn.execute("insert into tasks.task_definitions (organization_id, name) values (%s, 'batch') "
                     "on conflict do nothing", [tenant["bob_org"]])
        tasks = [(tenant["alice_org"], lease(conn, tenant["alice_org"], task_definition, "wb")) for _ in range(2)]
        tasks.append((tenant["bob_org"], lease(conn, tenant["bob_org"], "batch", "wb")))
        with conn.transaction():
            act_as(conn, "service_role")
            done = conn.execute("select organization_id, id, status, result from tasks.complete_tasks('wb', %s, %s::jsonb[])",
                                [[t for _, t in tasks], [json.dumps({"n": i}) for i in range(3)]]).fetchall()
        assert sorted((d["organization_id"], d["id"], d["status"], d["result"]["n"]) for d in done) == \
            sorted((o, t, "succeeded", i) for i, (o, t) in enumerate(tasks))
        left = conn.execute("select count(*) as n from tasks.tasks where worker_id = 'wb'").fetchone()["n"]
        assert left == 0


def test_cancel_task_cancels_its_dependants(tenant, task_definition):
    """Cancelling a task moves it and the task depending on it to the history, as cancelled, the
    dependant naming its cause."""
    with connect() as conn:
        act_as(conn, "service_role")
        root = conn.execute("select id from tasks.enqueue_task(%s, %s)", [tenant["alice_org"], task_definition]).fetchone()["id"]
        child = conn.execute("select id, status from tasks.enqueue_task(%s, %s, depends_on => %s)",
                             [tenant["alice_org"], task_definition, [root]]).fetchone()
        assert child["status"] == "blocked"
        conn.execute("select tasks.cancel_task(%s, %s, 'not needed')", [tenant["alice_org"], root])
        # A new transaction: the definer functions wrote the shard as the owner (docs/citus.md).
        conn.commit()
        act_as(conn, "service_role")
        rows = conn.execute("select id, status, cause_task_id, cancellation_reason from tasks.task_history "
                            "where organization_id = %s and id = any (%s) order by id",
                            [tenant["alice_org"], [root, child["id"]]]).fetchall()
        assert [(r["id"], r["status"], r["cause_task_id"]) for r in rows] == \
            sorted([(root, "cancelled", None), (child["id"], "cancelled", root)])


def test_heartbeat_task(running_task):
    """The lease holder extends its lease to now() + lease_duration; another worker gets 55000."""
    with connect() as conn:
        act_as(conn, "service_role")
        row = conn.execute("select tasks.heartbeat_task(%s, %s, 'w1') as until, now() as now", list(running_task)).fetchone()
        task = conn.execute("select lease_duration, locked_until from tasks.tasks where organization_id = %s and id = %s",
                            list(running_task)).fetchone()
        assert row["until"] == task["locked_until"] == row["now"] + task["lease_duration"]
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
            conn.execute("select tasks.heartbeat_task(%s, %s, 'w2')", list(running_task))


def test_fail_task_schedules_a_retry_then_fails(running_task):
    """A failure with attempts left schedules the retry after the backoff (half a second to a
    second for the first retry of the default definition); once due, claim_tasks promotes and
    leases it again; the last failure ends the task failed."""
    with connect() as conn:
        act_as(conn, "service_role")
        row = conn.execute("select t.status, t.scheduled_at - now() as delay, t.last_error "
                           "from tasks.fail_task(%s, %s, 'w1', 'boom', true) as t", list(running_task)).fetchone()
        assert row["status"] == "scheduled" and row["last_error"] == "boom"
        assert datetime.timedelta(seconds=0.5) <= row["delay"] <= datetime.timedelta(seconds=1)
        conn.commit()
        # Once due, a claim promotes it (scheduled -> pending) and leases it again (running).
        time.sleep(max(0.0, row["delay"].total_seconds()) + 0.1)
        act_as(conn, "service_role")
        claimed = conn.execute("select id, attempts from tasks.claim_tasks('w1', 1000, array['default'])").fetchall()
        assert {"id": running_task[1], "attempts": 2} in claimed
        conn.commit()
        # Its last attempt (the owner skips the third claim).
        conn.execute("update tasks.tasks set attempts = max_attempts where organization_id = %s and id = %s", list(running_task))
        conn.commit()
        act_as(conn, "service_role")
        row = conn.execute("select status, last_error from tasks.fail_task(%s, %s, 'w1', 'boom again', true)",
                           list(running_task)).fetchone()
        assert (row["status"], row["last_error"]) == ("failed", "boom again")


def test_recover_expired_leases_across_organizations(tenant, task_definition):
    """Expired leases of two organizations go back to the queue (the attempt counted, last_error
    naming the worker), one single-shard statement per organization; a live lease stays."""
    with connect(autocommit=True) as conn:
        conn.execute("insert into tasks.task_definitions (organization_id, name) values (%s, 'batch') "
                     "on conflict do nothing", [tenant["bob_org"]])
        expired = [(tenant["alice_org"], lease(conn, tenant["alice_org"], task_definition, "gone")),
                   (tenant["bob_org"], lease(conn, tenant["bob_org"], "batch", "gone"))]
        alive = lease(conn, tenant["alice_org"], task_definition, "alive")
        for org, task in expired:
            conn.execute("update tasks.tasks set locked_until = now() - interval '1 minute' "
                         "where organization_id = %s and id = %s", [org, task])
        with conn.transaction():
            act_as(conn, "service_role")
            assert conn.execute("select tasks.recover_expired_leases() as n").fetchone()["n"] >= 2
        rows = conn.execute("select id, status, worker_id, last_error from tasks.tasks where id = any(%s)",
                            [[t for _, t in expired] + [alive]]).fetchall()
        state = {r["id"]: r for r in rows}
        for _, task in expired:
            assert (state[task]["status"], state[task]["worker_id"]) == ("pending", None)
            assert state[task]["last_error"].startswith("lease expired: worker gone did not complete the task or heartbeat before ")
        assert (state[alive]["status"], state[alive]["worker_id"]) == ("running", "alive")


def deploy_event(conn: psycopg.Connection, organization_id, version: str) -> uuid.UUID:
    with conn.transaction():
        act_as(conn, "service_role")
        return conn.execute("select events.ingest_event(%s, 'deployment', 'succeeded', %s::jsonb) as id",
                            [organization_id, json.dumps({"environment": "prod", "version": version})]
                            ).fetchone()["id"]


@pytest.fixture(scope="module")
def event_queues(tenant):
    """A queue subscription to deployments in each of the two organizations (inserted by the owner)."""
    subscriptions = {}
    with connect(autocommit=True) as conn:
        for org in (tenant["alice_org"], tenant["bob_org"]):
            subscriptions[org] = conn.execute(
                "insert into events.event_subscriptions (organization_id, name, source, target_kind, target)"
                " values (%s, 'deploys', 'deployment', 'queue', 'deploys') returning id", [org]).fetchone()["id"]
    return subscriptions


def route_all(conn: psycopg.Connection) -> int:
    routed = 0
    while True:
        with conn.transaction():
            act_as(conn, "service_role")
            n = conn.execute("select events.process_pending_events(100) as n").fetchone()["n"]
        if n == 0:
            return routed
        routed += n


def claim_deliveries(conn: psycopg.Connection, worker: str, n: int = 100) -> list[dict]:
    with conn.transaction():
        act_as(conn, "service_role")
        return conn.execute("select organization_id, id, event_id, status, attempts, locked_by,"
                            " locked_until - last_attempt_at as lease"
                            " from events.claim_deliveries(%s, %s, array['queue'])", [worker, n]).fetchall()


def test_events_of_every_organization_are_routed(tenant, event_queues):
    """process_pending_events routes the pending events of both organizations (one single-shard
    statement per organization): each gets its delivery and its routing log line."""
    with connect() as conn:
        events = {org: deploy_event(conn, org, f"r-{org}") for org in event_queues}
        assert route_all(conn) >= 2
        for org, event in events.items():
            row = conn.execute(
                "select e.status, (select count(*) from events.event_deliveries d where d.organization_id = e.organization_id"
                "  and d.event_id = e.id and d.subscription_id = %s) as deliveries,"
                " (select count(*) from events.event_processing_logs l where l.organization_id = e.organization_id"
                "  and l.event_id = e.id and l.step = 'routed') as logs"
                " from events.events e where e.organization_id = %s and e.id = %s",
                [event_queues[org], org, event]).fetchone()
            assert (row["status"], row["deliveries"], row["logs"]) == ("processed", 1, 1), row


def test_deliveries_are_claimed_heartbeat_completed_and_failed(tenant, event_queues):
    """claim_deliveries serves both organizations in one claim; heartbeat_delivery extends a lease;
    complete_delivery and fail_delivery end an attempt, a retryable failure going back to the queue
    after a backoff."""
    with connect() as conn:
        for org in event_queues:
            deploy_event(conn, org, "claim")
        route_all(conn)
        claimed = claim_deliveries(conn, "w-events")
        assert {c["organization_id"] for c in claimed} >= set(event_queues), claimed
        assert all(c["status"] == "leased" and c["locked_by"] == "w-events" and c["lease"] == datetime.timedelta(seconds=60)
                   for c in claimed), claimed
        done, failed = ([c for c in claimed if c["organization_id"] == org][0] for org in event_queues)
        with conn.transaction():
            act_as(conn, "service_role")
            until = conn.execute("select events.heartbeat_delivery(%s, %s, 'w-events') - now() as left",
                                 [done["organization_id"], done["id"]]).fetchone()["left"]
            assert datetime.timedelta(seconds=59) < until <= datetime.timedelta(seconds=60)
            row = conn.execute("select status, completed_at is not null as completed from events.complete_delivery(%s, %s, 'w-events', %s::jsonb)",
                               [done["organization_id"], done["id"], '{"ok": true}']).fetchone()
            assert (row["status"], row["completed"]) == ("succeeded", True)
            row = conn.execute("select status, next_attempt_at > now() as later, last_error"
                               " from events.fail_delivery(%s, %s, 'w-events', 'HTTP 503')",
                               [failed["organization_id"], failed["id"]]).fetchone()
            assert (row["status"], row["later"], row["last_error"]) == ("pending", True, "HTTP 503")
        logs = conn.execute("select step from events.event_processing_logs where organization_id = any(%s)"
                            " and delivery_id = any(%s) order by step",
                            [list(event_queues), [done["id"], failed["id"]]]).fetchall()
        assert [r["step"] for r in logs] == ["delivered", "delivery_failed"]
        # every other claimed delivery back to the queue's end state
        for c in claimed:
            if c["id"] not in (done["id"], failed["id"]):
                with conn.transaction():
                    act_as(conn, "service_role")
                    conn.execute("select events.complete_delivery(%s, %s, 'w-events')", [c["organization_id"], c["id"]])


def test_expired_delivery_leases_are_recovered(tenant, event_queues):
    """recover_expired_deliveries requeues the expired leases of both organizations, one
    organization at a time, with the lost worker named in last_error, and leaves a live lease."""
    with connect() as conn:
        for org in event_queues:
            deploy_event(conn, org, "recover")
        route_all(conn)
        claimed = claim_deliveries(conn, "w-gone")
        assert {c["organization_id"] for c in claimed} >= set(event_queues)
        conn.execute("update events.event_deliveries set locked_until = now() - interval '1 minute'"
                     " where organization_id = any(%s) and id = any(%s)",
                     [list(event_queues), [c["id"] for c in claimed]])
        conn.commit()
        with conn.transaction():
            act_as(conn, "service_role")
            assert conn.execute("select events.recover_expired_deliveries() as n").fetchone()["n"] == len(claimed)
        rows = conn.execute("select status, locked_by, last_error from events.event_deliveries"
                            " where organization_id = any(%s) and id = any(%s)",
                            [list(event_queues), [c["id"] for c in claimed]]).fetchall()
        assert all(r["status"] == "pending" and r["locked_by"] is None
                   and r["last_error"].startswith('lease of worker "w-gone" expired at ') for r in rows), rows
        again = claim_deliveries(conn, "w-next")
        assert {c["id"] for c in again} == {c["id"] for c in claimed}
        for c in again:
            with conn.transaction():
                act_as(conn, "service_role")
                conn.execute("select events.complete_delivery(%s, %s, 'w-next')", [c["organization_id"], c["id"]])


def test_replay_event(tenant, event_queues):
    """replay_event puts a delivered event's delivery back in the queue, through the coordinator."""
    org = tenant["alice_org"]
    with connect() as conn:
        event = deploy_event(conn, org, "replay")
        route_all(conn)
        for c in claim_deliveries(conn, "w-replay"):
            with conn.transaction():
                act_as(conn, "service_role")
                conn.execute("select events.complete_delivery(%s, %s, 'w-replay')", [c["organization_id"], c["id"]])
        with conn.transaction():
            act_as(conn, "service_role")
            rows = conn.execute("select status, replay_count from events.replay_event(%s, %s)", [org, event]).fetchall()
        assert [(r["status"], r["replay_count"]) for r in rows] == [("pending", 1)]


PUSH = json.dumps({"ref": "refs/heads/main", "repository": {"full_name": "acme/app"}})


@pytest.mark.parametrize("source, event_type, payload, table, column, expected", [
    ("github", "push", PUSH, "events.github_events", "repository_full_name", "acme/app"),
    ("linear", "issue", '{"action": "create", "type": "Issue", "data": {"id": "L-1", "identifier": "ENG-1"}}',
     "events.linear_events", "issue_identifier", "ENG-1"),
    ("slack", "message", '{"team_id": "T1", "event": {"channel": "C1", "user": "U1", "ts": "1.0"}}',
     "events.slack_events", "channel_id", "C1"),
])
def test_ingest_event(tenant, source, event_type, payload, table, column, expected):
    """One event through the single-event path as service_role: stored once (a repeated key returns
    the first id), with its source-table row (inserted with VALUES: Citus refuses the COPY that an
    INSERT ... SELECT from a function becomes, under row-level security)."""
    key = f"evt-{source}-{uuid.uuid4().hex[:8]}"
    with connect() as conn:
        act_as(conn, "service_role")
        first = conn.execute("select events.ingest_event(%s, %s, %s, %s::jsonb, %s) as id",
                             [tenant["alice_org"], source, event_type, payload, key]).fetchone()["id"]
        conn.commit()
        act_as(conn, "service_role")
        again = conn.execute("select events.ingest_event(%s, %s, %s, %s::jsonb, %s) as id",
                             [tenant["alice_org"], source, event_type, payload, key]).fetchone()["id"]
        assert again == first
        row = conn.execute(f"select {column} as v from {table} where organization_id = %s and event_id = %s",
                           [tenant["alice_org"], first]).fetchone()
        assert row is not None and row["v"] == expected, row


def test_ingest_events_batch(tenant):
    """A batch through ingest_events as service_role (BYPASSRLS on Citus: its INSERT ... SELECT
    reaches the shards as COPY): one id per element, a key repeated in the batch and in a later
    batch gives the first id, and each event has its source-table row."""
    key = f"batch-{uuid.uuid4().hex[:8]}"
    push = {"source": "github", "event_type": "push", "payload": json.loads(PUSH), "idempotency_key": key}
    batch = json.dumps([push, {"source": "slack", "event_type": "message", "payload": {"team_id": "T1", "event": {}}}, push])
    with connect() as conn:
        act_as(conn, "service_role")
        ids = [r["id"] for r in conn.execute("select id from events.ingest_events(%s, %s::jsonb) as id",
                                            [tenant["alice_org"], batch]).fetchall()]
        conn.commit()
        assert len(ids) == 3 and ids[0] == ids[2] and ids[0] != ids[1], ids
        act_as(conn, "service_role")
        again = conn.execute("select id from events.ingest_events(%s, %s::jsonb) as id",
                             [tenant["alice_org"], json.dumps([push])]).fetchone()["id"]
        assert again == ids[0]
        rows = conn.execute("select count(*) as n from events.github_events where organization_id = %s and event_id = %s",
                            [tenant["alice_org"], ids[0]]).fetchone()
        assert rows["n"] == 1


def test_monitoring_shows_the_cluster(tenant):
    with connect() as conn:
        act_as(conn, "service_role")
        nodes = conn.execute("select noderole, isactive from monitoring.citus_nodes").fetchall()
        assert len(nodes) == 3 and all(n["isactive"] for n in nodes)
        sizes = conn.execute("select table_name, count(distinct node) as nodes from monitoring.citus_shard_sizes "
                             "where table_name = 'tasks.tasks' group by 1").fetchall()
        assert sizes and sizes[0]["nodes"] == 2, sizes   # the shards of a tenant table on both workers
        skew = conn.execute("select shard_id, members from monitoring.citus_tenant_skew where organization_id = %s",
                            [tenant["alice_org"]]).fetchone()
        assert skew["shard_id"] and skew["members"] == 1


# Monitoring views that Citus cannot run, with its exact error. Any other view that fails, or one of
# these that starts to answer, fails the test (then update this map). Empty: every view answers.
MONITORING_ON_CITUS_FAILS: dict[str, str] = {}


def test_every_monitoring_view_answers_on_the_coordinator():
    failures = {}
    with connect(autocommit=True) as conn:
        views = [r["v"] for r in conn.execute(
            "select c.oid::regclass::text as v from pg_class c "
            "where c.relnamespace = 'monitoring'::regnamespace and c.relkind = 'v' order by 1").fetchall()]
        for view in views:
            try:
                conn.execute(f"select * from {view}").fetchall()
            except psycopg.Error as e:
                failures[view] = e.diag.message_primary
    assert len(views) > 20
    assert failures == MONITORING_ON_CITUS_FAILS


def test_integrity_checks_find_an_ownerless_organization_on_the_cluster():
    """base_integrity_checks joins the reference table base.organizations with the distributed
    members: an organization without an owner is reported, by slug, and the report is ok again
    once it has one."""
    slug = f"ownerless-{uuid.uuid4().hex[:8]}"
    with connect() as conn:
        conn.execute("insert into base.organizations (name, slug) values ('Ownerless', %s)", [slug])
        row = conn.execute("select severity, details from monitoring.base_integrity_checks "
                           "where check_name = 'organization_without_owner'").fetchone()
        assert row["severity"] != "ok" and slug in row["details"], row
        conn.rollback()
    with connect() as conn:
        row = conn.execute("select severity from monitoring.base_integrity_checks "
                           "where check_name = 'organization_without_owner'").fetchone()
        assert row["severity"] == "ok"


def test_partition_health_counts_default_partitions_on_the_cluster():
    """partition_health counts each DEFAULT partition of the distributed partitioned tables: one row
    per maintained table, with a count, not an error."""
    with connect() as conn:
        rows = conn.execute("select object_name, severity, value from monitoring.partition_health "
                            "where check_name = 'default_partition_rows'").fetchall()
        registered = conn.execute("select count(*) as n from base.partition_config").fetchone()["n"]
    assert len(rows) == registered > 5
    assert all(r["value"] is not None for r in rows), rows


def test_commit_time_default_branch_rule_is_an_error_the_client_sees(tenant):
    """The deferred default-branch rule: a repository whose branches have no default fails at
    COMMIT and nothing is committed (the issue saw Citus return COMMIT with a WARNING). Citus
    commits a one-shard transaction in one phase, so the rule's 23514 reaches the client as a
    WARNING (message and hint intact) before the ERROR, XX000 (docs/citus.md)."""
    org = tenant["alice_org"]
    repo = uuid.uuid4()
    notices = []
    with connect() as conn:
        # a Diagnostic is valid only during the callback: keep its fields
        conn.add_notice_handler(lambda d: notices.append(
            (d.sqlstate, d.severity_nonlocalized, d.message_primary, d.message_hint)))
        conn.execute("insert into projects.repositories (organization_id, id, provider, full_name, clone_url, default_branch) "
                     "values (%s, %s, 'github', 'acme/branchy', 'https://github.com/acme/branchy.git', 'main')", [org, repo])
        conn.execute("insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha) "
                     "values (%s, %s, 'dev', repeat('a', 40))", [org, repo])
        with pytest.raises(psycopg.Error) as failure:
            conn.commit()
    with connect() as conn:
        assert conn.execute("select count(*) as n from projects.repositories where id = %s", [repo]).fetchone()["n"] == 0
    assert failure.value.sqlstate == "XX000", (failure.value.sqlstate, str(failure.value))
    assert ("23514", "WARNING",
            f"repository {repo} has 1 branches but no default branch: exactly one must be the default",
            "Flag one branch with is_default, or call projects.set_default_branch().") in notices, notices


def test_default_branch_rule_fires_for_a_repository_change(tenant):
    """The rule's trigger on projects.repositories fires on a shard: renaming the default branch to
    one the repository does not have fails at COMMIT (XX000 on Citus, see the test above) and
    nothing is committed. It used to read the repository id by table name and skip the check."""
    org = tenant["alice_org"]
    repo = uuid.uuid4()
    with connect() as conn:
        conn.execute("insert into projects.repositories (organization_id, id, provider, full_name, clone_url, default_branch) "
                     "values (%s, %s, 'github', 'acme/renamed', 'https://github.com/acme/renamed.git', 'main')", [org, repo])
        conn.execute("insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default) "
                     "values (%s, %s, 'main', repeat('a', 40), true)", [org, repo])
        conn.commit()
        conn.execute("update projects.repositories set default_branch = 'trunk' where organization_id = %s and id = %s",
                     [org, repo])
        with pytest.raises(psycopg.Error):
            conn.commit()
    with connect() as conn:
        row = conn.execute("select default_branch from projects.repositories where organization_id = %s and id = %s",
                           [org, repo]).fetchone()
    assert row["default_branch"] == "main"


def test_partition_maintenance_runs_on_the_coordinator():
    with connect() as conn:
        conn.execute("select base.run_partition_maintenance()")


REPORT = {
    "commit_sha": "b" * 40, "branch": "feature/x", "tools": {"pylint": "3.2"},
    "files": [
        {"path": "billing/invoice.py", "language": "python", "lines_code": 400, "complexity": 60, "coverage_pct": 75,
         "elements": [
             {"kind": "module", "name": "invoice", "qualified_name": "billing.invoice", "start_line": 1, "end_line": 400,
              "children": [
                  {"kind": "class", "name": "Invoice", "qualified_name": "billing.invoice.Invoice", "start_line": 10, "end_line": 300,
                   "children": [{"kind": "method", "name": "total", "qualified_name": "billing.invoice.Invoice.total",
                                 "start_line": 20, "end_line": 60, "cyclomatic_complexity": 8}]}]}]},
        {"path": "billing/__init__.py", "lines_code": 2}],
    "issues": [{"fingerprint": "p1", "rule": "C0301", "severity": "minor", "type": "code_smell",
                "file_path": "billing/invoice.py", "line": 12, "message": "Line too long"}],
    "metrics": [{"name": "test_count", "value": 412, "unit": "count"}],
    "performance": [{"name": "invoice_total", "environment": "ci", "p50_ms": 1.2, "p95_ms": 2.5, "p99_ms": 4.0, "sample_count": 500}],
}


def test_member_records_an_analysis_run(tenant):
    """A member records a complete report in one call (files with their element tree, issues,
    metrics, performance), walks the element tree, triages an issue (its note reaches the history,
    written on the worker: it was lost) and refreshes the trends, all through the coordinator. The open-run check on the results used to join its transition table
    to the runs, which Citus cannot run on a shard ("executor could not find named tuplestore
    new_rows"): no file could be recorded. Results for a finished run are refused with 55000."""
    org = tenant["alice_org"]
    uid, email = tenant["alice"]
    repo = uuid.uuid4()
    with connect() as conn:
        conn.execute("insert into projects.repositories (organization_id, id, provider, full_name, clone_url) "
                     "values (%s, %s, 'github', %s, 'https://github.com/acme/report.git')", [org, repo, f"acme/report-{repo.hex[:6]}"])
        conn.commit()
    with connect() as conn:
        act_as(conn, "authenticated", uid, email)
        run = conn.execute("select analytics.record_analysis_run(%s, %s, %s) as id",
                           [org, repo, json.dumps(REPORT)]).fetchone()["id"]
        conn.commit()
    with connect() as conn:
        act_as(conn, "authenticated", uid, email)
        summary = conn.execute("select status, files_analyzed, lines_of_code, coverage_pct from analytics.analysis_runs "
                               "where organization_id = %s and id = %s", [org, run]).fetchone()
        assert summary == {"status": "succeeded", "files_analyzed": 2, "lines_of_code": 402,
                           "coverage_pct": Decimal("75.00")}, summary
        element = conn.execute("select id from analytics.code_element_analysis where organization_id = %s "
                               "and run_id = %s and qualified_name = 'billing.invoice.Invoice'", [org, run]).fetchone()["id"]
        subtree = [r["qualified_name"] for r in conn.execute(
            "select qualified_name from analytics.element_subtree(%s, %s)", [org, element])]
        ancestors = [r["qualified_name"] for r in conn.execute(
            "select qualified_name from analytics.element_ancestors(%s, %s)", [org, element])]
        assert (subtree, ancestors) == (["billing.invoice.Invoice", "billing.invoice.Invoice.total"], ["billing.invoice"])
        issue = conn.execute("select id from analytics.issues where organization_id = %s and repository_id = %s",
                             [org, repo]).fetchone()["id"]
        status = conn.execute("select (analytics.set_issue_status(%s, %s, 'false_positive', 'generated code')).status",
                              [org, issue]).fetchone()["status"]
        assert status == "false_positive"
        note = conn.execute("select note from analytics.issue_status_history where organization_id = %s "
                            "and issue_id = %s and to_status = 'false_positive'", [org, issue]).fetchone()["note"]
        assert note == "generated code"  # the trigger runs on the worker: the note must reach it
        conn.commit()
        # (its own transaction: refresh_metric_trends runs as the owner, see docs/citus.md)
        act_as(conn, "authenticated", uid, email)
        assert conn.execute("select analytics.refresh_metric_trends(%s) as n", [org]).fetchone()["n"] > 0
        conn.commit()
    with connect() as conn:
        act_as(conn, "authenticated", uid, email)
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as refused:
            conn.execute("insert into analytics.file_analysis (organization_id, run_id, file_path, lines_code) "
                         "values (%s, %s, 'late.py', 1)", [org, run])
    assert str(refused.value).startswith(f"analysis run {run} is succeeded: results are accepted only while a run is "
                                         "queued or running"), str(refused.value)


def test_partition_maintenance_moves_rows_out_of_the_default_partition(tenant):
    """A metric recorded months ago lands in the DEFAULT partition (no partition for its month
    yet); maintenance creates that month's partition, distributed, and moves the row into
    it. On Citus this failed (42601 reading the default partition, then a parallel-operation
    error): the table's maintenance failed as a whole and only a WARNING said so."""
    org, repo = tenant["alice_org"], uuid.uuid4()
    with partitions_made_here_dropped(), connect() as conn:
        conn.execute("insert into projects.repositories (organization_id, id, provider, full_name, clone_url) "
                     "values (%s, %s, 'github', %s, 'https://github.com/acme/late.git')", [org, repo, f"acme/late-{repo.hex[:6]}"])
        # the latest month of the last year that has no partition (in a fresh lane, eleven months ago)
        month = conn.execute("select m from generate_series(1, 12) as k, "
                             "lateral (select date_trunc('month', now(), 'UTC') - k * interval '1 month' as m) as x "
                             "where to_regclass('analytics.metrics_p' || to_char(m at time zone 'UTC', 'YYYYMM')) is null "
                             "order by k limit 1").fetchone()["m"]
        metric = conn.execute("insert into analytics.metrics (organization_id, repository_id, name, value, unit, recorded_at) "
                              "values (%s, %s, 'late_metric', 1, 'count', %s::timestamptz + interval '1 day') "
                              "returning id, recorded_at", [org, repo, month]).fetchone()
        conn.commit()
        assert conn.execute("select count(*) as n from analytics.metrics_default where organization_id = %s and id = %s",
                            [org, metric["id"]]).fetchone()["n"] == 1
        conn.execute("select base.run_partition_maintenance('analytics.metrics')")
        conn.commit()
        failure = conn.execute("select last_failure_sqlstate, last_failure_message from base.partition_config "
                               "where parent_table = 'analytics.metrics'").fetchone()
        assert failure == {"last_failure_sqlstate": None, "last_failure_message": None}, failure
        assert conn.execute("select count(*) as n from analytics.metrics_default").fetchone()["n"] == 0
        home = "analytics.metrics_p" + metric["recorded_at"].astimezone(datetime.timezone.utc).strftime("%Y%m")
        assert conn.execute("select count(*) as n from pg_dist_partition where logicalrelid = %s::regclass",
                            [home]).fetchone()["n"] == 1
        assert conn.execute(f"select count(*) as n from {home} where organization_id = %s and id = %s",
                            [org, metric["id"]]).fetchone()["n"] == 1


def test_organization_deletion(tenant):
    with connect() as conn:
        uid, email = uuid.uuid4(), f"carol-{uuid.uuid4().hex[:8]}@example.test"
        conn.execute("insert into base.users (id, email) values (%s, %s)", [uid, email])
        conn.commit()
        act_as(conn, "authenticated", uid, email)
        org = conn.execute("select id from base.create_organization('Doomed', %s)", [f"doomed-{uid.hex[:8]}"]).fetchone()["id"]
        # A new transaction: after a SECURITY DEFINER function wrote to the organization's shards (as
        # the owner), Citus refuses the caller's own writes there in the same transaction ("cannot
        # perform query on placements that were modified in this transaction by a different user").
        conn.commit()
        act_as(conn, "authenticated", uid, email)
        conn.execute("insert into projects.projects (organization_id, name, slug) values (%s, 'x', 'x')", [org])
        conn.commit()
        act_as(conn, "authenticated", uid, email)
        conn.execute("delete from base.organizations where id = %s", [org])
        conn.commit()
        assert conn.execute("select count(*) as n from projects.projects where organization_id = %s", [org]).fetchone()["n"] == 0


# The original design's tenant-scoped queries: each must be a router query (one shard, one task).
ROUTER_QUERIES = {
    "projects with repositories": """select p.id, p.name, r.full_name
                                      from projects.projects p
                                      join projects.project_repositories pr
                                        on pr.organization_id = p.organization_id and pr.project_id = p.id
                                      join projects.repositories r
                                        on r.organization_id = pr.organization_id and r.id = pr.repository_id
                                     where p.organization_id = %(org)s and p.deleted_at is null""",
    "ready-to-run tasks": """select t.* from tasks.tasks t
                              where t.organization_id = %(org)s and t.status = 'pending' and t.scheduled_at <= now()
                                and tasks.are_task_dependencies_satisfied(t.organization_id, t.id)
                              order by t.priority desc, t.scheduled_at limit 100""",
    "events by subscription": """select d.* from events.event_deliveries d
                                  where d.organization_id = %(org)s and d.subscription_id = %(sub)s
                                  order by d.created_at desc limit 50""",
}


@pytest.mark.parametrize("name", sorted(ROUTER_QUERIES))
def test_tenant_query_is_a_router_query(tenant, name):
    with connect() as conn:
        plan = "\n".join(r["QUERY PLAN"] for r in conn.execute(
            "explain " + ROUTER_QUERIES[name], {"org": tenant["alice_org"], "sub": uuid.uuid4()}).fetchall())
        assert "Task Count: 1" in plan and "Task Count: 8" not in plan, plan


def test_ready_to_run_tasks_query_runs_as_a_member(tenant, task_definition):
    """The design's ready-to-run query runs, not only plans: a member sees the pending task whose
    dependency succeeded and not the one still blocked. tasks.are_task_dependencies_satisfied runs
    on the shard for every candidate row."""
    org = tenant["alice_org"]
    uid, email = tenant["alice"]
    with connect() as conn:
        act_as(conn, "service_role")
        dependency = conn.execute("select id from tasks.enqueue_task(%s, %s, priority => 900)", [org, task_definition]).fetchone()["id"]
        blocked = conn.execute("select id from tasks.enqueue_task(%s, %s, depends_on => array[%s]::uuid[])",
                               [org, task_definition, dependency]).fetchone()["id"]
        conn.commit()
    with connect() as conn:
        act_as(conn, "authenticated", uid, email)
        ready = {r["id"] for r in conn.execute(ROUTER_QUERIES["ready-to-run tasks"], {"org": org})}
        assert dependency in ready and blocked not in ready
        assert conn.execute("select tasks.are_task_dependencies_satisfied(%s) as ok", [blocked]).fetchone()["ok"] is False
        conn.commit()
        act_as(conn, "service_role")  # leave the queue as found: the cancel cascades to the blocked task
        conn.execute("select tasks.cancel_task(%s, %s)", [org, dependency])
        conn.commit()


# The package's views over the same data: their LATERAL aggregates hide the organization filter from
# Citus' router planner, which then pushes the query down to every shard (correct, not routed).
VIEW_QUERIES = {
    "projects.project_with_repositories": "select * from projects.project_with_repositories where organization_id = %(org)s",
    "analytics.repository_quality_overview": "select * from analytics.repository_quality_overview where organization_id = %(org)s",
}


def view_plan(tenant, name: str) -> str:
    with connect() as conn:
        return "\n".join(r["QUERY PLAN"] for r in conn.execute("explain " + VIEW_QUERIES[name], {"org": tenant["alice_org"]}).fetchall())


def test_project_with_repositories_is_a_router_query(tenant):
    """The view joins the repositories grouped by project (it used a LATERAL aggregate, which
    Citus ran over every shard): one tenant's projects are read on one shard."""
    plan = view_plan(tenant, "projects.project_with_repositories")
    assert "Task Count: 1" in plan, plan


def test_repository_quality_overview_is_a_router_query(tenant):
    """On Citus the view joins derived tables grouped or windowed by (organization_id,
    repository_id) (its LATERAL subqueries ran over every shard): one tenant's repositories are
    read on one shard, and the score is computed there."""
    plan = view_plan(tenant, "analytics.repository_quality_overview")
    assert "Task Count: 1" in plan, plan
    assert "calculate_quality_score" not in plan, plan


def overview(tenant, repository_id) -> dict:
    """The repository's overview row, read as alice (a member, with her JWT identity)."""
    uid, email = tenant["alice"]
    with connect() as conn:
        act_as(conn, "authenticated", uid, email)
        return conn.execute("select * from analytics.repository_quality_overview "
                            "where organization_id = %s and repository_id = %s",
                            [tenant["alice_org"], repository_id]).fetchone()


def test_repository_quality_overview_scores_through_the_coordinator(tenant):
    """The overview on Citus, as a member: the live quality score (it called
    calculate_quality_score, whose reads Citus refused inside the shard query: XX000 "cannot execute
    a distributed query from a query on a shard"), the run's measures, open issues by severity, the
    hot spots and the previous run, on the hand-made data of tests/pgtap/analytics/04 (the scores
    computed by hand there), and equal to calculate_quality_score called on the coordinator."""
    org = tenant["alice_org"]
    repo, bare = uuid.uuid4(), uuid.uuid4()
    run_failed, run1, run3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with connect() as conn:
        for rid, name in ((repo, "score"), (bare, "bare")):
            conn.execute("insert into projects.repositories (organization_id, id, provider, full_name, clone_url) "
                         "values (%s, %s, 'github', %s, %s)",
                         [org, rid, f"acme/{name}-{rid.hex[:6]}", f"https://github.com/acme/{name}.git"])
        for rid, sha in ((run_failed, "0"), (run1, "1")):
            conn.execute("insert into analytics.analysis_runs (organization_id, id, repository_id, commit_sha, tools, status) "
                         "values (%s, %s, %s, repeat(%s, 40), '{\"sonar\": \"10\"}', 'running')", [org, rid, repo, sha])
        conn.execute("update analytics.analysis_runs set status = 'failed' where organization_id = %s and id = %s", [org, run_failed])
        # f1: 800 lines, complexity 120, duplication 10 %, coverage 50 %; f2: 200 lines, 30, 0 %, no coverage
        conn.execute("insert into analytics.file_analysis (organization_id, run_id, file_path, lines_code, complexity, "
                     "duplication_pct, coverage_pct, maintainability_index) "
                     "values (%(o)s, %(r)s, 'src/big.ts', 800, 120, 10, 50, 55), (%(o)s, %(r)s, 'src/small.ts', 200, 30, 0, null, 90)",
                     {"o": org, "r": run1})
        for fp, severity, status in (("blocker-1", "blocker", "open"), ("major-1", "major", "open"),
                                     ("major-2", "major", "confirmed"), ("info-1", "info", "open"),
                                     ("critical-fp", "critical", "open")):
            conn.execute("insert into analytics.issues (organization_id, repository_id, fingerprint, tool, rule_id, severity, "
                         "type, message, status, first_seen_run_id, last_seen_run_id) "
                         "values (%s, %s, %s, 'sonar', 'S1', %s, 'bug', 'found', %s, %s, %s)",
                         [org, repo, fp, severity, status, run1, run1])
        conn.execute("update analytics.issues set status = 'false_positive' "
                     "where organization_id = %s and repository_id = %s and fingerprint = 'critical-fp'", [org, repo])
        conn.execute("update analytics.analysis_runs set status = 'succeeded' where organization_id = %s and id = %s", [org, run1])
        conn.commit()

    # issues 26 per KLOC (0), coverage 50 (62.50), duplication 8 (77.27), complexity 15 (83.33): 43.88
    row = overview(tenant, repo)
    assert (row["quality_score"], row["quality_score_at_run"], row["latest_run_id"]) == (Decimal("43.88"), Decimal("43.88"), run1), row
    assert (row["files_analyzed"], row["lines_of_code"], row["coverage_pct"], row["duplication_pct"],
            row["complexity_per_100_lines"]) == (2, 1000, Decimal("50.00"), Decimal("8.00"), Decimal("15.00")), row
    assert (row["open_issues"], row["open_blocker"], row["open_critical"], row["open_major"], row["open_info"]) == (4, 1, 0, 2, 1), row
    assert [f["file_path"] for f in row["complexity_hot_spots"]] == ["src/big.ts", "src/small.ts"], row
    assert overview(tenant, bare)["quality_score"] is None

    with connect() as conn:
        # the live score follows people's decisions: without the blocker 6 per KLOC scores 40
        conn.execute("update analytics.issues set status = 'false_positive' "
                     "where organization_id = %s and repository_id = %s and fingerprint = 'blocker-1'", [org, repo])
        conn.commit()
    row = overview(tenant, repo)
    assert (row["quality_score"], row["quality_score_at_run"], row["open_issues"]) == (Decimal("59.88"), Decimal("43.88"), 3), row

    with connect() as conn:
        # a better second run; seven files, a tie at the fifth hot spot broken by file_path
        conn.execute("insert into analytics.analysis_runs (organization_id, id, repository_id, commit_sha, tools, status) "
                     "values (%s, %s, %s, repeat('3', 40), '{\"sonar\": \"10\"}', 'running')", [org, run3, repo])
        conn.execute("insert into analytics.file_analysis (organization_id, run_id, file_path, lines_code, complexity, "
                     "duplication_pct, coverage_pct) "
                     "select %s, %s, f.path, f.lines, f.complexity, 3, 80 "
                     "from (values ('src/big.ts', 400, 40), ('a.ts', 100, 10), ('b.ts', 100, 10), ('c.ts', 100, 9), "
                     "             ('f.ts', 100, 7), ('e.ts', 100, 7), ('d.ts', 100, 7)) as f (path, lines, complexity)",
                     [org, run3])
        conn.execute("update analytics.issues set last_seen_run_id = %s where organization_id = %s and repository_id = %s "
                     "and fingerprint in ('major-1', 'major-2', 'info-1')", [run3, org, repo])
        conn.execute("update analytics.analysis_runs set status = 'succeeded', finished_at = now() + interval '1 second' "
                     "where organization_id = %s and id = %s", [org, run3])
        conn.commit()
        live = conn.execute("select analytics.calculate_quality_score(%s) as s", [repo]).fetchone()["s"]
    # 6 weighted issues per KLOC (40), everything else perfect: 0.40 x 40 + 0.60 x 100 = 76.00
    row = overview(tenant, repo)
    assert (row["quality_score"], row["previous_run_quality_score"], row["score_change_since_previous_run"],
            row["latest_run_id"]) == (Decimal("76.00"), Decimal("43.88"), Decimal("32.12"), run3), row
    assert row["quality_score"] == live
    assert [f["file_path"] for f in row["complexity_hot_spots"]] == ["src/big.ts", "a.ts", "b.ts", "c.ts", "d.ts"], row
