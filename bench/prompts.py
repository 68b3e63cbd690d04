#!/usr/bin/env python3
"""Benchmark of the prompts module: full-text template search, rendering, context cache.

Needs the data of bench/data/04_prompts.sql (scale 1 = 100,000 templates in 10 organizations):

    psql -X -v ON_ERROR_STOP=1 -v scale=1 -f bench/data/04_prompts.sql "$PLATFORM_BENCH_URL"
    .venv/bin/python bench/prompts.py --url "$PLATFORM_BENCH_URL"

Every measured call runs the way the API runs it: in its own transaction, as `authenticated`
with the JWT claims of the first bench organization's user (RLS applies), timed from the client
(execute + fetch, unix socket) with the role switch outside the timing. The service role is
measured too for search, where it has no RLS restriction and sees all organizations.
Prints a Markdown report (data size, machine, latency percentiles); --out also writes it to a file.
Target: search p95 under 20 ms at 100,000 templates.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "bench" / "data" / "04_prompts.sql"
TARGET_P95_MS = 20.0


def domain_words() -> list[str]:
    """The generator's domain word list (its single source), in order."""
    text = GENERATOR.read_text()
    block = text[text.index("string_to_array(") : text.index("' '))")]
    return " ".join(re.findall(r"'([^']*)'", block)).split()


