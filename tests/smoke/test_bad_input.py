"""The bad-input catalogue: every API function (executable by authenticated or service_role), fed,
one parameter at a time, wrong types, NULLs, empty and oversized strings, malformed JSON shapes,
out-of-range numbers and unknown enum values, the other parameters holding valid values from the
demo data. Each call must either raise an error whose SQLSTATE is documented in docs/errors.md, or
succeed without writing a single row (it found nothing to act on). An OVERSIZED value (more
text than the largest cap, the same in JSON, twenty thousand array elements) must be
refused outright (an error, or false from a validating predicate): every text, JSON and array argument of every
API function has a documented cap. A hundred thousand words and twenty thousand websearch operators
probe work that grows faster than the input (a 20,000-word search once failed with the undocumented
54001 and 400,000 words took over 20 s): they may be refused or accepted, but every call must finish
within the statement timeout with a documented SQLSTATE. Functions are found in the catalog, so a function added later is covered
without anyone listing it. The test prints how many cases it ran."""
from __future__ import annotations

import collections
import re
import subprocess

import psycopg
import pytest
from psycopg import sql

from conftest import ROOT, act_as

pytestmark = pytest.mark.direct_only


def documented_sqlstates() -> set[str]:
    """Every SQLSTATE in the error table of docs/errors.md: the table is the contract."""
    section = (ROOT / "docs" / "errors.md").read_text()
    codes = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            codes.update(re.findall(r"`([0-9A-Z]{5})`", line.split("|")[1]))
    return codes


# Every SQLSTATE the package may raise for bad input.
DOCUMENTED = documented_sqlstates()
# Larger than any cap of the package (the largest, context content, is 4 MiB).
BIG = "x" * 5_000_000
WORDS = " ".join(f"w{i}" for i in range(100_000))
OPERATORS = " | ".join(f'"a{i}" -b{i}' for i in range(20_000))
TALLY: collections.Counter = collections.Counter()
# Values no API function may accept: unbounded work or storage.
# Over the largest batch (ingest_events: 10,000 events).
BIG_ARRAY = "{" + ",".join(["x"] * 20000) + "}"
BIG_UUID_ARRAY = "{" + ",".join(["01a248bd-36d7-7628-b95f-6e024a09e6ca"] * 20000) + "}"
BIG_JSONB_ARRAY = "{" + ",".join(['"{}"'] * 20000) + "}"
BIG_TIME_ARRAY = "{" + ",".join(["2026-11-21T00:00:00Z"] * 20000) + "}"
OVERSIZED = {BIG, '{"big": "' + BIG + '"}', BIG_ARRAY, BIG_UUID_ARRAY, BIG_JSONB_ARRAY, BIG_TIME_ARRAY}

BAD = {
    "uuid": [None, "not-a-uuid", "00000000-0000-0000-0000-000000000000"],
    "text": [None, "", "   ", BIG, WORDS, OPERATORS],
    "jsonb": [None, "[]", '"a string"', "{\"unterminated\": ", "42", '{"nested": {"deep": [1, 2, {"x": null}]}}',
              '{"big": "' + BIG + '"}'],
    "integer": [None, -1, 0, 2147483647, "abc"],
    "bigint": [None, -1, 9223372036854775807],
    "smallint": [None, -1, 32767],
    "numeric": [None, -1, "NaN", "1e300"],
    "double precision": [None, -1, "NaN", "Infinity"],
    "boolean": [None, "maybe"],
    "timestamp with time zone": [None, "infinity", "-infinity", "not a time"],
    "interval": [None, "-1 day", "garbage"],
    "regclass": [None, "no_such_table"],
    "text[]": [None, "{}", "{NULL}", "{" + ",".join(["x"] * 20000) + "}"],
    "uuid[]": [None, "{}", "{NULL}", "{not-a-uuid}", BIG_UUID_ARRAY],
    "jsonb[]": [None, "{}", "{NULL}", BIG_JSONB_ARRAY],
    "timestamp with time zone[]": [None, "{}", "{NULL}", BIG_TIME_ARRAY],
}


@pytest.fixture(scope="module")
def catalogue_db(deployed_db):
    url = deployed_db()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(ROOT / "seeds/seed_data.sql")],
                   check=True, capture_output=True)
    return url


def api_functions(conn):
    return conn.execute("""
        select p.oid::regprocedure::text as sig, p.pronamespace::regnamespace::text as schema, p.proname,
               coalesce(p.proargnames, '{}') as argnames, p.pronargs, p.pronargdefaults,
               array(select format_type(t, null) from unnest(p.proargtypes) as t) as argtypes,
               case when has_function_privilege('authenticated', p.oid, 'execute') then 'authenticated'
                    else 'service_role' end as role
          from pg_proc p
         where p.pronamespace::regnamespace::text in ('base', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')
           and p.prokind = 'f' and p.prorettype <> 'trigger'::regtype
           and (has_function_privilege('authenticated', p.oid, 'execute')
                or has_function_privilege('service_role', p.oid, 'execute'))
         order by 1""").fetchall()


