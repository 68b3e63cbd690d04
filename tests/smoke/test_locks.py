"""Locks, notifications and cross-row invariants, with real parallel sessions (hardening issue,
items 3, 4 and 7).

* Advisory-lock squatting: `anon` and a member of another tenant hold advisory locks on the keys the
  package used to take (and on a range of plausible ones); maintenance jobs still run, and an
  enqueue with dependencies in the victim's organization still completes at once. The package
  serializes on rows no API role can lock (internal.serialize_tenant, maintenance_jobs rows).
* NOTIFY: anyone may LISTEN on any channel. `anon` listens on every channel the package notifies
  (found in pg_proc), a tenant enqueues, ingests and routes; every notification anon hears has an
  empty payload. A NOTIFY sent by anon changes no row.
* Invariants checked across rows hold at READ COMMITTED, REPEATABLE READ and SERIALIZABLE: under
  READ COMMITTED the second session waits and then sees the first one's rows; under the two
  snapshot levels it fails with 40001 instead of checking an old snapshot:
    - a repository with branches has a default branch (projects.repository_branches);
    - prompt template versions are numbered without duplicates (prompts.prompt_template_versions);
    - results are added only to a run that is still open (analytics.file_analysis, code elements);
    - a dependant is released when its dependency completes, even while its edge is being added;
    - the task dependency graph stays acyclic (tests/smoke/test_tasks.py, all three levels).
"""
from __future__ import annotations

import hashlib
import threading
import time
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from conftest import act_as

ISOLATIONS = ["read committed", "repeatable read", "serializable"]
TIMEOUT = 30  # seconds: every wait below is bounded by this
PACKAGE_SCHEMAS = ["base", "internal", "projects", "tasks", "analytics", "prompts", "events", "monitoring"]


def run_threads(targets) -> list:
    """Run each callable in its own thread; return their results (an exception is a result)."""
    results: list = [None] * len(targets)

    def run(i: int) -> None:
        try:
            results[i] = targets[i]()
        except BaseException as e:  # noqa: BLE001 - returned to the caller
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(targets))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + TIMEOUT
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"sessions still running after {TIMEOUT} s"
    return results


def outcome(result) -> str:
    if isinstance(result, psycopg.Error):
        return result.sqlstate or repr(result)
    if isinstance(result, BaseException):
        raise result
    return result


@pytest.fixture(scope="module")
def db(deployed_db) -> str:
    """A database of its own: the squatting test runs every maintenance job."""
    return deployed_db()


