"""The latency suite: the original design's query patterns and each module's hot paths.

Each module contributes its cases only when its schema is deployed, so the harness runs at every
stage of the package. Parameters are drawn per run from the data set (as the owner, untimed), the
tenant first, by bench.skewed_ordinal: the platform tenants of bench.orgs (base, projects, tasks)
are skewed in the data too, so the large tenants are asked about most and hold most rows; the
analytics, events and prompts generators keep their own tenants (bench-analytics,
bench-events-NN, bench-prompts-NN), drawn with the same skew in slug order. Every case runs as
`authenticated` (a member of the drawn organization, under RLS) and as `service_role`, except the
APIs granted to service_role alone (workers' write paths, monitoring views).

Each case has the original design's query class (simple, complex, full-text, aggregation: p95
targets 50, 100, 200, 500 ms; see lib.TARGETS_MS); the report holds its p95 against the design's
target and against the ten-times-better aim. Write cases (enqueue, claim, complete, ingest,
route) run in a transaction that is always rolled back: the single-call latency on the scaled data
set. Their throughput, against the in-run baselines, is the module suites' job (bench/tasks.py,
bench/events.py).

Rows the parameters come from (tasks, templates, repositories...) are sampled once per database
and run (up to POOL rows per tenant), so drawing them costs nothing at scale 1.
"""
from __future__ import annotations

import json
import random
import uuid
from collections import defaultdict

import psycopg

from lib import Case

POOL = 200                 # sampled rows per tenant and pool
_cache: dict[tuple, object] = {}


def _key(owner: psycopg.Connection, name: str) -> tuple:
    info = owner.info
    return (info.host, info.port, info.dbname, name)


def _org(owner: psycopg.Connection) -> dict:
    return dict(zip(("organization_id", "user_id", "orgs"), owner.execute(
        "select b.id, b.member_id, (select count(*) from bench.orgs) from bench.orgs b "
        "where b.ordinal = (select bench.skewed_ordinal(count(*)::int) from bench.orgs)", prepare=True).fetchone()))


# Tenants: (organization_id, user_id of a member) in ordinal order, per group.
TENANTS = {
    "bench": "select b.id, b.member_id from bench.orgs as b order by b.ordinal",
    "analytics": "select o.id, m.user_id from base.organizations as o "
                 "join base.organization_members as m on m.organization_id = o.id "
                 "where o.slug = 'bench-analytics' order by m.user_id limit 1",
    "events": "select distinct on (o.slug) o.id, m.user_id from base.organizations as o "
              "join base.organization_members as m on m.organization_id = o.id "
              "where o.slug like 'bench-events-%' order by o.slug, m.user_id",
    "prompts": "select distinct on (o.slug) o.id, m.user_id from base.organizations as o "
               "join base.organization_members as m on m.organization_id = o.id "
               "where o.slug like 'bench-prompts-%' order by o.slug, m.user_id",
}


def _tenants(owner: psycopg.Connection, group: str) -> list[tuple]:
    key = _key(owner, "tenants:" + group)
    if key not in _cache:
        _cache[key] = owner.execute(TENANTS[group]).fetchall()
    return _cache[key]


def _tenant(owner: psycopg.Connection, group: str) -> tuple:
    tenants = _tenants(owner, group)
    if not tenants:
        raise RuntimeError(f"no {group} tenants in the data set: run make bench-data")
    ordinal = owner.execute("select bench.skewed_ordinal(%s)", [len(tenants)], prepare=True).fetchone()[0]
    return tenants[ordinal - 1]


def _pool(owner: psycopg.Connection, name: str, sql: str) -> tuple[list[str], dict]:
    """Rows of `sql` (organization_id first), grouped by organization, sampled once."""
    key = _key(owner, "pool:" + name)
    if key not in _cache:
        cur = owner.execute(sql, {"pool": POOL})
        columns = [d.name for d in cur.description]
        by_org = defaultdict(list)
        for row in cur.fetchall():
            by_org[row[0]].append(row)
        _cache[key] = (columns, dict(by_org))
    return _cache[key]


