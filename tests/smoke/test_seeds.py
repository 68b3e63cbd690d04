"""The demo data loads into a fresh deploy, twice, without error and without duplicates."""
from __future__ import annotations

import subprocess

import psycopg
import pytest

from conftest import ROOT

COUNTED = """
select c.oid::regclass::text, (xpath('/row/n/text()',
         query_to_xml(format('select count(*) as n from %s', c.oid::regclass), false, true, '')))[1]::text::bigint
  from pg_class c
 where c.relnamespace::regnamespace::text in ('base', 'projects', 'tasks', 'analytics', 'prompts', 'events')
   and c.relkind in ('r', 'p') and not c.relispartition
   and c.oid <> 'base.audit_log'::regclass
 order by 1
"""



pytestmark = pytest.mark.direct_only

def load(url: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(ROOT / "seeds/seed_data.sql")],
                   check=True, capture_output=True, text=True)


def test_seed_twice_without_duplicates(deployed_db):
    url = deployed_db()
    load(url)
    with psycopg.connect(url) as conn:
        first = conn.execute(COUNTED).fetchall()
        roles = conn.execute(
            "select o.slug, array_agg(m.role::text order by m.role) from base.organization_members m "
            "join base.organizations o on o.id = m.organization_id group by o.slug order by o.slug").fetchall()
    load(url)
    with psycopg.connect(url) as conn:
        second = conn.execute(COUNTED).fetchall()
    assert first == second
    assert roles == [("acme", ["viewer", "member", "admin", "owner"]),
                     ("globex", ["viewer", "member", "admin", "owner"])]
    empty = [name for name, n in first if n == 0 and not name.startswith(("base.partition_config",))]
    assert not [n for n in empty if n.startswith("base.")], f"base tables without demo rows: {empty}"
