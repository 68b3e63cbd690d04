"""The latency suite: the original design's query patterns and each module's hot paths.

Each module contributes its cases only when its schema is deployed, so the harness runs at every
stage of the package. Parameters are drawn per run from the data set, tenants skewed like the data
(bench.skewed_ordinal), and every case runs as `authenticated` (a member of the drawn organization,
under RLS) and as `service_role`.
"""
from __future__ import annotations

import psycopg

from lib import Case


def _org(owner: psycopg.Connection) -> dict:
    return dict(zip(("organization_id", "user_id", "orgs"), owner.execute(
        "select b.id, b.member_id, (select count(*) from bench.orgs) from bench.orgs b "
        "where b.ordinal = (select bench.skewed_ordinal(count(*)::int) from bench.orgs)", prepare=True).fetchone()))


def base_cases() -> list[Case]:
    return [
        Case("base", "members of an organization (simple)",
             "select m.user_id, m.role, u.email from base.organization_members m join base.users u on u.id = m.user_id "
             "where m.organization_id = %(organization_id)s order by m.created_at limit 50",
             lambda o: {k: v for k, v in _org(o).items() if k != "orgs"}),
        Case("base", "organizations visible to the caller",
             "select id, name, slug from base.organizations order by name limit 20",
             lambda o: {k: v for k, v in _org(o).items() if k == "user_id"}),
    ]


MODULE_CASES = {"base": base_cases}


def all_cases(conn: psycopg.Connection) -> list[Case]:
    present = {r[0] for r in conn.execute("select nspname from pg_namespace").fetchall()}
    cases = []
    for schema, make in MODULE_CASES.items():
        if schema in present:
            cases += make()
    return cases