def _pick(owner: psycopg.Connection, group: str, name: str, sql: str) -> dict:
    """A tenant drawn with the data's skew, a member to act as, and one row of the pool for it.
    A tenant without rows in the pool is drawn again (then any tenant with rows is taken)."""
    columns, by_org = _pool(owner, name, sql)
    if not by_org:
        raise RuntimeError(f"latency pool {name} is empty: is the data set built (make bench-data)?")
    for _ in range(20):
        org, user = _tenant(owner, group)
        if by_org.get(org):
            break
    else:
        org = random.choice(list(by_org))
        user = next(u for o, u in _tenants(owner, group) if o == org)
    row = random.choice(by_org[org])
    return {"organization_id": org, "user_id": user, **dict(zip(columns[1:], row[1:]))}


def _sampled(table: str) -> str:
    """A per-organization random sample of ids of `table`, at most POOL per organization."""
    return (f"select organization_id, id from (select organization_id, id, row_number() over "
            f"(partition by organization_id order by random()) as rn from {table}) as s where rn <= %(pool)s")


def base_cases(conn: psycopg.Connection) -> list[Case]:
    return [
        Case("base", "members of an organization (simple)",
             "select m.user_id, m.role, u.email from base.organization_members m join base.users u on u.id = m.user_id "
             "where m.organization_id = %(organization_id)s order by m.created_at limit 50",
             lambda o: {k: v for k, v in _org(o).items() if k != "orgs"}),
        Case("base", "organizations visible to the caller",
             "select id, name, slug from base.organizations order by name limit 20",
             lambda o: {k: v for k, v in _org(o).items() if k == "user_id"}),
    ]


# -- projects -----------------------------------------------------------------------------------

PROJECTS = ("select p.organization_id, p.id as project_id from (select organization_id, id, row_number() over "
            "(partition by organization_id order by random()) as rn from projects.projects where deleted_at is null) as p "
            "join bench.orgs as b on b.id = p.organization_id where p.rn <= %(pool)s")


def projects_cases(conn: psycopg.Connection) -> list[Case]:
    project = lambda o: _pick(o, "bench", "projects", PROJECTS)  # noqa: E731
    return [
        Case("projects", "projects with their repositories of an organization (design pattern)",
             "select * from projects.project_with_repositories where organization_id = %(organization_id)s",
             project, kind="complex"),
        Case("projects", "one project with its repositories",
             "select * from projects.project_with_repositories where organization_id = %(organization_id)s "
             "and id = %(project_id)s",
             project),
        Case("projects", "project list of an organization (by name, first 50)",
             "select id, name, slug, status, priority, owner_id, target_date, updated_at from projects.projects "
             "where organization_id = %(organization_id)s and deleted_at is null order by lower(name) limit 50",
             project),
        Case("projects", "status history of a project",
             "select from_status, to_status, changed_by, changed_at, note from projects.project_status_history "
             "where organization_id = %(organization_id)s and project_id = %(project_id)s order by changed_at",
             project),
        Case("projects", "organization summary (projects by status, repositories, teams)",
             "select * from projects.organization_summary where organization_id = %(organization_id)s",
             project, kind="aggregation"),
    ]


# -- tasks --------------------------------------------------------------------------------------

TASKS = ("select organization_id, id as task_id from ("
         "  select organization_id, id, row_number() over (partition by organization_id order by random()) as rn"
         "    from (select organization_id, id from tasks.tasks"
         "          union all"
         "          select organization_id, id from tasks.task_history tablesample system (5)) as t) as s "
         "where rn <= %(pool)s")
WORKFLOWS = ("select organization_id, id as workflow_id from (select organization_id, id, row_number() over "
             "(partition by organization_id order by random()) as rn from tasks.workflows) as s where rn <= %(pool)s")