def valid_value(conn, name: str, typ: str, org, user):
    """A plausible valid value: ids of real demo rows in the acting organization."""
    name = name[2:] if name.startswith("p_") else name
    if typ == "uuid":
        if name in ("organization_id", "org_id"):
            return org
        if name in ("user_id", "actor_id"):
            return user
        stem = name[:-3] if name.endswith("_id") else name
        row = conn.execute(
            """select c.oid::regclass::text from pg_class c
                where c.relkind in ('r', 'p') and not c.relispartition
                  and c.relnamespace::regnamespace::text in ('projects', 'tasks', 'analytics', 'prompts', 'events')
                  and c.relname in (%s || 's', %s, %s || 'es', replace(%s, 'y', 'ies'))
                order by 1 limit 1""", [stem, stem, stem, stem]).fetchone()
        if row:
            found = conn.execute(sql.SQL("select id from {} where organization_id = %s limit 1").format(sql.SQL(row[0])),
                                 [org]).fetchone()
            if found:
                return found[0]
        return org
    simple = {"jsonb": "{}", "json": "{}", "text": "demo", "integer": 1, "bigint": 1, "smallint": 1, "numeric": 1,
              "double precision": 1.0, "boolean": False, "timestamp with time zone": "2026-11-21T00:00:00Z",
              "interval": "1 hour", "regclass": "base.audit_log", "text[]": "{}", "uuid[]": "{}", "date": "2026-11-21"}
    if typ in simple:
        return simple[typ]
    return conn.execute("select min(enumlabel) from pg_enum where enumtypid = %s::regtype", [typ]).fetchone()[0]


# Text parameters whose value comes from a closed set: an unknown value must be refused.
CLOSED_SET = {"status", "new_status", "kind", "source", "event_type", "granularity", "role", "level", "provider",
              "visibility", "severity", "category", "target_kind", "action", "rating_kind", "scope"}


def bad_values(conn, typ: str, name: str, optional: bool):
    """Values that are wrong for this parameter. An optional parameter may be NULL or empty."""
    name = name[2:] if name.startswith("p_") else name
    if typ in BAD:
        values = list(BAD[typ])
        if typ == "text" and name in CLOSED_SET:
            values.append("bogus-value")
        if optional:
            # An optional parameter may legitimately be absent, empty, or unbounded (since => -infinity).
            values = [v for v in values if v is not None and v not in ("", "   ", "{}", "infinity", "-infinity")]
        return values
    if conn.execute("select exists (select from pg_enum where enumtypid = %s::regtype)", [typ]).fetchone()[0]:
        return [None, "no-such-label"]
    return [None]


def writes(conn) -> int:
    return conn.execute("""select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) from pg_stat_xact_user_tables
                            where schemaname in ('base', 'projects', 'tasks', 'analytics', 'prompts', 'events', 'monitoring')"""
                        ).fetchone()[0]


def test_the_error_table_is_read():
    assert {"22023", "22008", "23514", "40001", "42501", "55000", "P0002"} <= DOCUMENTED


def test_every_api_function_refuses_bad_input_clearly(catalogue_db, capsys):
    failures = []
    with psycopg.connect(catalogue_db) as conn:
        org, user = conn.execute("select o.id, m.user_id from base.organizations o join base.organization_members m "
                                 "on m.organization_id = o.id and m.role = 'owner' where o.slug = 'acme'").fetchone()
        functions = api_functions(conn)
        for fn in functions:
            sig, schema, name, argnames, n, ndefaults, argtypes, role = fn
            names = list(argnames)[:n] + [f"arg{i}" for i in range(len(argnames), n)]
            valid = [valid_value(conn, a, t, org, user) for a, t in zip(names, argtypes)]
            conn.rollback()
            for i, (arg, typ) in enumerate(zip(names, argtypes)):
                for bad in bad_values(conn, typ, arg, optional=i >= n - ndefaults):
                    conn.rollback()
                    args = list(valid)
                    args[i] = bad
                    call = sql.SQL("select ({}.{}({}))::text").format(
                        sql.Identifier(schema), sql.Identifier(name),
                        sql.SQL(", ").join(sql.SQL("%s::{}").format(sql.SQL(t)) for t in argtypes))
                    label = f"{sig} with {arg} = {str(bad)[:40]!r}"
                    TALLY["cases"] += 1
                    try:
                        with conn.transaction(force_rollback=True):
                            act_as(conn, role, {"sub": str(user)} if role == "authenticated" else None)
                            before = writes(conn)
                            conn.execute("set local statement_timeout = '5s'")
                            result = conn.execute(call, args).fetchall()
                            if isinstance(bad, str) and bad in OVERSIZED and result == [("false",)]:
                                TALLY["validator said false"] += 1   # a predicate (is_valid_*) refusing
                            elif isinstance(bad, str) and bad in OVERSIZED:
                                failures.append(f"{label}: accepted an oversized value (every text, JSON and "
                                                "array argument needs a documented cap)")
                            elif writes(conn) != before:
                                failures.append(f"{label}: accepted and wrote rows")
                            else:
                                TALLY["accepted without writing"] += 1
                    except psycopg.Error as e:
                        if e.sqlstate in DOCUMENTED:
                            TALLY[f"refused {e.sqlstate}"] += 1
                        else:
                            failures.append(f"{label}: undocumented SQLSTATE {e.sqlstate}: {e.diag.message_primary}")
                        conn.rollback()
    with capsys.disabled():
        print(f"\nbad-input catalogue: {TALLY['cases']} cases over {len(functions)} functions: {dict(sorted(TALLY.items()))}")
    assert not failures, "\n".join(failures[:400])
