"""Tenant isolation, proven by attack on every tenant table and every function, found by catalog.

A fresh database gets the demo data, then copies of the `acme` tenant under new organizations (every
tenant table holds rows in every organization). Hypothesis then draws who belongs where, with which
role, and every user attacks every organization they do not belong to, on every table:

  SELECT, UPDATE and DELETE of the victim's rows; INSERT of a row that claims the victim's
  organization; INSERT of a row of the attacker's own organization that points at the victim's
  parent row (every composite foreign key);

and calls every function `authenticated` may execute with the victim's ids. An attempt passes when
it sees nothing, changes nothing, or is refused. The counts are printed at the end.
"""
from __future__ import annotations

import collections
import json
import re
import subprocess
import uuid

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from psycopg import sql
from psycopg.rows import dict_row

from conftest import ROOT, act_as

pytestmark = pytest.mark.direct_only

ROLES = ["viewer", "member", "admin", "owner"]
COUNTS: collections.Counter = collections.Counter()
CLONES = 3


@pytest.fixture(scope="module")
def world(deployed_db):
    """A deployed database with the demo data and CLONES copies of acme: (url, orgs, catalog)."""
    url = deployed_db()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(ROOT / "seeds/seed_data.sql")],
                   check=True, capture_output=True)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        acme = conn.execute("select id from base.organizations where slug = 'acme'").fetchone()["id"]
        orgs = [conn.execute("select tests.clone_tenant(%s, %s) as id", [acme, f"clone-{i}"]).fetchone()["id"]
                for i in range(CLONES)]
        tables = [r["t"] for r in conn.execute(
            "select table_name::text as t from tests.tenant_tables order by depth, 1").fetchall()]
        empty = []
        for t in tables:
            for org in orgs:
                n = conn.execute(sql.SQL("select count(*) as n from {} where organization_id = %s")
                                 .format(sql.SQL(t)), [org]).fetchone()["n"]
                if n == 0:
                    empty.append(t)
        assert not sorted(set(empty)), f"tenant tables without rows in every organization (extend the seeds): {sorted(set(empty))}"
        members = {org: {r["role"]: r["user_id"] for r in conn.execute(
            "select role::text, user_id from base.organization_members where organization_id = %s", [org])}
            for org in orgs}
        fks = conn.execute("""
            select k.conrelid::regclass::text as child, k.confrelid::regclass::text as parent,
                   array(select a.attname::text from unnest(k.conkey) with ordinality as c(n, o)
                           join pg_attribute a on a.attrelid = k.conrelid and a.attnum = c.n order by c.o) as cols,
                   array(select a.attname::text from unnest(k.confkey) with ordinality as c(n, o)
                           join pg_attribute a on a.attrelid = k.confrelid and a.attnum = c.n order by c.o) as pcols
              from pg_constraint k
             where k.contype = 'f' and k.conrelid = any(%s::regclass[]) and k.confrelid = any(%s::regclass[])
        """, [tables, tables]).fetchall()
        functions = conn.execute("""
            select p.oid::regprocedure::text as sig, p.proname, p.pronamespace::regnamespace::text as schema,
                   coalesce(p.proargnames, '{}') as argnames,
                   array(select format_type(t, null) from unnest(p.proargtypes) as t) as argtypes,
                   p.pronargs, p.pronargdefaults
              from pg_proc p
             where p.pronamespace::regnamespace::text in ('base', 'projects', 'tasks', 'analytics', 'prompts', 'events')
               and p.prokind = 'f' and p.prorettype <> 'trigger'::regtype
               and has_function_privilege('authenticated', p.oid, 'execute')
             order by 1
        """).fetchall()
    return {"url": url, "orgs": orgs, "tables": tables, "members": members, "fks": fks, "functions": functions}


def columns(conn, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 "
        "and not attisdropped and attgenerated = '' order by attnum", [table]).fetchall()]


def attempt(conn, label: str, statement, params=(), expect_rows_zero: bool = True) -> None:
    """Run one attack in a savepoint as the attacker. Passes when refused (any error) or when it
    returns/affects no row; the savepoint is rolled back either way."""
    COUNTS["attempts"] += 1
    try:
        with conn.transaction():
            cur = conn.execute(statement, params)
            if cur.description is not None:
                rows = cur.fetchall()
                affected = rows[0][0] if rows and len(rows[0]) == 1 and isinstance(rows[0][0], int) else len(rows)
            else:
                affected = cur.rowcount
            if expect_rows_zero:
                assert affected == 0, f"{label}: {affected} rows of another organization were reached"
            COUNTS["saw nothing"] += 1
            raise _Rollback
    except _Rollback:
        pass
    except psycopg.Error as e:
        COUNTS[f"refused {e.sqlstate}"] += 1