def tasks_cases(conn: psycopg.Connection) -> list[Case]:
    tenant = lambda o: dict(zip(("organization_id", "user_id"), _tenant(o, "bench")))  # noqa: E731
    return [
        Case("tasks", "ready-to-run tasks of an organization (design pattern, first 100)",
             "select t.* from tasks.tasks as t where t.organization_id = %(organization_id)s and t.status = 'pending' "
             "and t.scheduled_at <= now() and tasks.are_task_dependencies_satisfied(t.id) "
             "order by t.priority desc, t.scheduled_at limit 100",
             tenant, kind="complex"),
        # The same rows without the per-row function: in this queue a pending task's dependencies
        # have all succeeded by construction (a task with unfinished ones is blocked, with
        # pending_dependencies > 0: tasks_pending_dependencies_check), so the claim index answers.
        Case("tasks", "ready-to-run tasks of an organization (queue invariant, first 100)",
             "select t.* from tasks.tasks as t where t.organization_id = %(organization_id)s and t.status = 'pending' "
             "and t.scheduled_at <= now() order by t.priority desc, t.scheduled_at limit 100",
             tenant),
        Case("tasks", "one task by id, live or finished (all_tasks)",
             "select * from tasks.all_tasks where organization_id = %(organization_id)s and id = %(task_id)s",
             lambda o: _pick(o, "bench", "tasks", TASKS)),
        Case("tasks", "workflow status with its task counts",
             "select w.id, w.name, w.status, w.started_at, w.finished_at, c.* from tasks.workflows as w "
             "cross join lateral (select count(*) as tasks, count(*) filter (where a.status = 'succeeded') as succeeded, "
             "  count(*) filter (where a.status = 'failed') as failed, count(*) filter (where a.status = 'running') as running, "
             "  count(*) filter (where a.status in ('pending', 'scheduled', 'blocked')) as waiting "
             "  from tasks.all_tasks as a where a.organization_id = w.organization_id and a.workflow_id = w.id) as c "
             "where w.organization_id = %(organization_id)s and w.id = %(workflow_id)s",
             lambda o: _pick(o, "bench", "workflows", WORKFLOWS), kind="complex"),
        Case("tasks", "enqueue a task (write, rolled back)",
             "select id from tasks.enqueue_task(organization_id => %(organization_id)s, definition_name => 'bench-build', "
             "payload => %(payload)s::jsonb)",
             lambda o: {**tenant(o), "payload": json.dumps({"repository": "repo-1", "ref": "main"})}, writes=True),
        Case("tasks", "claim a task (write, rolled back)",
             "select organization_id, id from tasks.claim_tasks(worker_id => 'bench-latency', max_tasks => 1)",
             lambda o: {}, writes=True, roles=("service_role",)),
        Case("tasks", "claim and complete a task (write, rolled back)",
             "with c as (select organization_id, id from tasks.claim_tasks(worker_id => 'bench-latency', max_tasks => 1)) "
             "select (tasks.complete_task(c.organization_id, c.id, 'bench-latency')).status from c",
             lambda o: {}, writes=True, kind="complex", roles=("service_role",)),
    ]


# -- analytics ----------------------------------------------------------------------------------

REPOSITORIES = ("select r.organization_id, r.id as repository_id from projects.repositories as r "
                "where exists (select from analytics.analysis_runs as ar where ar.organization_id = r.organization_id "
                "and ar.repository_id = r.id and ar.status = 'succeeded')")
LATEST_RUN = ("(select ar.organization_id, ar.id from analytics.analysis_runs as ar "
              "where ar.organization_id = %(organization_id)s and ar.repository_id = %(repository_id)s "
              "and ar.status = 'succeeded' order by ar.finished_at desc, ar.id desc limit 1) as lr")


