#!/usr/bin/env python3
"""Benchmark of the tasks work queue against a bare PostgreSQL queue on the same server.

    bench/tasks.py [--url URL] [--workers 8] [--duration 8] [--rounds 2] [--finished-rows 1000000]

The database at --url (default: $PLATFORM_BENCH_URL) must already hold the deployed package; this
script deploys nothing. It creates what it measures with (an organization `bench-tasks`, two task
definitions, and the baseline table in schema `bench_baseline`) and removes all of it at the end.
Workers act as service_role, as real workers do; the connecting user must be able to SET ROLE to it
(the deploying owner can).

Measured, each beside the baseline measured in the same run:
  * enqueue throughput, single-row (enqueue_task) and batched (enqueue_tasks, 100 per call);
  * single-claim throughput: claim_tasks(max_tasks => 1) then complete_task, each its own transaction,
    and in the same rounds a bare two-transaction queue driven by the same Python client (its ceiling
    with two statements per task);
  * batch-claim throughput: claim_tasks(max_tasks => 100) then complete_tasks (the 100 at once), and
    then 100 separate complete_task calls, each step its own transaction;
  * claim latency (claim + complete, one worker) with an empty history and with --finished-rows
    finished tasks present, plus as many future-scheduled and blocked tasks in the queue;
  * single claim + complete again with the pgbench client (C, prepared statements), so that the
    Python client's own cost does not flatten the ratio, beside the same baseline and beside a
    bare two-transaction queue (UPDATE ... SKIP LOCKED to take, DELETE to finish): the floor of any
    queue that leases a task in one transaction and finishes it in another; and beside the same
    queue whose finish also inserts a history row (the floor of a queue that keeps finished work).
The baseline is `DELETE FROM q WHERE id = (SELECT id FROM q ORDER BY id FOR UPDATE SKIP LOCKED
LIMIT n) RETURNING *` (n = 1 or 100) on a table (id bigserial primary key, payload jsonb), filled by
single or batched INSERTs. Throughput phases run --rounds times, alternating tasks and baseline, and
report the median; both tables are vacuumed before each claim round so each starts alike.
Prints a Markdown report on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import pgbench  # noqa: E402

ORG_SLUG = "bench-tasks"
DEF_NAME = "bench"
QUEUE = "bench"
PAYLOAD = {"repository": "acme/api", "ref": "main", "step": 1}


# -- helpers --------------------------------------------------------------------------------------

def connect(url: str, *, worker: bool = True) -> psycopg.Connection:
    conn = psycopg.connect(url, autocommit=True, prepare_threshold=0)
    if worker:
        conn.execute("set role service_role")
        conn.execute("select set_config('request.jwt.claims', '{\"role\": \"service_role\"}', false)")
    return conn


def run_workers(url: str, workers: int, duration: float, body, *, worker_role: bool = True) -> tuple[int, float]:
    """Run `body(conn, stop_at) -> units done` in `workers` threads; returns (units, seconds)."""
    conns = [connect(url, worker=worker_role) for _ in range(workers)]
    counts = [0] * workers
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers + 1)

    def run(i: int) -> None:
        try:
            barrier.wait()
            counts[i] = body(conns[i], i, time.monotonic() + duration)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    for c in conns:
        c.close()
    if errors:
        raise errors[0]
    return sum(counts), elapsed


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# -- set-up and clean-up --------------------------------------------------------------------------

def setup(admin: psycopg.Connection) -> str:
    admin.execute("""
        insert into base.organizations (name, slug) values ('Bench Tasks', %s)
        on conflict (slug) do nothing""", [ORG_SLUG])
    org = admin.execute("select id from base.organizations where slug = %s", [ORG_SLUG]).fetchone()[0]
    admin.execute("""
        insert into tasks.task_definitions (organization_id, name, queue_name, max_attempts)
        values (%s, %s, %s, 3), (%s, 'bench-history', 'bench-history', 3)
        on conflict (organization_id, name) do nothing""", [org, DEF_NAME, QUEUE, org])
    admin.execute("create schema if not exists bench_baseline")
    admin.execute("drop table if exists bench_baseline.q")
    admin.execute("create table bench_baseline.q (id bigserial primary key, payload jsonb not null default '{}')")
    admin.execute("grant usage on schema bench_baseline to service_role")
    admin.execute("grant select, insert, update, delete on bench_baseline.q to service_role")
    admin.execute("grant usage on sequence bench_baseline.q_id_seq to service_role")
    admin.execute("drop table if exists bench_baseline.q2")
    admin.execute("""create table bench_baseline.q2 (id bigserial primary key, status text not null default 'pending',
                                                   worker text, payload jsonb not null default '{}')""")
    admin.execute("create index q2_pending_idx on bench_baseline.q2 (id) where status = 'pending'")
    admin.execute("grant select, insert, update, delete on bench_baseline.q2 to service_role")
    # What the two-transaction queue's finish step writes when it also keeps a record of the finished
    # task, as the tasks module does (its task_history).
    admin.execute("drop table if exists bench_baseline.q2_history")
    admin.execute("""create table bench_baseline.q2_history (id bigint primary key, worker text, payload jsonb not null,
                                                           finished_at timestamptz not null)""")
    admin.execute("grant select, insert on bench_baseline.q2_history to service_role")
    return str(org)


def reset_queue(admin: psycopg.Connection, org: str) -> None:
    """Empty the bench organization's queue and history, and the baseline table."""
    admin.execute("delete from tasks.tasks where organization_id = %s", [org])
    # task_history is append-only for every role (base/append_only). The benchmark runs as the
    # owner, which may ALTER its own tables: it lifts the guard for this one DELETE, in one
    # transaction, so no other session ever sees it off.
    with admin.transaction():
        # On Citus trigger DDL on a distributed table needs this (a placeholder setting elsewhere).
        admin.execute("set local citus.enable_unsafe_triggers = on")
        admin.execute("alter table tasks.task_history disable trigger _000_append_only")
        admin.execute("delete from tasks.task_history where organization_id = %s", [org])
        admin.execute("alter table tasks.task_history enable trigger _000_append_only")
    admin.execute("truncate bench_baseline.q, bench_baseline.q2, bench_baseline.q2_history")


