"""Tenant isolation, proven by attack on every tenant table and every function, found by catalog.

A fresh database gets the demo data, then copies of the `acme` tenant under new organizations (every
tenant table holds rows in every organization). Hypothesis then draws who belongs where, with which
role, and every user attacks every organization they do not belong to, on every table:

  SELECT, UPDATE and DELETE of the victim's rows; INSERT of a row that claims the victim's
  organization; INSERT of a row of the attacker's own organization that points at the victim's
  parent row (every composite foreign key);

and calls every function `authenticated` may execute with the victim's ids. An attempt passes when
it sees nothing, changes nothing, or is refused. The counts are printed at the end.

service_role is not attacked the same way, by decision: it is the trusted worker role, and every
table gives it an explicit `all_service_role` policy (`using (true)`), so by design it reads and
writes every tenant; an attempt of it "reaching another organization" would succeed and prove
nothing. What can be proven, and is, is that its reach is exactly the declared one and that no
user gets it:

  * by catalog: on every table of the package the only policy that applies to service_role (or to
    PUBLIC) is `all_service_role` (FOR ALL, permissive, `true`/`true`), except `base.audit_log`,
    where it is `select_service_role` (read only); service_role is no superuser, owns nothing, is a
    member of no role; neither `anon` nor `authenticated` is a member of it; and no function
    `authenticated` may execute reads the JWT `role` claim, `current_user` or `current_role` (inside
    a SECURITY DEFINER function those name the owner, who holds service_role), nor sets a role;
  * by attempt: a login holding `anon` and `authenticated` only (what an API login for end users
    holds) cannot SET ROLE, SET SESSION AUTHORIZATION or set_config('role') to service_role; and
    `authenticated` with a forged JWT claim `{"role": "service_role"}`, with or without a subject,
    attacks every tenant table and function like the users above and must reach nothing, because RLS
    and the functions key on the database role, not on the claim;
  * and, for the record, service_role itself sees every organization's rows of every tenant table.

The exact privileges of every API role (service_role included) are in tests/pgtap/schema/privileges.sql.
"""
from __future__ import annotations

import collections
import json
import re
import secrets
import subprocess
import uuid

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from psycopg import sql
from psycopg.rows import dict_row

from conftest import ROOT, act_as, url_for

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


def user(attacker) -> tuple[str, dict]:
    """The identity of a signed-in user: role authenticated, JWT subject."""
    return "authenticated", {"sub": str(attacker)}


ANON = ("anon", None)