def owner_conn(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


# --- 1. advisory-lock squatting ---------------------------------------------------------------------

PLAUSIBLE_NAMES = [
    "tasks.task_dependencies", "task_dependencies", "tasks.enqueue_task", "tasks.dependency_rules",
    "tasks", "monitoring.run_maintenance", "monitoring.maintenance_jobs", "run_maintenance", "maintenance",
]


@pytest.fixture
def squatted(db):
    """A victim tenant with a queue and one task, and two squatters holding advisory locks while the
    test runs: `anon` on every job's old key, the victim's old graph key and plausible names (both
    key forms); a member of another tenant on the same names keyed by the victim's organization,
    and on a range of small keys. Yields (victim, first task id, job names)."""
    tag = uuid.uuid4().hex[:8]
    with owner_conn(db) as owner:
        victim = owner.execute("select * from tests.create_tenant(%s)", [f"victim-{tag}"]).fetchone()
        attacker = owner.execute("select * from tests.create_tenant(%s)", [f"attacker-{tag}"]).fetchone()
        org = victim["organization_id"]
        owner.execute("insert into tasks.task_definitions (organization_id, name, queue_name) values (%s, 'job', %s)",
                      [org, f"q-{tag}"])
        jobs = [r["job_name"] for r in owner.execute("select job_name from monitoring.maintenance_jobs order by 1")]
        with owner.transaction():
            act_as(owner, "service_role")
            first = owner.execute("select id from tasks.enqueue_task(organization_id => %s, definition_name => 'job')",
                                  [org]).fetchone()["id"]
    assert jobs, "the package registers maintenance jobs"

    anon_sql = [("select pg_try_advisory_lock(hashtextextended('monitoring.run_maintenance:' || %s, 0))", [j]) for j in jobs]
    anon_sql += [("select pg_try_advisory_lock(hashtext('tasks.task_dependencies'), hashtext(%s::text))", [org])]
    anon_sql += [("select pg_try_advisory_lock(hashtextextended(%s, 0))", [n]) for n in PLAUSIBLE_NAMES]
    anon_sql += [("select pg_try_advisory_lock(hashtext(%s))", [n]) for n in PLAUSIBLE_NAMES]
    member_sql = [("select pg_try_advisory_lock(hashtext(%s), hashtext(%s::text))", [n, org])
                  for n in PLAUSIBLE_NAMES if n != "tasks.task_dependencies"]
    member_sql += [("select pg_try_advisory_lock(hashtextextended(%s, 0))", [f"{n}:{org}"]) for n in PLAUSIBLE_NAMES]
    member_sql += [("select pg_try_advisory_lock(hashtextextended(%s::text, 0))", [org])]
    member_sql += [("select pg_try_advisory_lock(%s)", [k]) for k in range(0, 256)]

    with psycopg.connect(db, autocommit=True) as anon, psycopg.connect(db, autocommit=True) as member:
        anon.execute("set role anon")
        member.execute("set role authenticated")
        member.execute("select set_config('request.jwt.claims', %s, false)",
                       [f'{{"role": "authenticated", "sub": "{attacker["member_id"]}"}}'])
        held = [anon.execute(q, p).fetchone()[0] for q, p in anon_sql]
        held += [member.execute(q, p).fetchone()[0] for q, p in member_sql]
        assert all(held), "the squatters hold every key they tried"
        yield victim, first, jobs


@pytest.mark.direct_only  # session-level advisory locks need a session of their own
def test_advisory_lock_squatters_skip_no_maintenance_job(db, squatted):
    _, _, jobs = squatted
    with owner_conn(db) as scheduler:
        for job in jobs:  # every job by name: none is skipped as "already running"
            with scheduler.transaction():
                act_as(scheduler, "service_role")
                scheduler.execute("set local lock_timeout = '2s'")
                row = scheduler.execute("select status, detail from monitoring.run_maintenance(%s)", [job]).fetchone()
            assert row["status"] != "skipped", f"job {job} was skipped: {row['detail']}"


@pytest.mark.direct_only  # session-level advisory locks need a session of their own
def test_advisory_lock_squatters_delay_no_enqueue_with_dependencies(db, squatted):
    victim, first, _ = squatted
    with owner_conn(db) as conn:
        with conn.transaction():
            act_as(conn, "authenticated", {"sub": str(victim["member_id"])})
            conn.execute("set local lock_timeout = '2s'")  # a wait would fail with 55P03
            started = time.monotonic()
            row = conn.execute(
                "select status from tasks.enqueue_task(organization_id => %s, definition_name => 'job', depends_on => %s)",
                [victim["organization_id"], [first]]).fetchone()
            elapsed = time.monotonic() - started
    assert row["status"] == "blocked"
    assert elapsed < 1.5, f"enqueue with dependencies took {elapsed:.2f} s"


# --- 2. NOTIFY carries nothing a tenant wrote --------------------------------------------------------

def package_channels(conn) -> list[str]:
    rows = conn.execute(
        """select distinct m[1] as channel
             from pg_catalog.pg_proc as p
             join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
            cross join lateral regexp_matches(p.prosrc, 'pg_notify\\s*\\(\\s*''([a-z_]+)''', 'g') as m
            where n.nspname = any(%s)
            order by 1""", [PACKAGE_SCHEMAS]).fetchall()
    return [r["channel"] for r in rows]


def tenant_fingerprint(conn, org) -> str:
    """Every row of the tenant's queues and events, and the size of each queue table."""
    parts = []
    for table in ["tasks.tasks", "tasks.task_history", "events.events", "events.event_deliveries",
                  "events.event_processing_logs"]:
        rows = conn.execute(f"select t::text as r from {table} as t where organization_id = %s order by 1", [org]).fetchall()
        total = conn.execute(f"select count(*) as n from {table}").fetchone()["n"]
        parts.append(f"{table}:{total}:" + "|".join(r["r"] for r in rows))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@pytest.mark.direct_only  # LISTEN is session state: never through a transaction pooler
def test_anon_hears_only_empty_notifications_and_its_own_change_nothing(db):
    tag = uuid.uuid4().hex[:8]
    with owner_conn(db) as owner:
        tenant = owner.execute("select * from tests.create_tenant(%s)", [f"notify-{tag}"]).fetchone()
        org = tenant["organization_id"]
        queue = f"secret-queue-{tag}"
        owner.execute("insert into tasks.task_definitions (organization_id, name, queue_name) values (%s, 'job', %s)",
                      [org, queue])
        owner.execute("insert into events.event_subscriptions (organization_id, name, target_kind, target)"
                      " values (%s, 'hooks', 'webhook', 'https://hooks.example/secret')", [org])
        channels = package_channels(owner)
    assert len(channels) >= 3, f"the package notifies on its channels: {channels}"

    with psycopg.connect(db, autocommit=True) as listener, owner_conn(db) as conn:
        listener.execute("set role anon")
        for channel in channels:
            listener.execute(f'listen "{channel}"')
        # The tenant's work: a task ready at once, an event, its routing to a delivery.
        with conn.transaction():
            act_as(conn, "authenticated", {"sub": str(tenant["member_id"])})
            conn.execute("select tasks.enqueue_task(organization_id => %s, definition_name => 'job')", [org])
        with conn.transaction():
            act_as(conn, "service_role")
            conn.execute("select events.ingest_event(%s, 'linear', 'issue', '{\"action\": \"create\", \"data\": {}}')", [org])
        with conn.transaction():
            act_as(conn, "service_role")
            conn.execute("select events.process_pending_events()")

        heard: list[tuple[str, str]] = []
        deadline = time.monotonic() + 5
        for note in listener.notifies(timeout=5):
            heard.append((note.channel, note.payload))
            if {c for c, _ in heard} >= set(channels) or time.monotonic() > deadline:
                break
        assert {c for c, _ in heard} == set(channels), f"anon heard {heard}, the package notifies {channels}"
        assert {p for _, p in heard} == {""}, f"a notification carried data: {heard}"

        # A forged notification (anon may NOTIFY any channel) is a wasted poll at most: no row changes.
        before = tenant_fingerprint(conn, org)
        for channel in channels:
            listener.execute("select pg_notify(%s, %s)", [channel, queue])
            listener.execute("select pg_notify(%s, %s)", [channel, str(org)])
            listener.execute(f"notify \"{channel}\"")
        time.sleep(1)
        assert tenant_fingerprint(conn, org) == before, "a NOTIFY from anon changed rows of the package"


# --- 3. cross-row invariants at every isolation level ------------------------------------------------

@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_default_branch_rule_holds_at_every_isolation_level(test_url, tenant, isolation):
    """One session deletes every branch while another adds a non-default one: each is fine alone,
    together they would leave branches without a default."""
    org, member = tenant["organization_id"], tenant["member_id"]
    with owner_conn(test_url) as conn:
        repo = conn.execute(
            "insert into projects.repositories (organization_id, provider, full_name, clone_url) "
            "values (%s, 'github', 'race/iso', 'https://github.com/race/iso.git') returning id", [org]).fetchone()["id"]
        conn.execute(
            "insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha, is_default) "
            "values (%s, %s, 'main', repeat('a', 40), true), (%s, %s, 'dev', repeat('b', 40), false)",
            [org, repo, org, repo])

    wiped_and_checked = threading.Event()
    snapshot_taken = threading.Event()

    def wipe():
        with psycopg.connect(test_url) as conn:
            with conn.transaction():
                conn.execute(f"set transaction isolation level {isolation}")
                act_as(conn, "authenticated", {"sub": str(member)})
                assert snapshot_taken.wait(TIMEOUT)
                conn.execute("delete from projects.repository_branches where repository_id = %s", [repo])
                conn.execute("set constraints all immediate")  # the check runs (and serializes) now
                wiped_and_checked.set()
                time.sleep(0.5)  # commit only once the other session has reached its own check
        return "ok"

    def add():
        with psycopg.connect(test_url) as conn:
            with conn.transaction():
                conn.execute(f"set transaction isolation level {isolation}")
                act_as(conn, "authenticated", {"sub": str(member)})
                conn.execute("set local lock_timeout = '15s'")
                conn.execute(
                    "insert into projects.repository_branches (organization_id, repository_id, name, head_commit_sha) "
                    "values (%s, %s, 'feature', repeat('c', 40))", [org, repo])
                snapshot_taken.set()
                assert wiped_and_checked.wait(TIMEOUT)
                conn.execute("set constraints all immediate")  # waits for wipe's commit
        return "ok"

    wiped, added = (outcome(r) for r in run_threads([wipe, add]))
    assert wiped == "ok"
    expected = {"read committed": "23514", "repeatable read": "40001", "serializable": "40001"}[isolation]
    assert added == expected, f"under {isolation} adding a branch to a repository emptied meanwhile gave {added}"

    with owner_conn(test_url) as conn:
        broken = conn.execute(
            "select count(*) as n from projects.repository_branches as b where b.repository_id = %s "
            "and not exists (select from projects.repository_branches as d where d.repository_id = b.repository_id and d.is_default)",
            [repo]).fetchone()["n"]
    assert broken == 0, "a repository was left with branches and no default branch"


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_template_versions_are_numbered_once_at_every_isolation_level(test_url, tenant, isolation):
    """Two sessions add a (withdrawn) version to one template at the same moment."""
    org, member = tenant["organization_id"], tenant["member_id"]
    model = f"iso-model-{uuid.uuid4().hex[:8]}"
    with owner_conn(test_url) as conn:
        conn.execute("insert into prompts.models (name, provider, context_window, max_output_tokens) values (%s, 'smoke', 100000, 4096)",
                     [model])
        template = conn.execute("insert into prompts.prompt_templates (organization_id, name) values (%s, 'iso') returning id",
                                [org]).fetchone()["id"]
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def add_version(n: int):
        def run():
            with psycopg.connect(test_url) as conn:
                with conn.transaction():
                    conn.execute(f"set transaction isolation level {isolation}")
                    act_as(conn, "authenticated", {"sub": str(member)})
                    conn.execute("set local lock_timeout = '15s'")
                    barrier.wait()
                    conn.execute(
                        "insert into prompts.prompt_template_versions (organization_id, template_id, template_text, model, is_active)"
                        " values (%s, %s, %s, %s, false)", [org, template, f"text {n}", model])
                    time.sleep(0.3)  # both inserts are in flight together
            return "ok"
        return run

    try:
        outcomes = sorted(outcome(r) for r in run_threads([add_version(1), add_version(2)]))
        with owner_conn(test_url) as conn:
            versions = [r["version"] for r in conn.execute(
                "select version from prompts.prompt_template_versions where template_id = %s order by version", [template])]
        if isolation == "read committed":
            assert outcomes == ["ok", "ok"], "under READ COMMITTED the second waits, then numbers after the first"
            assert versions == [1, 2]
        else:
            assert outcomes == ["40001", "ok"], f"under {isolation} the second must fail with 40001, not {outcomes}"
            assert versions == [1]
    finally:
        with owner_conn(test_url) as conn:
            conn.execute("delete from prompts.prompt_templates where id = %s", [template])
            conn.execute("delete from prompts.models where name = %s", [model])


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_results_never_reach_a_run_that_ended_meanwhile(test_url, tenant, isolation):
    """A run ends (its completion aggregates the results it sees) while another session adds results
    to it: the results must not land in the ended run."""
    org = tenant["organization_id"]
    with owner_conn(test_url) as conn:
        repo = conn.execute(
            "insert into projects.repositories (organization_id, provider, full_name, clone_url) "
            "values (%s, 'github', 'race/run', 'https://github.com/race/run.git') returning id", [org]).fetchone()["id"]
        run = conn.execute(
            "insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status) "
            "values (%s, %s, repeat('d', 40), '{\"eslint\": \"9\"}', 'running') returning id", [org, repo]).fetchone()["id"]

    snapshot_taken = threading.Event()
    ended = threading.Event()

    def end_run():
        with psycopg.connect(test_url) as conn:
            with conn.transaction():
                conn.execute(f"set transaction isolation level {isolation}")
                act_as(conn, "service_role")
                assert snapshot_taken.wait(TIMEOUT)
                conn.execute("update analytics.analysis_runs set status = 'succeeded', finished_at = now() where id = %s", [run])
                ended.set()
                time.sleep(0.5)  # commit only once the other session is adding its results
        return "ok"

    def add_results():
        with psycopg.connect(test_url) as conn:
            with conn.transaction():
                conn.execute(f"set transaction isolation level {isolation}")
                act_as(conn, "service_role")
                conn.execute("set local lock_timeout = '15s'")
                conn.execute("select 1")  # the snapshot of REPEATABLE READ / SERIALIZABLE: the run is running
                snapshot_taken.set()
                assert ended.wait(TIMEOUT)
                conn.execute("insert into analytics.file_analysis (organization_id, run_id, file_path) values (%s, %s, 'src/late.ts')",
                             [org, run])
        return "ok"

    ended_run, added = (outcome(r) for r in run_threads([end_run, add_results]))
    assert ended_run == "ok"
    expected = {"read committed": "55000", "repeatable read": "40001", "serializable": "40001"}[isolation]
    assert added == expected, f"under {isolation} results for a run that ended meanwhile gave {added}"
    with owner_conn(test_url) as conn:
        late = conn.execute("select count(*) as n from analytics.file_analysis where run_id = %s", [run]).fetchone()["n"]
    assert late == 0, "results were added to a run that had ended"


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_dependant_enqueued_while_its_dependency_completes_is_released(test_url, tenant, isolation):
    """Session 1 enqueues B depending on A (running) and commits a moment later; session 2 completes A
    meanwhile. B must not stay blocked for ever: the completion waits for the edge and then sees it
    (READ COMMITTED), or fails with 40001 (REPEATABLE READ, SERIALIZABLE) and, retried, releases B."""
    org = tenant["organization_id"]
    queue = f"q-{uuid.uuid4().hex[:8]}"
    with owner_conn(test_url) as conn:
        conn.execute("insert into tasks.task_definitions (organization_id, name, queue_name) values (%s, 'job', %s)", [org, queue])
        with conn.transaction():
            act_as(conn, "service_role")
            a = conn.execute("select id from tasks.enqueue_task(organization_id => %s, definition_name => 'job')", [org]).fetchone()["id"]
            conn.execute("select id from tasks.claim_tasks(worker_id => 'w', queue_names => %s)", [[queue]])

    edge_added = threading.Event()
    completing = threading.Event()
    b_id: dict = {}

    def enqueue_dependant():
        with psycopg.connect(test_url, row_factory=dict_row) as conn:
            with conn.transaction():
                conn.execute(f"set transaction isolation level {isolation}")
                act_as(conn, "service_role")
                b_id["b"] = conn.execute(
                    "select id from tasks.enqueue_task(organization_id => %s, definition_name => 'job', depends_on => %s)",
                    [org, [a]]).fetchone()["id"]
                edge_added.set()
                assert completing.wait(TIMEOUT)
                time.sleep(0.5)  # the completion is waiting for this transaction
        return "ok"

    def complete_dependency():
        with psycopg.connect(test_url, row_factory=dict_row) as conn:
            with conn.transaction():
                conn.execute(f"set transaction isolation level {isolation}")
                act_as(conn, "service_role")
                conn.execute("set local lock_timeout = '15s'")
                assert edge_added.wait(TIMEOUT)
                completing.set()
                conn.execute("select status from tasks.complete_task(%s, %s, 'w')", [org, a])
        return "ok"

    enqueued, completed = (outcome(r) for r in run_threads([enqueue_dependant, complete_dependency]))
    assert enqueued == "ok"
    expected = {"read committed": "ok", "repeatable read": "40001", "serializable": "40001"}[isolation]
    assert completed == expected, f"under {isolation} the completion gave {completed}"
    if completed == "40001":  # what a worker does: retry
        with owner_conn(test_url) as conn:
            with conn.transaction():
                act_as(conn, "service_role")
                conn.execute("select status from tasks.complete_task(%s, %s, 'w')", [org, a])
    with owner_conn(test_url) as conn:
        b = conn.execute("select status, pending_dependencies from tasks.tasks where id = %s", [b_id["b"]]).fetchone()
    # Released: pending, or scheduled when its scheduled_at (its enqueue's time) is later than the
    # releasing transaction's start; never blocked with its only dependency gone.
    assert b["pending_dependencies"] == 0 and b["status"] in ("pending", "scheduled"), f"the dependant was left {b}"