def cleanup(admin: psycopg.Connection, org: str) -> None:
    reset_queue(admin, org)
    admin.execute("delete from base.organizations where id = %s", [org])
    admin.execute("drop schema bench_baseline cascade")


def fill_two_step_queue(admin: psycopg.Connection, rows: int) -> None:
    """`rows` pending rows in the bare two-transaction queue (bench_baseline.q2), vacuumed."""
    admin.execute("insert into bench_baseline.q2 (payload) select %s::jsonb from generate_series(1, %s)",
                  [json.dumps(PAYLOAD), rows])
    admin.execute("vacuum analyze bench_baseline.q2")


def prefill(admin: psycopg.Connection, org: str, tasks: int, baseline: int) -> None:
    payload = json.dumps(PAYLOAD)
    for start in range(0, tasks, 10000):
        admin.execute("""select count(*) from tasks.enqueue_tasks(organization_id => %s, definition_name => %s,
                                                                  payloads => array_fill(%s::jsonb, array[%s]))""",
                      [org, DEF_NAME, payload, min(10000, tasks - start)])
    admin.execute("insert into bench_baseline.q (payload) select %s::jsonb from generate_series(1, %s)",
                  [payload, baseline])
    fill_two_step_queue(admin, baseline)
    admin.execute("vacuum analyze tasks.tasks")
    # The previous round's history rows were deleted by reset_queue: vacuum them now, not in the
    # middle of the next measurement.
    admin.execute("vacuum tasks.task_history")
    admin.execute("vacuum analyze bench_baseline.q")


# -- workloads ------------------------------------------------------------------------------------

def enqueue_single(org: str):
    payload = json.dumps(PAYLOAD)

    def body(conn, i, stop_at):
        n = 0
        while time.monotonic() < stop_at:
            conn.execute("select id from tasks.enqueue_task(organization_id => %s, definition_name => %s, payload => %s)",
                         [org, DEF_NAME, payload])
            n += 1
        return n
    return body