def attack_tables(conn, owner, w, identity: tuple[str, dict | None], own_org, victim) -> None:
    tables = w["tables"]
    for table in tables:
        cols = columns(owner, table)
        vrow = victim_row(owner, table, victim)
        orow = victim_row(owner, table, own_org) if own_org else None
        with conn.transaction():
            act_as(conn, *identity)
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
                where split_part(t.table_name::text, '.', 2) in (%s || 's', %s, %s || 'es', regexp_replace(%s, 'y$', 'ies'))
                   or split_part(t.table_name::text, '.', 2) like '%%' || %s || 's'
                order by split_part(t.table_name::text, '.', 2) like '%%' || %s || 's' limit 1""",
            [stem, stem, stem, stem, stem, stem]).fetchone()
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


def attack_functions(conn, owner, w, identity: tuple[str, dict | None], victim) -> None:
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
            act_as(conn, *identity)
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
            member_id = w["members"][orgs[home]][home_role]
            if home != other:
                row = owner.execute(
                    "insert into base.organization_members (organization_id, user_id, role) values (%s, %s, %s) "
                    "on conflict do nothing returning id", [orgs[other], member_id, role]).fetchone()
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
            for attacker, own_org in attackers + [(outsider, None)]:
                attack_tables(conn, owner, w, user(attacker), own_org, victim)
                attack_functions(conn, owner, w, user(attacker), victim)
            attack_tables(conn, owner, w, ANON, None, victim)
        finally:
            for org, mid in added:
                owner.execute("delete from base.organization_members where organization_id = %s and id = %s", [org, mid])


PACKAGE_SCHEMAS = ["base", "internal", "projects", "tasks", "analytics", "prompts", "events", "monitoring"]
# The service_role policy every table declares, and the one table that declares less (services read
# the audit log; nobody writes it but the audit trigger).
DECLARED_SERVICE_ROLE_POLICY = "all_service_role * permissive using (true) with check (true)"
SERVICE_ROLE_POLICY_EXCEPTIONS = {"base.audit_log": "select_service_role r permissive using (true) with check (-)"}


def check(failures: list, label: str, offenders) -> None:
    COUNTS["service_role catalog checks"] += 1
    if offenders:
        failures.append(f"{label}: {offenders}")


def test_service_role_reach_is_exactly_the_declared_one(world):
    """By catalog: service_role reaches every tenant through its declared policy and through nothing
    else, no API role is a member of it, and no function authenticated may run acts on its identity."""
    failures: list[str] = []
    with psycopg.connect(world["url"], autocommit=True) as conn:
        tables = conn.execute("""
            select c.oid::regclass::text,
                   coalesce(array_agg(format('%%s %%s %%s using (%%s) with check (%%s)', p.polname, p.polcmd,
                                             case when p.polpermissive then 'permissive' else 'restrictive' end,
                                             coalesce(pg_get_expr(p.polqual, p.polrelid), '-'),
                                             coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-'))
                                      order by p.polname) filter (where p.polname is not null), '{}')
              from pg_class as c
              left join pg_policy as p
                on p.polrelid = c.oid and ('service_role'::regrole = any (p.polroles) or 0::oid = any (p.polroles))
             where c.relnamespace::regnamespace::text = any (%s) and c.relkind in ('r', 'p') and not c.relispartition
             group by c.oid order by 1""", [PACKAGE_SCHEMAS]).fetchall()
        assert len(tables) >= len(world["tables"])
        for table, policies in tables:
            expected = [SERVICE_ROLE_POLICY_EXCEPTIONS.get(table, DECLARED_SERVICE_ROLE_POLICY)]
            check(failures, f"policies that apply to service_role (or PUBLIC) on {table}",
                  None if policies == expected else policies)

        superuser, bypassrls = conn.execute(
            "select rolsuper, rolbypassrls from pg_roles where rolname = 'service_role'").fetchone()
        check(failures, "service_role is a superuser", superuser)
        # BYPASSRLS (granted when a superuser deployed) reaches the same rows as all_service_role.
        COUNTS[f"service_role has BYPASSRLS: {bypassrls}"] += 1
        check(failures, "objects service_role owns (an owner bypasses RLS and may alter the object)", conn.execute("""
            select 'table ' || oid::regclass from pg_class where relowner = 'service_role'::regrole
            union all select 'function ' || oid::regprocedure from pg_proc where proowner = 'service_role'::regrole
            union all select 'schema ' || nspname from pg_namespace where nspowner = 'service_role'::regrole
            union all select 'type ' || oid::regtype from pg_type where typowner = 'service_role'::regrole""").fetchall())
        check(failures, "roles service_role is a member of (it would inherit their rights)", conn.execute(
            "select roleid::regrole::text from pg_auth_members where member = 'service_role'::regrole").fetchall())
        check(failures, "API roles that are members of service_role", conn.execute(
            "select r from unnest(array['anon', 'authenticated']) as r where pg_has_role(r, 'service_role', 'MEMBER')"
        ).fetchall())
        # A function authenticated may run must decide "is this a service?" by the caller's database
        # role (the role setting or session_user, as internal.tasks_authorize does), never by the
        # JWT's role claim, and never by current_user/current_role, which inside a SECURITY DEFINER
        # function name the owner (a member of service_role). Nor may it switch roles.
        check(failures, "functions authenticated may execute that are owned by service_role, set a role, or read "
                        "current_user / current_role / the JWT role claim", conn.execute(r"""
            select p.oid::regprocedure::text from pg_proc as p
             where p.pronamespace::regnamespace::text = any (%s)
               and has_function_privilege('authenticated', p.oid, 'EXECUTE')
               and (p.proowner = 'service_role'::regrole
                    or exists (select from unnest(p.proconfig) as c where c ~* '^(role|session_authorization)=')
                    or regexp_replace(p.prosrc, '--[^\n]*', '', 'g')
                       ~* '(current_user|current_role)\y|->>?\s*''role''|jwt\.claim\.role|auth\.(role|jwt)\(')
             order by 1""", [PACKAGE_SCHEMAS]).fetchall())
        check(failures, "policies that read the JWT or the role instead of the membership functions", conn.execute(r"""
            select p.polrelid::regclass || '.' || p.polname from pg_policy as p
              join pg_class as c on c.oid = p.polrelid
             where c.relnamespace::regnamespace::text = any (%s)
               and concat(pg_get_expr(p.polqual, p.polrelid), ' ', pg_get_expr(p.polwithcheck, p.polrelid))
                   ~* 'jwt|auth\.|current_setting|(current_user|current_role|session_user)\y'
             order by 1""", [PACKAGE_SCHEMAS]).fetchall())
    assert not failures, "\n".join(failures)


def test_no_api_login_becomes_service_role(world, admin_url):
    """A login that holds anon and authenticated only (what an end-user API login holds) cannot
    become service_role by any statement, from its own role or after becoming authenticated."""
    name = f"platform_api_probe_{uuid.uuid4().hex[:10]}"
    password = secrets.token_hex(16)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("create role {} login noinherit password {}").format(
            sql.Identifier(name), sql.Literal(password)))
        admin.execute(sql.SQL("grant anon, authenticated to {}").format(sql.Identifier(name)))
    failures = []
    try:
        with psycopg.connect(world["url"], user=name, password=password, autocommit=True) as conn:
            # The login is real: it may become authenticated, so a refusal below is about service_role.
            conn.execute("set role authenticated")
            assert conn.execute("select current_user").fetchone()[0] == "authenticated"
            assert not conn.execute("select pg_has_role(session_user, 'service_role', 'MEMBER')").fetchone()[0]
            for setup, statement in [
                (None, "set role service_role"),
                (None, "set session authorization service_role"),
                (None, "select set_config('role', 'service_role', false)"),
                ("set role authenticated", "set role service_role"),
                ("set role authenticated", "select set_config('role', 'service_role', true)"),
                ("set role anon", "set role service_role"),
            ]:
                conn.execute("reset role")
                if setup:
                    conn.execute(setup)
                COUNTS["service_role: attempts to become it"] += 1
                try:
                    conn.execute(statement)
                    failures.append(f"{setup or 'as the login'}; {statement}: succeeded")
                except psycopg.errors.InsufficientPrivilege:
                    COUNTS["service_role: attempts to become it, refused 42501"] += 1
                if conn.execute("select current_user").fetchone()[0] == "service_role":
                    failures.append(f"{setup or 'as the login'}; {statement}: the session is service_role")
        # The role as a startup parameter, as a client may send it.
        COUNTS["service_role: attempts to become it"] += 1
        try:
            psycopg.connect(world["url"], user=name, password=password, options="-c role=service_role").close()
            failures.append("connecting with options -c role=service_role succeeded")
        except psycopg.OperationalError as e:
            assert "permission denied" in str(e), e
            COUNTS["service_role: attempts to become it, refused at connect"] += 1
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))
    assert not failures, "\n".join(failures)


def test_forged_service_role_claim_reaches_nothing(world):
    """authenticated with a JWT claiming role service_role, without a subject, as an outsider and as
    a user of another organization, attacks every tenant table and function like the users above:
    RLS and the functions key on the database role, so the claim must add nothing."""
    w = world
    victim, other = w["orgs"][0], w["orgs"][1]
    forged = {"role": "service_role"}
    with psycopg.connect(w["url"]) as owner, psycopg.connect(w["url"]) as conn:
        owner.autocommit = True
        outsider = owner.execute("select tests.create_user() as id").fetchone()[0]
        stranger = w["members"][other]["owner"]
        tables_before, functions_before = COUNTS["attempts"], COUNTS["function attempts"]
        for identity, own_org in [(("authenticated", dict(forged)), None),
                                  (("authenticated", {"sub": str(outsider), **forged}), None),
                                  (("authenticated", {"sub": str(stranger), **forged}), other)]:
            attack_tables(conn, owner, w, identity, own_org, victim)
            attack_functions(conn, owner, w, identity, victim)
        COUNTS["service_role: forged-claim table attempts"] += COUNTS["attempts"] - tables_before
        COUNTS["service_role: forged-claim function calls"] += COUNTS["function attempts"] - functions_before


def test_service_role_sees_every_tenant_as_declared(world):
    """For the record: the declared reach is real, service_role reads every organization's rows."""
    w = world
    with psycopg.connect(w["url"], autocommit=True) as owner, psycopg.connect(w["url"]) as conn:
        for table in w["tables"]:
            for org in w["orgs"]:
                query = sql.SQL("select count(*) from {} where organization_id = %s").format(sql.SQL(table))
                total = owner.execute(query, [org]).fetchone()[0]
                with conn.transaction():
                    act_as(conn, "service_role")
                    seen = conn.execute(query, [org]).fetchone()[0]
                assert seen == total > 0, f"service_role sees {seen} of {total} rows of {table} in {org}"
                COUNTS["service_role: table x organization read whole (declared reach)"] += 1


def test_report_isolation_attempts(world, capsys):
    """Prints the tally on the terminal (it runs after the property test, in file order)."""
    with capsys.disabled():
        print(f"\nisolation: {COUNTS['attempts']} table attempts and {COUNTS['function attempts']} function "
              f"calls across {len(world['tables'])} tenant tables and {len(world['functions'])} functions; "
              f"outcomes: {dict(sorted(COUNTS.items()))}")
        print(f"isolation, service_role: {COUNTS['service_role catalog checks']} catalog checks of its declared reach; "
              f"{COUNTS['service_role: attempts to become it']} attempts to become it from an API login, all refused; "
              f"{COUNTS['service_role: forged-claim table attempts']} table attempts and "
              f"{COUNTS['service_role: forged-claim function calls']} function calls with a forged role claim "
              f"(included above), none reaching another organization; it reads "
              f"{COUNTS['service_role: table x organization read whole (declared reach)']} table x organization "
              f"pairs whole, as declared")
    assert COUNTS["attempts"] > 0 and COUNTS["function attempts"] > 0
    assert COUNTS["service_role catalog checks"] > 0 and COUNTS["service_role: attempts to become it"] > 0
    assert COUNTS["service_role: forged-claim table attempts"] > 0