def analytics_cases(conn: psycopg.Connection) -> list[Case]:
    repository = lambda o: _pick(o, "analytics", "repositories", REPOSITORIES)  # noqa: E731
    return [
        Case("analytics", "repository quality overview (design pattern)",
             "select * from analytics.repository_quality_overview where repository_id = %(repository_id)s",
             repository, kind="complex"),
        Case("analytics", "quality score (design pattern)",
             "select analytics.calculate_quality_score(%(repository_id)s)",
             repository, kind="complex"),
        Case("analytics", "file analysis of a repository (latest run, 50 most complex files)",
             # The latest run as a scalar subquery, so the run is one value and the complexity
             # index (organization_id, run_id, complexity desc nulls last) returns the 50 rows in
             # order; joined to a one-row subquery instead, the planner cannot carry the inner
             # index order through the join, reads the whole run (500 files) and sorts it.
             "select f.file_path, f.language, f.lines_code, f.complexity, f.duplication_pct, f.coverage_pct, "
             "f.maintainability_index from analytics.file_analysis as f "
             "where f.organization_id = %(organization_id)s and f.run_id = ("
             "select ar.id from analytics.analysis_runs as ar where ar.organization_id = %(organization_id)s "
             "and ar.repository_id = %(repository_id)s and ar.status = 'succeeded' "
             "order by ar.finished_at desc, ar.id desc limit 1) "
             "order by f.complexity desc nulls last limit 50",
             repository, kind="complex"),
        Case("analytics", "file analysis of a repository by directory (latest run)",
             "select split_part(f.file_path, '/', 2) as directory, count(*) as files, sum(f.lines_code) as lines, "
             "round(avg(f.complexity), 1) as complexity, round(avg(f.coverage_pct), 1) as coverage, "
             "round(avg(f.maintainability_index), 1) as maintainability from " + LATEST_RUN + " "
             "join analytics.file_analysis as f on f.organization_id = lr.organization_id and f.run_id = lr.id "
             "group by 1 order by 1",
             repository, kind="aggregation"),
    ]


# -- events -------------------------------------------------------------------------------------

SOURCES = [("github", "push"), ("github", "pull_request"), ("linear", "issue"), ("slack", "message"),
           ("deployment", "succeeded")]


def events_cases(conn: psycopg.Connection) -> list[Case]:
    tenant = lambda o: dict(zip(("organization_id", "user_id"), _tenant(o, "events")))  # noqa: E731

    def source(o):
        s, t = random.choice(SOURCES)
        return {**tenant(o), "source": s, "event_type": t}

    def ingest(o):
        n = random.randrange(10**6)
        return {**tenant(o), "key": f"bench-latency-{uuid.uuid4()}",
                "payload": json.dumps({"ref": "refs/heads/main", "after": uuid.uuid4().hex,
                                       "repository": {"full_name": "acme/api"}, "sender": {"login": f"dev{n % 50}"}})}
    return [
        Case("events", "pending events by subscription (design pattern, routing join)",
             "select s.id as subscription_id, s.target_kind, e.id, e.received_at, e.source, e.event_type "
             "from events.events as e join events.event_subscriptions as s "
             "on s.organization_id = e.organization_id and s.is_active "
             "and events.subscription_matches(e.source, e.event_type, e.payload, s.source, s.event_type_like, s.payload_filter) "
             "where e.organization_id = %(organization_id)s and e.status = 'pending' "
             "order by e.received_at, e.id, s.id limit 500",
             tenant, kind="complex"),
        Case("events", "recent events of a source and type (latest 50)",
             "select id, received_at, event_type, payload from events.events where organization_id = %(organization_id)s "
             "and source = %(source)s and event_type = %(event_type)s order by received_at desc limit 50",
             source),
        # Across the types of a source, one ordered index read per type (the index leads with
        # organization, source, type, time), merged: an index skip scan written out, since
        # PostgreSQL 15 has none. A plain ORDER BY over the source reads every row of the source.
        Case("events", "recent events of a source, any type (latest 50)",
             "select e.id, e.received_at, e.event_type, e.payload from events.event_types as t "
             "cross join lateral (select x.id, x.received_at, x.event_type, x.payload from events.events as x "
             "  where x.organization_id = %(organization_id)s and x.source = t.source and x.event_type = t.name "
             "  order by x.received_at desc limit 50) as e "
             "where t.source = %(source)s and (t.organization_id is null or t.organization_id = %(organization_id)s) "
             "order by e.received_at desc limit 50",
             source),
        Case("events", "deliveries due of an organization (first 100)",
             "select id, event_id, subscription_id, target_kind, attempts, next_attempt_at from events.event_deliveries "
             "where organization_id = %(organization_id)s and status = 'pending' and next_attempt_at <= now() "
             "order by next_attempt_at limit 100",
             tenant),
        Case("events", "ingest an event (write, rolled back)",
             "select events.ingest_event(organization_id => %(organization_id)s, source => 'github', event_type => 'push', "
             "payload => %(payload)s::jsonb, idempotency_key => %(key)s)",
             ingest, writes=True, roles=("service_role",)),
        Case("events", "route pending events, one batch of 100 (write, rolled back)",
             "select events.process_pending_events(100)",
             lambda o: {}, writes=True, kind="complex", roles=("service_role",)),
    ]