def baseline_insert_single(conn, i, stop_at):
    payload = json.dumps(PAYLOAD)
    n = 0
    while time.monotonic() < stop_at:
        conn.execute("insert into bench_baseline.q (payload) values (%s)", [payload])
        n += 1
    return n


def enqueue_batched(org: str, size: int = 100):
    payloads = [json.dumps(PAYLOAD)] * size

    def body(conn, i, stop_at):
        n = 0
        while time.monotonic() < stop_at:
            conn.execute("select count(*) from tasks.enqueue_tasks(organization_id => %s, definition_name => %s, payloads => %s::jsonb[])",
                         [org, DEF_NAME, payloads])
            n += size
        return n
    return body


def baseline_insert_batched(size: int = 100):
    payloads = [json.dumps(PAYLOAD)] * size

    def body(conn, i, stop_at):
        n = 0
        while time.monotonic() < stop_at:
            conn.execute("insert into bench_baseline.q (payload) select p from unnest(%s::jsonb[]) as p", [payloads])
            n += size
        return n
    return body


def claim_single(conn, i, stop_at):
    worker = f"bench-{i}"
    n = 0
    while time.monotonic() < stop_at:
        row = conn.execute("select organization_id, id from tasks.claim_tasks(worker_id => %s, max_tasks => 1, queue_names => %s)",
                           [worker, [QUEUE]]).fetchone()
        if row is None:
            break
        conn.execute("select 1 from tasks.complete_task(organization_id => %s, task_id => %s, worker_id => %s, result => %s)",
                     [row[0], row[1], worker, '{"ok": true}'])
        n += 1
    return n


def claim_batch(batch: int, batch_complete: bool):
    def body(conn, i, stop_at):
        worker = f"bench-{i}"
        n = 0
        while time.monotonic() < stop_at:
            rows = conn.execute("select organization_id, id from tasks.claim_tasks(worker_id => %s, max_tasks => %s, queue_names => %s)",
                                [worker, batch, [QUEUE]]).fetchall()
            if not rows:
                break
            if batch_complete:
                done = conn.execute("select count(*) from tasks.complete_tasks(worker_id => %s, task_ids => %s)",
                                    [worker, [r[1] for r in rows]]).fetchone()[0]
                assert done == len(rows), (done, len(rows))
            else:
                for org, task_id in rows:
                    conn.execute("select 1 from tasks.complete_task(organization_id => %s, task_id => %s, worker_id => %s)",
                                 [org, task_id, worker])
            n += len(rows)
        return n
    return body


def two_step_single(conn, i, stop_at):
    """The bare two-transaction queue with this client: UPDATE ... SKIP LOCKED to take, DELETE to finish."""
    worker = f"bench-{i}"
    n = 0
    while time.monotonic() < stop_at:
        row = conn.execute("update bench_baseline.q2 set status = 'running', worker = %s "
                           "where id = (select id from bench_baseline.q2 where status = 'pending' order by id "
                           "for update skip locked limit 1) returning id", [worker]).fetchone()
        if row is None:
            break
        conn.execute("delete from bench_baseline.q2 where id = %s", [row[0]])
        n += 1
    return n


def baseline_delete(batch: int):
    sql = ("delete from bench_baseline.q where id = any (array(select id from bench_baseline.q order by id "
           "for update skip locked limit %s)) returning *") if batch > 1 else (
           "delete from bench_baseline.q where id = (select id from bench_baseline.q order by id "
           "for update skip locked limit 1) returning *")

    def body(conn, i, stop_at):
        n = 0
        while time.monotonic() < stop_at:
            rows = conn.execute(sql, [batch] if batch > 1 else None).fetchall()
            if not rows:
                break
            n += len(rows)
        return n
    return body


# -- phases ---------------------------------------------------------------------------------------