class _Rollback(Exception):
    pass


def victim_row(owner_conn, table: str, org) -> dict | None:
    row = owner_conn.execute(sql.SQL("select to_jsonb(t) as j from {} as t where organization_id = %s limit 1")
                             .format(sql.SQL(table)), [org]).fetchone()
    return row[0] if row else None


def insert_json(table: str, cols: list[str], row: dict):
    return (sql.SQL("insert into {} ({}) select {} from jsonb_populate_record(null::{}, %s::jsonb)").format(
        sql.SQL(table), sql.SQL(", ").join(map(sql.Identifier, cols)),
        sql.SQL(", ").join(map(sql.Identifier, cols)), sql.SQL(table)), [json.dumps(row)])


def attack_tables(conn, owner, w, attacker: str | None, own_org, victim) -> None:
    tables = w["tables"]
    for table in tables:
        cols = columns(owner, table)
        vrow = victim_row(owner, table, victim)
        orow = victim_row(owner, table, own_org) if own_org else None
        with conn.transaction():
            if attacker:
                act_as(conn, "authenticated", {"sub": str(attacker)})
            else:
                act_as(conn, "anon")
            attempt(conn, f"select {table}",
                    sql.SQL("select count(*) from {} where organization_id = %s").format(sql.SQL(table)), [victim])
            updatable = [c for c in cols if owner.execute(
                "select has_column_privilege('authenticated', %s::regclass, %s, 'UPDATE')", [table, c]).fetchone()[0]]
            col = updatable[0] if updatable else cols[-1]
            attempt(conn, f"update {table}",
                    sql.SQL("update {} set {} = {} where organization_id = %s").format(
                        sql.SQL(table), sql.Identifier(col), sql.Identifier(col)), [victim])
            attempt(conn, f"delete {table}",
                    sql.SQL("delete from {} where organization_id = %s").format(sql.SQL(table)), [victim])
            if vrow:
                claim = dict(vrow, id=str(uuid.uuid4())) if "id" in vrow else dict(vrow)
                stmt, params = insert_json(table, cols, claim)
                attempt(conn, f"insert into {table} claiming the victim", stmt, params)
            if orow:
                for fk in (f for f in w["fks"] if f["child"] == table and "organization_id" in f["cols"]):
                    parent = victim_row(owner, fk["parent"], victim)
                    if not parent:
                        continue
                    forged = dict(orow, id=str(uuid.uuid4())) if "id" in orow else dict(orow)
                    for c, pc in zip(fk["cols"], fk["pcols"]):
                        if c != "organization_id":
                            forged[c] = parent[pc]
                    stmt, params = insert_json(table, cols, forged)
                    attempt(conn, f"insert into {table} pointing at the victim's {fk['parent']}", stmt, params)


def argument_for(owner, name: str, typ: str, victim):
    name = name[2:] if name.startswith("p_") else name
    if typ == "uuid":
        if name in ("organization_id", "org_id"):
            return victim
        stem = name[:-3] if name.endswith("_id") else name
        row = owner.execute(
            """select t.table_name::text from tests.tenant_tables t
                where split_part(t.table_name::text, '.', 2) in (%s || 's', %s, %s || 'es')
                   or split_part(t.table_name::text, '.', 2) like '%%' || %s || 's' limit 1""",
            [stem, stem, stem, stem]).fetchone()
        if row:
            found = victim_row(owner, row[0], victim)
            if found and "id" in found:
                return found["id"]
        return victim
    if typ.endswith("[]"):
        return "{}"
    simple = {"jsonb": "{}", "json": "{}", "text": "x", "integer": 1, "bigint": 1, "numeric": 1, "smallint": 1,
              "boolean": False, "timestamp with time zone": "2026-01-01T00:00:00Z", "interval": "1 day",
              "double precision": 1.0, "real": 1.0, "date": "2026-01-01"}
    if typ in simple:
        return simple[typ]
    label = owner.execute("select min(enumlabel) from pg_enum where enumtypid = %s::regtype", [typ]).fetchone()[0]
    return label


def victim_fingerprint(owner, w, victim) -> str:
    parts = []
    for table in w["tables"]:
        parts.append(owner.execute(sql.SQL("select coalesce(md5(string_agg(t::text, '' order by t::text)), '') "
                                           "from {} t where organization_id = %s").format(sql.SQL(table)),
                                   [victim]).fetchone()[0])
    return "".join(parts)


