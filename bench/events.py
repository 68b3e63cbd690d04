#!/usr/bin/env python3
"""Benchmark of the events module, each figure beside a baseline measured in the same run.

  python bench/events.py [--url URL] [--single N] [--batch-events N] [--route-events N]
                         [--retention-events N] [--out FILE]

URL defaults to $PLATFORM_BENCH_URL: a database deployed with the whole package, reached as
the deploying owner (the benchmark creates a scratch schema `bench_events`, a scratch
organization, and a month of old partitions, and removes them at the end).

What it measures
  1. Single-row ingest: events.ingest_event() (with and without an idempotency key), one
     transaction per event, against a plain INSERT of the same row into `bench_events.baseline`,
     a partitioned table LIKE events.events (same columns, defaults, checks, indexes, the
     organization foreign key) with no dedup, no validation, no source table, no NOTIFY.
     One session, then 4 sessions at once. Rounds alternate the three variants so drift in the
     machine hits them alike.
  2. Batched ingest: events.ingest_events() with 500 events per call against one
     INSERT ... SELECT of the same 500 JSON elements into the baseline table.
  3. Routing: events.process_pending_events(500) until the queue is empty, against one bare
     INSERT ... SELECT joining the same events with the subscriptions into a LIKE copy of
     event_deliveries (no claim, no log, no status update).
  4. Retention: a month of N GitHub events (with source rows and idempotency keys) two years
     old, removed by events.cleanup_old_events() (detach + drop of the month's partitions, then
     the keys), against DELETE of the same rows (events, source rows, keys) in one transaction.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import threading
import time
import uuid

import psycopg

PAYLOAD = {
    "ref": "refs/heads/main",
    "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    "after": "76ae82ef3b0f3c2b8a2e1ab3c2a2d4e5f6a7b8c9",
    "repository": {"id": 1296269, "full_name": "acme/api", "private": True, "default_branch": "main"},
    "pusher": {"name": "ada", "email": "ada@acme.test"},
    "sender": {"login": "ada", "id": 583231, "type": "User"},
    "commits": [{"id": "76ae82ef3b0f3c2b8a2e1ab3c2a2d4e5f6a7b8c9", "message": "Fix the flaky retry test in the worker",
                 "timestamp": "2026-11-20T10:11:12Z", "added": [], "removed": [], "modified": ["worker/retry.py"]}],
}


def now_ms() -> float:
    return time.perf_counter()


class Bench:
    def __init__(self, url: str):
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True)
        self.rows: list[tuple] = []
        self.notes: list[str] = []

    # -- setup ------------------------------------------------------------------------------------
    def setup(self) -> None:
        c = self.conn
        c.execute("drop schema if exists bench_events cascade")
        c.execute("create schema bench_events")
        self.org = c.execute(
            "insert into base.organizations (name, slug) values ('Bench events', %s) returning id",
            [f"bench-ev-{uuid.uuid4().hex[:8]}"]).fetchone()[0]
        c.execute(
            "insert into events.event_subscriptions (organization_id, name, source, event_type_pattern, payload_filter,"
            " target_kind, target) values"
            " (%(o)s, 'archive', null, '*', '{}', 'handler', 'archive'),"
            " (%(o)s, 'ci', 'github', 'pu?h', '{}', 'queue', 'ci'),"
            " (%(o)s, 'api bot', 'github', '*', '{\"repository\": {\"full_name\": \"acme/api\"}}', 'webhook',"
            "  'https://hooks.example/api'),"
            " (%(o)s, 'chat', 'slack', '*', '{}', 'webhook', 'https://hooks.example/chat')",
            {"o": self.org})
        for table, parent, key in (("baseline", "events.events", "received_at"),
                                   ("baseline_deliveries", "events.event_deliveries", "event_received_at")):
            c.execute(f"create table bench_events.{table} (like {parent} including defaults including constraints"
                      f" including indexes) partition by range ({key})")
            c.execute(f"create table bench_events.{table}_default partition of bench_events.{table} default")
            for months in (0, 1):
                ddl = c.execute(
                    f"select format('create table bench_events.%%I partition of bench_events.{table}"
                    f" for values from (%%L) to (%%L)', '{table}_' || %s, s, base.partition_period_end('month', s))"
                    f" from (select base.partition_period_start('month', now() + %s * interval '1 month') as s) as x",
                    [months, months]).fetchone()[0]
                c.execute(ddl)
        c.execute("alter table bench_events.baseline add constraint baseline_organization_id_fkey"
                  " foreign key (organization_id) references base.organizations (id) on delete cascade")
        c.execute("alter table bench_events.baseline_deliveries add constraint baseline_deliveries_subscription_fkey"
                  " foreign key (organization_id, subscription_id) references events.event_subscriptions"
                  " (organization_id, id) on delete cascade")

    # -- helpers ----------------------------------------------------------------------------------
    def record(self, what: str, count: int, seconds: float, baseline: float | None = None, unit: str = "events/s",
               size: str = "") -> float:
        rate = count / seconds if seconds else float("inf")
        self.rows.append((what, count, seconds, rate, baseline, unit, size))
        return rate

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, prepare_threshold=0)

    def pending_count(self) -> int:
        return self.conn.execute("select count(*) from events.events where status = 'pending'").fetchone()[0]

    def route_all(self) -> None:
        while self.conn.execute("select events.process_pending_events(5000)").fetchone()[0]:
            pass

    # -- 1. single-row ingest -----------------------------------------------------------------------
    def single(self, n: int, sessions: int = 1, slice_size: int = 100) -> None:
        """n calls per variant, split over `sessions` concurrent sessions; the variants take turns in
        slices of `slice_size` calls per session, so load from elsewhere hits them alike."""
        payload = json.dumps(PAYLOAD)
        sql = {
            "baseline": ("insert into bench_events.baseline (organization_id, source, event_type, occurred_at,"
                         " idempotency_key, payload, metadata) values (%s, 'github', 'push', now(), %s, %s, '{}')"),
            "baseline_id": ("insert into bench_events.baseline (id, organization_id, source, event_type, occurred_at,"
                            " idempotency_key, payload, metadata) values (%s, %s, 'github', 'push', now(), %s, %s, '{}')"),
            "key": ("select events.ingest_event(organization_id => %s, source => 'github', event_type => 'push',"
                    " idempotency_key => %s, payload => %s)"),
            "nokey": ("select events.ingest_event(organization_id => %s, source => 'github', event_type => 'push',"
                      " payload => %s)"),
        }
        run_id = uuid.uuid4().hex[:6]
        conns = {(v, k): self.connect() for v in sql for k in range(sessions)}
        for (v, k), conn in conns.items():  # warm each session's plan cache outside the timing
            for i in range(5):
                self._single_call(conn, v, sql[v], payload, f"warm-{run_id}-{v}-{k}-{i}")
        totals = {v: 0.0 for v in sql}
        per_session = max(slice_size, n // sessions)
        slices = per_session // slice_size
        for sl in range(slices):
            for v in sql:
                barrier = threading.Barrier(sessions + 1)

                def work(k: int, v=v) -> None:
                    barrier.wait()
                    for i in range(slice_size):
                        self._single_call(conns[(v, k)], v, sql[v], payload, f"{v}-{run_id}-{k}-{sl}-{i}")

                threads = [threading.Thread(target=work, args=(k,)) for k in range(sessions)]
                for t in threads:
                    t.start()
                barrier.wait()
                t0 = now_ms()
                for t in threads:
                    t.join()
                totals[v] += now_ms() - t0
        for conn in conns.values():
            conn.close()
        total = slices * slice_size * sessions
        label = f"{sessions} session{'s' if sessions > 1 else ''}"
        base = self.record(f"single-row INSERT, baseline ({label})", total, totals["baseline"])
        self.record(f"single-row INSERT with the id sent by the client ({label})", total, totals["baseline_id"], base)
        self.record(f"ingest_event with idempotency key ({label})", total, totals["key"], base)
        self.record(f"ingest_event without key ({label})", total, totals["nokey"], base)

    def _single_call(self, conn, variant: str, sql: str, payload: str, key: str) -> None:
        if variant == "nokey":
            conn.execute(sql, [self.org, payload])
        elif variant == "baseline_id":
            conn.execute(sql, [uuid.uuid4(), self.org, key, payload])
        else:
            conn.execute(sql, [self.org, key, payload])

    # -- 2. batched ingest ---------------------------------------------------------------------------
    def batched(self, n: int, batch: int = 500) -> None:
        run_id = uuid.uuid4().hex[:6]
        calls = max(1, n // batch)
        totals = {"baseline": 0.0, "ingest": 0.0}

        def doc(tag: str, call: int) -> str:
            return json.dumps([{"source": "github", "event_type": "push", "payload": PAYLOAD,
                                "idempotency_key": f"{tag}-{run_id}-{call}-{i}"} for i in range(batch)])

        with self.connect() as conn:
            conn.execute("select count(*) from events.ingest_events(%s, %s::jsonb)", [self.org, doc("warm", 0)])
            for k in range(calls):  # the two take turns, call by call
                d = doc("bb", k)
                t0 = now_ms()
                conn.execute(
                    "insert into bench_events.baseline (organization_id, source, event_type, occurred_at,"
                    " idempotency_key, payload, metadata)"
                    " select %s, e ->> 'source', e ->> 'event_type', coalesce((e ->> 'occurred_at')::timestamptz, now()),"
                    "        e ->> 'idempotency_key', e -> 'payload', coalesce(e -> 'metadata', '{}')"
                    "   from jsonb_array_elements(%s::jsonb) as e", [self.org, d])
                totals["baseline"] += now_ms() - t0
                d = doc("bi", k)
                t0 = now_ms()
                conn.execute("select count(*) from events.ingest_events(%s, %s::jsonb)", [self.org, d])
                totals["ingest"] += now_ms() - t0
        total = calls * batch
        base = self.record(f"batched INSERT ... SELECT of {batch} JSON elements, baseline", total, totals["baseline"])
        self.record(f"ingest_events, {batch} per call, with keys", total, totals["ingest"], base)

    # -- 3. routing ----------------------------------------------------------------------------------
    def routing(self, n: int) -> None:
        self.route_all()  # what earlier phases left pending is not part of this measurement
        events = [{"source": "github" if i % 4 else "slack", "event_type": "push" if i % 4 else "message",
                   "payload": (dict(PAYLOAD, repository={"full_name": "acme/api" if i % 3 else "acme/web"})
                               if i % 4 else {"team_id": "T1", "event": {"channel": "C1", "text": "hi"}})}
                  for i in range(n)]
        for k in range(0, n, 1000):
            self.conn.execute("select count(*) from events.ingest_events(%s, %s::jsonb)",
                              [self.org, json.dumps(events[k:k + 1000])])
        self.conn.execute("analyze events.events")
        self.conn.execute("create table bench_events.routed as"
                          " select organization_id, id from events.events where status = 'pending'")
        t0 = now_ms()
        base_rows = self.conn.execute(
            "insert into bench_events.baseline_deliveries (organization_id, event_received_at, event_id, subscription_id,"
            " target_kind, max_attempts, backoff_base_seconds, backoff_cap_seconds, lease_seconds)"
            " select e.organization_id, e.received_at, e.id, s.id, s.target_kind, 5, 10, 3600, s.lease_seconds"
            "   from events.events as e join events.event_subscriptions as s"
            "     on s.organization_id = e.organization_id and s.is_active"
            "    and events.subscription_matches(e.source, e.event_type, e.payload, s.source, s.event_type_like, s.payload_filter)"
            "  where e.status = 'pending'").rowcount
        base_s = now_ms() - t0
        t0 = now_ms()
        routed = 0
        with self.connect() as conn:
            while True:
                got = conn.execute("select events.process_pending_events(500)").fetchone()[0]
                routed += got
                if not got:
                    break
        route_s = now_ms() - t0
        deliveries = self.conn.execute(
            "select count(*) from events.event_deliveries as d join bench_events.routed as r"
            " on d.organization_id = r.organization_id and d.event_id = r.id").fetchone()[0]
        base = self.record("bare INSERT ... SELECT of the matching deliveries, baseline", n, base_s,
                           size=f"{base_rows} deliveries")
        self.record("process_pending_events(500) until empty", routed, route_s, base,
                    size=f"{deliveries} deliveries, {deliveries / route_s:,.0f} deliveries/s")

    # -- 4. retention --------------------------------------------------------------------------------
    def make_old_month(self, n: int) -> tuple[dt.datetime, str]:
        c = self.conn
        start = c.execute("select base.partition_period_start('month', now() - interval '2 years')").fetchone()[0]
        for table in ("events.events", "events.github_events", "events.linear_events", "events.slack_events",
                      "events.deployment_events", "events.event_deliveries"):
            c.execute("select base.create_partition(%s::regclass, 'month', %s)", [table, start])
        t0 = now_ms()
        # Rows two years old are outside the partition key window (base.partition_config): the
        # owner lifts the key trigger of events.events for this one INSERT, in one transaction.
        with c.transaction():
            c.execute("alter table events.events disable trigger _000_check_partition_key")
            self._insert_old_month(n, start)
            c.execute("alter table events.events enable trigger _000_check_partition_key")
        gen_s = now_ms() - t0
        c.execute("vacuum analyze events.events, events.github_events, events.event_idempotency_keys")
        size = c.execute(
            "select pg_size_pretty(sum(pg_total_relation_size(i.inhrelid)))"
            "  from pg_inherits as i cross join lateral base.partition_bounds(i.inhrelid) as b"
            " where i.inhparent in ('events.events'::regclass, 'events.github_events'::regclass)"
            "   and b.lower_bound = %s", [start]).fetchone()[0]
        self.notes.append(f"retention month generated in {gen_s:.1f} s ({n:,} events with GitHub source rows and keys)")
        return start, size

    def _insert_old_month(self, n: int, start: dt.datetime) -> None:
        c = self.conn
        c.execute(
            """
            with ins as (
              insert into events.events (organization_id, id, received_at, source, event_type, occurred_at,
                                         idempotency_key, payload, status, attempts, processed_at)
              select %(o)s,
                     encode(set_byte(b.bytes, 6, (get_byte(b.bytes, 6) & 15) | 112), 'hex')::uuid,
                     t.ts, 'github', 'push', t.ts, 'old-' || g, %(p)s::jsonb || jsonb_build_object('after', md5(g::text)),
                     'processed', 1, t.ts
                from generate_series(1, %(n)s) as g
               cross join lateral (select %(s)s::timestamptz + (g - 1) * interval '27 days' / %(n)s as ts) as t
               cross join lateral (select overlay(uuid_send(gen_random_uuid())
                                                  placing substring(int8send((extract(epoch from t.ts) * 1000)::bigint) from 3)
                                                  from 1 for 6) as bytes) as b
              returning organization_id, id, received_at, idempotency_key)
            insert into events.event_idempotency_keys (organization_id, source, idempotency_key, event_id, event_received_at)
            select organization_id, 'github', idempotency_key, id, received_at from ins
            """, {"o": self.org, "p": json.dumps(PAYLOAD), "n": n, "s": start})

    def retention(self, n: int) -> None:
        c = self.conn
        while c.execute("select events.cleanup_old_events()").fetchone()[0]:
            pass  # the database is compliant before we start

        # Baseline: DELETE the month's rows (events, source rows, keys), then the VACUUM that
        # must follow before the space is reusable.
        start, size = self.make_old_month(n)
        end = c.execute("select base.partition_period_end('month', %s)", [start]).fetchone()[0]
        t0 = now_ms()
        with c.transaction():
            c.execute("delete from events.github_events where received_at >= %s and received_at < %s", [start, end])
            c.execute("delete from events.event_idempotency_keys where event_received_at >= %s and event_received_at < %s",
                      [start, end])
            deleted = c.execute("delete from events.events where received_at >= %s and received_at < %s",
                                [start, end]).rowcount
        delete_s = now_ms() - t0
        month_parts = [r[0] for r in c.execute(
            "select i.inhrelid::regclass::text from pg_inherits as i cross join lateral base.partition_bounds(i.inhrelid) as b"
            " where i.inhparent in ('events.events'::regclass, 'events.github_events'::regclass) and b.lower_bound = %s",
            [start])]
        t0 = now_ms()
        c.execute("vacuum " + ", ".join(month_parts + ["events.event_idempotency_keys"]))
        vacuum_s = now_ms() - t0
        self._drop_partitions(start)  # the emptied month, so the second round starts alike

        # cleanup_old_events(): first its phases one by one in a transaction that is rolled
        # back, then the real call.
        start, size = self.make_old_month(n)
        phases = {}
        with c.transaction(force_rollback=True):
            cutoff = c.execute("select base.partition_period_start('month', now() - max(retention))"
                               " from events.event_types").fetchone()[0]
            t0 = now_ms()
            c.execute("select count(*) from events.events where received_at < %s", [cutoff])
            phases["count"] = now_ms() - t0
            t0 = now_ms()
            for table in ("events.events", "events.linear_events", "events.slack_events", "events.github_events",
                          "events.deployment_events", "events.event_deliveries"):
                c.execute("select count(*) from base.run_partition_maintenance(%s::regclass)", [table])
            phases["detach + drop"] = now_ms() - t0
            t0 = now_ms()
            c.execute("delete from events.event_idempotency_keys where ctid = any (array("
                      " select ctid from events.event_idempotency_keys where event_received_at < %s"
                      " order by event_received_at limit 1000000))", [cutoff])
            phases["keys"] = now_ms() - t0
        t0 = now_ms()
        removed = c.execute("select events.cleanup_old_events()").fetchone()[0]
        cleanup_s = now_ms() - t0
        # Keys of the dropped month left for later calls (20 x batch_size = 1,000,000 per call).
        keys_left = c.execute("select count(*) from events.event_idempotency_keys where event_received_at < %s",
                              [cutoff]).fetchone()[0]
        calls, t0 = 0, now_ms()
        while c.execute("select exists (select from events.event_idempotency_keys where event_received_at < %s)",
                        [cutoff]).fetchone()[0] and calls < 1000:
            c.execute("select events.cleanup_old_events()")
            calls += 1
        purge_s = now_ms() - t0

        base = self.record("DELETE of the month's events, source rows and keys, baseline", deleted, delete_s,
                           unit="rows/s", size=size)
        self.record("the same DELETE plus the VACUUM it needs (the month's partitions and the key table)",
                    deleted, delete_s + vacuum_s, base, unit="rows/s", size=f"VACUUM {vacuum_s:.2f} s")
        self.record("cleanup_old_events(): one call: drops the month, purges up to 1M of its keys", removed, cleanup_s, base,
                    unit="rows/s",
                    size="phases alone: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
        self.record("the later cleanup calls that purge the rest of the month's keys", keys_left, purge_s, None,
                    unit="keys/s", size=f"{calls} calls")

    def _drop_partitions(self, start) -> None:
        c = self.conn
        for table in ("events.events", "events.github_events", "events.linear_events", "events.slack_events",
                      "events.deployment_events", "events.event_deliveries"):
            part = c.execute(
                "select i.inhrelid::regclass::text from pg_inherits as i"
                " cross join lateral base.partition_bounds(i.inhrelid) as b"
                " where i.inhparent = %s::regclass and b.lower_bound = %s", [table, start]).fetchone()
            if part:
                c.execute(f"alter table {table} detach partition {part[0]}")
                c.execute(f"drop table {part[0]}")

    # -- report --------------------------------------------------------------------------------------
    def machine(self) -> list[str]:
        c = self.conn
        cpu = "unknown CPU"
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        except (OSError, StopIteration):
            pass
        mem = ""
        try:
            with open("/proc/meminfo") as f:
                mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.0f} GiB RAM"
        except OSError:
            pass
        settings = dict(c.execute(
            "select name, setting || coalesce(unit, '') from pg_settings where name in"
            " ('shared_buffers', 'fsync', 'synchronous_commit', 'full_page_writes', 'work_mem')").fetchall())
        version = c.execute("select current_setting('server_version')").fetchone()[0]
        return [f"- machine: {platform.node()}, {cpu}, {os.cpu_count()} cores, {mem}; client on the same host (unix socket)",
                f"- PostgreSQL {version}; " + ", ".join(f"{k}={v}" for k, v in sorted(settings.items())),
                f"- run at {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"]

    def report(self) -> str:
        lines = ["# events module benchmark", ""] + self.machine() + [
            "", "| measurement | rows | seconds | throughput | vs baseline | data |", "|---|---:|---:|---:|---:|---|"]
        for what, count, seconds, rate, base, unit, size in self.rows:
            ratio = f"{rate / base:.0%}" if base else ("baseline" if "baseline" in what else "-")
            lines.append(f"| {what} | {count:,} | {seconds:.2f} | {rate:,.0f} {unit} | {ratio} | {size} |")
        if self.notes:
            lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def cleanup(self) -> None:
        c = self.conn
        c.execute("drop schema if exists bench_events cascade")
        c.execute("delete from base.organizations where id = %s", [self.org])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=os.environ.get("PLATFORM_BENCH_URL"), help="database URL (default $PLATFORM_BENCH_URL)")
    ap.add_argument("--single", type=int, default=6000, help="single-row ingests per variant (1 session, then 4)")
    ap.add_argument("--batch-events", type=int, default=50000, help="events ingested in batches")
    ap.add_argument("--route-events", type=int, default=20000, help="events routed")
    ap.add_argument("--retention-events", type=int, default=1000000, help="events in the month retention removes")
    ap.add_argument("--phases", default="single,batch,routing,retention",
                    help="comma-separated subset of single,batch,routing,retention")
    ap.add_argument("--out", help="also write the markdown report to this file")
    args = ap.parse_args()
    if not args.url:
        ap.error("no --url and no PLATFORM_BENCH_URL")

    b = Bench(args.url)
    b.setup()
    try:
        phases = set(args.phases.split(","))
        if "single" in phases:
            b.single(args.single, sessions=1)
            b.single(args.single, sessions=4)
        if "batch" in phases:
            b.batched(args.batch_events)
        if "routing" in phases:
            b.routing(args.route_events)
        if "retention" in phases and args.retention_events:
            b.retention(args.retention_events)
    finally:
        b.cleanup()
    text = b.report()
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