def throughput(args, admin, org, label, ours, base, *, prefill_tasks=0, prefill_base=0, reference=None):
    """Median rates of `ours`, `base` and `reference` (None when not given), run in the same rounds."""
    ours_rates, base_rates, ref_rates = [], [], []
    for _ in range(args.rounds):
        reset_queue(admin, org)
        if prefill_tasks or prefill_base:
            prefill(admin, org, prefill_tasks, prefill_base)
        n, s = run_workers(args.url, args.workers, args.duration, ours)
        ours_rates.append(n / s)
        n, s = run_workers(args.url, args.workers, args.duration, base)
        base_rates.append(n / s)
        if reference is not None:
            n, s = run_workers(args.url, args.workers, args.duration, reference)
            ref_rates.append(n / s)
    o, b = statistics.median(ours_rates), statistics.median(base_rates)
    print(f"  {label}: tasks {o:,.0f}/s, baseline {b:,.0f}/s "
          f"(rounds: {', '.join(f'{r:,.0f}' for r in ours_rates)} / {', '.join(f'{r:,.0f}' for r in base_rates)})",
          file=sys.stderr)
    return o, b, (statistics.median(ref_rates) if ref_rates else None)


def pgbench_single_claim(args, admin, org) -> tuple[float, float, float, float]:
    """Median tasks/s of claim + complete, the one-statement baseline, the two-step floor and the
    two-step floor that also keeps a history row, with pgbench."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pgbench")
    runs = {"tasks": [], "base": [], "two": [], "hist": []}
    # pgbench stops a client whose claim finds nothing, so the queues hold more than the run can take
    # (the fastest of them, the one-statement baseline, took 24,000 rows/s in a 1 s run on 2 cores).
    fill = int(40_000 * max(1, round(args.duration)))
    for _ in range(args.rounds):
        reset_queue(admin, org)
        prefill(admin, org, fill, fill)
        for key, script in (("tasks", "tasks_claim.sql"), ("base", "tasks_baseline_delete.sql"),
                            ("two", "tasks_baseline_two_step.sql"), ("hist", "tasks_baseline_two_step_history.sql")):
            if key == "hist":
                # Both two-step floors take from bench_baseline.q2: start this one with a full queue too.
                admin.execute("truncate bench_baseline.q2, bench_baseline.q2_history")
                fill_two_step_queue(admin, fill)
            r = pgbench(args.url, [(os.path.join(here, script), 1)], args.workers, args.duration, {}, role="service_role")
            if r.get("failed"):
                raise RuntimeError(f"pgbench {script}: {r['failed']} failed transactions")
            runs[key].append(r["tps"])
    o, b, t, h = (statistics.median(runs[k]) for k in ("tasks", "base", "two", "hist"))
    print(f"  pgbench single claim: tasks {o:,.0f}/s, baseline {b:,.0f}/s, two-step {t:,.0f}/s, "
          f"two-step with history {h:,.0f}/s", file=sys.stderr)
    return o, b, t, h


def dead_tuples(admin) -> tuple[int, int, int]:
    admin.execute("select pg_stat_force_next_flush()")
    row = admin.execute("""
        select n_live_tup, n_dead_tup, pg_relation_size('tasks.tasks')
          from pg_stat_user_tables where relid = 'tasks.tasks'::regclass""").fetchone()
    return row


def claim_latency(args, admin, org, pending: int, samples: int) -> tuple[float, float]:
    """p50 and p99 (ms) of claim_tasks + complete_task by one worker, `pending` ready tasks queued."""
    admin.execute("delete from tasks.tasks where organization_id = %s and queue_name = %s", [org, QUEUE])
    admin.execute("""select count(*) from tasks.enqueue_tasks(organization_id => %s, definition_name => %s,
                                                         payloads => array_fill(%s::jsonb, array[%s]))""",
                  [org, DEF_NAME, json.dumps(PAYLOAD), pending])
    admin.execute("vacuum analyze tasks.tasks")
    conn = connect(args.url)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        row = conn.execute("select organization_id, id from tasks.claim_tasks(worker_id => 'latency', max_tasks => 1, queue_names => %s)",
                           [[QUEUE]]).fetchone()
        conn.execute("select 1 from tasks.complete_task(organization_id => %s, task_id => %s, worker_id => 'latency')",
                     [row[0], row[1]])
        times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return percentile(times, 50), percentile(times, 99)


def load_history(admin, org: str, finished: int, live: int) -> None:
    """`finished` finished tasks (succeeded, failed, cancelled) spread over 90 days, and `live`
    future-scheduled and blocked tasks in the queue, all in another queue than the one measured."""
    definition = admin.execute("select id from tasks.task_definitions where organization_id = %s and name = 'bench-history'",
                               [org]).fetchone()[0]
    admin.execute("""
        insert into tasks.task_history
          (organization_id, id, definition_id, queue_name, status, priority, payload, scheduled_at, attempts,
           max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id, started_at,
           finished_at, result, last_error, cancellation_reason, created_at, updated_at)
        select %(org)s, base.uuid_generate_v7(), %(def)s, 'bench-history',
               s.status, 0, '{"n": 1}', f.at - interval '1 minute', 1, 3, interval '5 minutes', interval '1 second',
               interval '1 hour', 0, 'history-worker', f.at - interval '30 seconds', f.at,
               case when s.status = 'succeeded' then '{"ok": true}'::jsonb end,
               case when s.status = 'failed' then 'boom' end,
               case when s.status = 'cancelled' then 'bench' end, f.at - interval '1 minute', f.at
          from generate_series(1, %(n)s) as g(i)
          cross join lateral (select (array['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled'])[1 + g.i %% 5] as status) as s
          cross join lateral (select now() - (g.i %% 90) * interval '1 day' - (g.i %% 86400) * interval '1 second' as at) as f
    """, {"org": org, "def": definition, "n": finished})
    # Future work and blocked work share the hot table with the measured queue.
    admin.execute("""
        insert into tasks.tasks (organization_id, definition_id, queue_name, status, payload, scheduled_at,
                                 max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies)
        select %(org)s, %(def)s, 'bench-history', case when g.i %% 2 = 0 then 'scheduled' else 'blocked' end,
               '{"n": 1}', now() + interval '1 day', 3, interval '5 minutes', interval '1 second', interval '1 hour',
               case when g.i %% 2 = 0 then 0 else 1 end
          from generate_series(1, %(n)s) as g(i)
    """, {"org": org, "def": definition, "n": live})
    admin.execute("vacuum analyze tasks.tasks")
    admin.execute("analyze tasks.task_history")


# -- main -----------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("PLATFORM_BENCH_URL"),
                        help="database with the package deployed (default: $PLATFORM_BENCH_URL)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per throughput measurement")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per throughput figure (median)")
    parser.add_argument("--finished-rows", type=int, default=1_000_000)
    parser.add_argument("--live-rows", type=int, default=None,
                        help="scheduled and blocked tasks added to the queue for the latency test (default: finished-rows / 10)")
    parser.add_argument("--latency-samples", type=int, default=2000)
    parser.add_argument("--only", choices=["throughput", "latency"], help="run one half of the benchmark")
    args = parser.parse_args()
    if not args.url:
        parser.error("--url or PLATFORM_BENCH_URL is required")

    admin = psycopg.connect(args.url, autocommit=True)
    version = admin.execute("show server_version").fetchone()[0]
    settings = dict(admin.execute("""select name, setting from pg_settings
                                      where name in ('fsync', 'synchronous_commit', 'shared_buffers',
                                                     'autovacuum_naptime', 'max_connections')""").fetchall())
    org = setup(admin)
    results = []
    live = args.live_rows if args.live_rows is not None else args.finished_rows // 10
    dead = empty = full = None
    try:
        if args.only != "latency":
            print("enqueue ...", file=sys.stderr)
            o, b, _ = throughput(args, admin, org, "enqueue single", enqueue_single(org), baseline_insert_single)
            results.append(("Enqueue, single row (enqueue_task / INSERT)", o, b, "1 row per transaction"))
            o, b, _ = throughput(args, admin, org, "enqueue batched", enqueue_batched(org), baseline_insert_batched())
            results.append(("Enqueue, batched (enqueue_tasks / INSERT ... SELECT)", o, b, "100 rows per transaction"))

            expected = int(10_000 * args.duration)
            print("claim ...", file=sys.stderr)
            o, b, two = throughput(args, admin, org, "single claim", claim_single, baseline_delete(1),
                                   prefill_tasks=expected, prefill_base=expected * 2, reference=two_step_single)
            dead = dead_tuples(admin)
            results.append(("Single claim + complete (claim_tasks(1) then complete_task / DELETE ... LIMIT 1)", o, b,
                            f"2 transactions per task vs 1; queue prefilled with {expected:,} tasks; with this client "
                            f"a bare two-transaction queue did {two:,.0f}/s ({two / b:.0%} of the baseline), so the "
                            f"module reaches {o / two:.0%} of that floor"))
            o, b, _ = throughput(args, admin, org, "batch claim, batch complete", claim_batch(100, True), baseline_delete(100),
                              prefill_tasks=expected * 2, prefill_base=expected * 5)
            results.append(("Batch claim 100 then complete_tasks (2 transactions per 100 tasks / DELETE ... LIMIT 100)", o, b,
                            f"queue prefilled with {expected * 2:,} tasks"))
            o, b, _ = throughput(args, admin, org, "batch claim, single completes", claim_batch(100, False), baseline_delete(100),
                              prefill_tasks=expected * 2, prefill_base=expected * 5)
            results.append(("Batch claim 100 then 100 complete_task (101 transactions per 100 tasks / DELETE ... LIMIT 100)", o, b,
                            f"queue prefilled with {expected * 2:,} tasks"))
            o, b, two, hist = pgbench_single_claim(args, admin, org)
            results.append(("Single claim + complete, pgbench client (claim_tasks(1) then complete_task / DELETE ... LIMIT 1)",
                            o, b, f"2 transactions per task vs 1; a bare two-transaction queue (UPDATE to take, DELETE "
                                  f"to finish) did {two:,.0f}/s ({two / b:.0%} of the baseline), {hist:,.0f}/s when its "
                                  f"finish also inserts a history row ({hist / b:.0%}); the tasks module reaches "
                                  f"{o / two:.0%} and {o / hist:.0%} of those floors"))

        if args.only != "throughput":
            print("latency ...", file=sys.stderr)
            reset_queue(admin, org)
            empty = claim_latency(args, admin, org, 5000, args.latency_samples)
            t0 = time.monotonic()
            load_history(admin, org, args.finished_rows, live)
            load_s = time.monotonic() - t0
            full = claim_latency(args, admin, org, 5000, args.latency_samples)
            history_rows = admin.execute("select count(*) from tasks.task_history where organization_id = %s", [org]).fetchone()[0]
    finally:
        print("cleaning up ...", file=sys.stderr)
        cleanup(admin, org)
        admin.close()

    print(f"## tasks work queue benchmark\n")
    print(f"- machine: {platform.node()}, {os.cpu_count()} CPUs (nproc), {platform.system()} {platform.release()}, "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    print(f"- PostgreSQL {version}; " + ", ".join(f"{k}={v}" for k, v in sorted(settings.items())))
    print(f"- {args.workers} workers: Python threads (psycopg, autocommit, prepared statements, role service_role), "
          f"and pgbench clients for the last row; "
          f"{args.duration:g} s per measurement, median of {args.rounds} alternating rounds")
    print(f"- baseline: bare `DELETE ... WHERE id = (SELECT id ... ORDER BY id FOR UPDATE SKIP LOCKED LIMIT n) "
          f"RETURNING *` queue table (bigserial key, jsonb payload) on the same server, same run\n")
    if results:
        print("| measurement | tasks module | baseline | ratio | notes |")
        print("|---|---:|---:|---:|---|")
        for label, o, b, note in results:
            print(f"| {label} | {o:,.0f} tasks/s | {b:,.0f} rows/s | {o / b:.0%} | {note} |")
        live_rows, dead_rows, size = dead
        print(f"\nQueue table after the single-claim run: {live_rows:,} live rows, {dead_rows:,} dead rows, "
              f"{size / 1024 / 1024:.1f} MiB (autovacuum_naptime={settings.get('autovacuum_naptime')}s).")
    if empty:
        print(f"\n| claim latency (claim_tasks + complete_task, 1 worker, 5,000 ready tasks) | p50 | p99 |")
        print("|---|---:|---:|")
        print(f"| empty history, nothing else queued | {empty[0]:.2f} ms | {empty[1]:.2f} ms |")
        print(f"| {history_rows:,} finished tasks in task_history + {live:,} scheduled/blocked tasks in the queue "
              f"(loaded in {load_s:.0f} s) | {full[0]:.2f} ms | {full[1]:.2f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