def attack_functions(conn, owner, w, attacker, victim) -> None:
    victim_ids = {str(victim)}
    for table in w["tables"]:
        for (i,) in owner.execute(sql.SQL("select id::text from {} where organization_id = %s")
                                  .format(sql.SQL(table)), [victim]).fetchall() if "id" in columns(owner, table) else []:
            victim_ids.add(i)
    before = victim_fingerprint(owner, w, victim)
    for fn in w["functions"]:
        names = list(fn["argnames"])[: fn["pronargs"]] + [f"arg{i}" for i in range(len(fn["argnames"]), fn["pronargs"])]
        args = [argument_for(owner, n, t, victim) for n, t in zip(names, fn["argtypes"])]
        if any(a is None for a in args):
            COUNTS["functions without a fuzzable signature"] += 1
            continue
        call = sql.SQL("select r::text from {}.{}({}) as r").format(
            sql.Identifier(fn["schema"]), sql.Identifier(fn["proname"]),
            sql.SQL(", ").join(sql.SQL("%s::{}").format(sql.SQL(t)) for t in fn["argtypes"]))
        with conn.transaction():
            act_as(conn, "authenticated", {"sub": str(attacker)})
            COUNTS["function attempts"] += 1
            try:
                with conn.transaction():
                    rows = conn.execute(call, args).fetchall()
                    text = " ".join(r[0] or "" for r in rows)
                    leaked = [i for i in victim_ids if i in text]
                    assert not leaked, f"{fn['sig']} returned another organization's ids: {leaked[:3]}"
                    conn.execute("reset role")
                    assert victim_fingerprint(conn, w, victim) == before, f"{fn['sig']} changed another organization's rows"
                    COUNTS["function calls that revealed and changed nothing"] += 1
                    raise _Rollback
            except _Rollback:
                pass
            except psycopg.Error as e:
                COUNTS[f"function refused {e.sqlstate}"] += 1


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_user_reaches_another_organization(world, data):
    w = world
    orgs = w["orgs"]
    with psycopg.connect(w["url"]) as owner, psycopg.connect(w["url"]) as conn:
        owner.autocommit = True
        # Hypothesis: extra memberships across organizations, so users belong to several.
        extra = data.draw(st.lists(st.tuples(st.sampled_from(range(len(orgs))), st.sampled_from(ROLES),
                                             st.sampled_from(range(len(orgs))), st.sampled_from(ROLES)),
                                   max_size=3), label="extra memberships")
        added = []
        for home, home_role, other, role in extra:
            user = w["members"][orgs[home]][home_role]
            if home != other:
                row = owner.execute(
                    "insert into base.organization_members (organization_id, user_id, role) values (%s, %s, %s) "
                    "on conflict do nothing returning id", [orgs[other], user, role]).fetchone()
                if row:
                    added.append((orgs[other], row[0]))
        try:
            memberships = collections.defaultdict(set)
            for org in orgs:
                for (u,) in owner.execute("select user_id from base.organization_members where organization_id = %s",
                                          [org]).fetchall():
                    memberships[u].add(org)
            victim = data.draw(st.sampled_from(orgs), label="victim")
            outsider = owner.execute("select tests.create_user() as id").fetchone()[0]
            attackers = [(u, next(iter(o - {victim}), None)) for u, o in memberships.items() if victim not in o]
            attackers = data.draw(st.lists(st.sampled_from(attackers), min_size=1, max_size=3, unique=True),
                                  label="attackers")
            for user, own_org in attackers + [(outsider, None)]:
                attack_tables(conn, owner, w, user, own_org, victim)
                attack_functions(conn, owner, w, user, victim)
            attack_tables(conn, owner, w, None, None, victim)   # anon
        finally:
            for org, mid in added:
                owner.execute("delete from base.organization_members where organization_id = %s and id = %s", [org, mid])


def test_report_isolation_attempts(world, capsys):
    """Prints the tally on the terminal (it runs after the property test, in file order)."""
    with capsys.disabled():
        print(f"\nisolation: {COUNTS['attempts']} table attempts and {COUNTS['function attempts']} function "
              f"calls across {len(world['tables'])} tenant tables and {len(world['functions'])} functions; "
              f"outcomes: {dict(sorted(COUNTS.items()))}")
    assert COUNTS["attempts"] > 0 and COUNTS["function attempts"] > 0