VOCABULARY_SQL = """
    with domain as (select distinct w from unnest(%(domain)s::text[]) as w),
         tail as (select distinct w
                    from pg_catalog.pg_description, regexp_split_to_table(lower(description), '[^a-z]+') as w
                   where length(w) > 2 and to_tsvector('english', w) <> ''::tsvector),
         words as (select w from domain union select w from tail),
         stats as (select word as lexeme, ndoc
                     from ts_stat(format('select search_vector from prompts.prompt_templates where organization_id = %%L',
                                         %(org)s::uuid)))
    select w.w, coalesce(max(s.ndoc), 0) as ndoc
      from words as w
      cross join lateral unnest(to_tsvector('english', w.w)) as l
      left join stats as s on s.lexeme = l.lexeme
     group by w.w
     order by w.w
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Runner:
    def __init__(self, url: str, user_id: str | None):
        self.conn = psycopg.connect(url, autocommit=False)
        self.user_id = user_id

    def timed(self, sql: str, params, role: str) -> tuple[float, int]:
        with self.conn.transaction():
            claims = {"role": role} | ({"sub": self.user_id} if role == "authenticated" else {})
            self.conn.execute("select set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
            self.conn.execute(f"set local role {role}")
            started = time.perf_counter()
            rows = self.conn.execute(sql, params).fetchall()
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, len(rows)

    def measure(self, name: str, sql: str, params_list: list, role: str, warmup: int = 10) -> dict:
        for params in params_list[:warmup]:
            self.timed(sql, params, role)
        times, hits = [], []
        for params in params_list:
            elapsed, n = self.timed(sql, params, role)
            times.append(elapsed)
            hits.append(n)
        return {
            "name": name, "calls": len(times), "p50": percentile(times, 0.5), "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99), "max": max(times), "mean_rows": statistics.mean(hits),
        }


def search_queries(words: list[str], count: int, rng: random.Random) -> list[str]:
    """Typical queries: 60% one word, 30% two words, 10% a quoted two-word phrase, words drawn
    uniformly from the vocabulary (people search for distinctive words, not for the commonest)."""
    queries = []
    for _ in range(count):
        r = rng.random()
        if r < 0.6:
            queries.append(rng.choice(words))
        elif r < 0.9:
            queries.append(f"{rng.choice(words)} {rng.choice(words)}")
        else:
            queries.append(f'"{rng.choice(words)} {rng.choice(words)}"')
    return queries


def machine(conn) -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    server = conn.execute("select current_setting('server_version')").fetchone()[0]
    settings = dict(conn.execute(
        "select name, setting || coalesce(unit, '') from pg_settings"
        " where name in ('shared_buffers', 'work_mem', 'effective_cache_size', 'jit')").fetchall())
    return [
        ("host", platform.node()),
        ("CPU", f"{cpu} ({os.cpu_count()} logical CPUs, shared with other work)"),
        ("memory", mem),
        ("PostgreSQL", server),
        ("settings", ", ".join(f"{k}={v}" for k, v in sorted(settings.items()))),
        ("client", "psycopg " + psycopg.__version__ + ", same machine, unix socket"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("PLATFORM_BENCH_URL"),
                        help="database with the bench data (default: $PLATFORM_BENCH_URL)")
    parser.add_argument("--queries", type=int, default=300, help="search queries per role (default 300)")
    parser.add_argument("--calls", type=int, default=300, help="calls of render_prompt, get_context, pick_variation (default 300)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    if not args.url:
        parser.error("--url or PLATFORM_BENCH_URL is required")
    rng = random.Random(args.seed)

    with psycopg.connect(args.url, autocommit=True) as conn:
        size = conn.execute("""
            select (select count(*) from base.organizations where slug like 'bench-prompts-%'),
                   (select count(*) from prompts.prompt_templates),
                   (select count(*) from prompts.prompt_template_versions),
                   (select count(*) from prompts.prompt_executions),
                   (select count(*) from prompts.prompt_feedback),
                   (select count(*) from prompts.context_data),
                   pg_size_pretty(pg_total_relation_size('prompts.prompt_templates')
                                  + pg_total_relation_size('prompts.prompt_template_versions'))""").fetchone()
        if not size[0]:
            print("no bench data: load bench/data/04_prompts.sql first (psql -v scale=1 ...)", file=sys.stderr)
            return 2
        org_id, user_id = conn.execute("""
            select o.id, m.user_id from base.organizations as o
              join base.organization_members as m on m.organization_id = o.id
             where o.slug = 'bench-prompts-01' order by m.role desc limit 1""").fetchone()
        org_templates = conn.execute("select count(*) from prompts.prompt_templates where organization_id = %s",
                                     [org_id]).fetchone()[0]
        template_ids = [r[0] for r in conn.execute(
            "select template_id from prompts.prompt_template_versions where organization_id = %s and is_active"
            " order by random() limit %s", [org_id, args.calls]).fetchall()]
        context_keys = conn.execute(
            "select source_id, context_key from prompts.context_data where organization_id = %s"
            " and expires_at > now() + interval '1 hour' order by random() limit %s", [org_id, args.calls]).fetchall()
        experiments = [r[0] for r in conn.execute(
            "select id from prompts.prompt_experiments where organization_id = %s", [org_id]).fetchall()]
        document_frequency = dict(conn.execute(VOCABULARY_SQL, {"domain": domain_words(), "org": org_id}).fetchall())
        machine_rows = machine(conn)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    words = sorted(w for w, n in document_frequency.items() if n > 0)
    queries = search_queries(words, args.queries, rng)
    common = sorted(words, key=lambda w: -document_frequency[w])[:20]
    common_queries = [common[i % len(common)] for i in range(args.queries // 3)]
    rng.shuffle(common_queries)
    median_df = statistics.median(document_frequency[w] for w in words)
    runner = Runner(args.url, str(user_id))
    results = [
        runner.measure("search_templates, member (own organization), typical queries",
                       "select * from prompts.search_templates(%s, 20)", [[q] for q in queries], "authenticated"),
        runner.measure("search_templates, member, the 20 commonest words alone (worst case)",
                       "select * from prompts.search_templates(%s, 20)", [[q] for q in common_queries], "authenticated"),
        runner.measure("search_templates, service role (all organizations), typical queries",
                       "select * from prompts.search_templates(%s, 20)", [[q] for q in queries], "service_role"),
        runner.measure("render_prompt (active version, defaults applied)",
                       "select prompts.render_prompt(%s, %s)",
                       [[t, json.dumps({"repository": "acme/api", "diff": "--- a/x\n+++ b/x\n" * 20})] for t in template_ids],
                       "authenticated"),
        runner.measure("get_context (fresh entry, ~1.9 KB)",
                       "select content from prompts.get_context(%s, %s)", [list(k) for k in context_keys], "authenticated"),
    ]
    if experiments:
        results.append(runner.measure(
            "pick_variation", "select prompts.pick_variation(%s, %s)",
            [[rng.choice(experiments), f"subject-{rng.randrange(10**6)}"] for _ in range(args.calls)], "authenticated"))
    runner.conn.close()

    search_p95 = results[0]["p95"]
    lines = [
        f"# prompts benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        "## Data",
        "",
        "| organizations | templates | versions | executions | feedback | context entries | templates + versions on disk |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        "| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in size) + " |",
        "",
        f"The member searches their own organization ({org_templates:,} templates; the tenant check is built into the function, see deploy/prompts/search_templates.sql); the service role searches all.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in machine_rows],
        "",
        "## Latency (ms, client-side, one transaction per call)",
        "",
        "| operation | calls | p50 | p95 | p99 | max | rows per call |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {r['name']} | {r['calls']} | {r['p50']:.2f} | {r['p95']:.2f} | {r['p99']:.2f} | {r['max']:.2f} | {r['mean_rows']:.1f} |"
          for r in results],
        "",
        f"Typical queries: {args.queries}, 60% one word, 30% two words, 10% a quoted two-word phrase, words drawn "
        f"uniformly from the data's {len(words):,}-word vocabulary (median word in {median_df:,.0f} of the organization's "
        f"{org_templates:,} templates); at most 20 results. Commonest words: {', '.join(common[:5])}... "
        f"(in {document_frequency[common[-1]]:,} to {document_frequency[common[0]]:,} of them).",
        "",
        f"Load average (1 min) when the run started: {load:.2f} on {os.cpu_count()} CPUs.",
        "",
        f"Target: search p95 < {TARGET_P95_MS:.0f} ms (member, typical queries): "
        + ("met" if search_p95 < TARGET_P95_MS else "NOT met") + f" ({search_p95:.2f} ms).",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