# -- prompts ------------------------------------------------------------------------------------

TEMPLATES = ("select organization_id, template_id from (select organization_id, template_id, row_number() over "
             "(partition by organization_id order by random()) as rn from prompts.prompt_template_versions "
             "where is_active) as s where rn <= %(pool)s")
# Entries fresh for the next minutes. The generator's entries expire a day after the build (a tenth
# at once): bench.sh does not reuse a data set that old (BENCH_MAX_AGE_HOURS).
CONTEXT = ("select organization_id, source_id, context_key from (select organization_id, source_id, context_key, "
           "row_number() over (partition by organization_id order by random()) as rn from prompts.context_data "
           "where expires_at > now() + interval '10 minutes') as s where rn <= %(pool)s")
SEARCHES = ["security review", "database migration", "performance regression", "deploy rollback", "test coverage",
            "memory leak", "api contract", "customer feedback", "incident outage", "summarize pull request",
            "kubernetes cluster", "rate limit", "\"code review\"", "refactor -python", "sql index"]


def prompts_cases(conn: psycopg.Connection) -> list[Case]:
    tenant = lambda o: dict(zip(("organization_id", "user_id"), _tenant(o, "prompts")))  # noqa: E731
    variables = json.dumps({"repository": "acme/api", "diff": "--- a/x\n+++ b/x\n" * 20})
    return [
        Case("prompts", "render a template (active version)",
             "select prompts.render_prompt(%(template_id)s, %(variables)s::jsonb)",
             lambda o: {**_pick(o, "prompts", "templates", TEMPLATES), "variables": variables}),
        Case("prompts", "get context (fresh entry)",
             "select content from prompts.get_context(%(source_id)s, %(context_key)s)",
             lambda o: _pick(o, "prompts", "context", CONTEXT)),
        Case("prompts", "full-text template search (top 20)",
             "select * from prompts.search_templates(%(query)s, 20, %(organization_id)s)",
             lambda o: {**tenant(o), "query": random.choice(SEARCHES)}, kind="full-text"),
    ]


# -- monitoring ---------------------------------------------------------------------------------

def monitoring_cases(conn: psycopg.Connection) -> list[Case]:
    """Every monitoring view service_role may read, found in the catalog. They are granted to
    platform_monitor and service_role only (not to authenticated), and read catalogs and
    statistics, so their cost follows the number of relations, not rows: 50 runs each."""
    views = [r[0] for r in conn.execute(
        "select c.relname from pg_class as c where c.relnamespace = 'monitoring'::regnamespace "
        "and c.relkind in ('v', 'm') and has_table_privilege('service_role', c.oid, 'select') order by 1").fetchall()]
    return [Case("monitoring", f"monitoring.{v}", f"select * from monitoring.{v}", lambda o: {},
                 kind="aggregation", roles=("service_role",), max_runs=50) for v in views]


MODULE_CASES = {
    "base": base_cases,
    "projects": projects_cases,
    "tasks": tasks_cases,
    "analytics": analytics_cases,
    "events": events_cases,
    "prompts": prompts_cases,
    "monitoring": monitoring_cases,
}


def all_cases(conn: psycopg.Connection) -> list[Case]:
    present = {r[0] for r in conn.execute("select nspname from pg_namespace").fetchall()}
    cases = []
    for schema, make in MODULE_CASES.items():
        if schema in present:
            cases += make(conn)
    return cases
