#!/usr/bin/env python3
"""What a database holds, per table, so an upgrade (or a revert) can prove it lost nothing.

  upgrade_snapshot.py snapshot URL FILE   every table of the package schemas (partitioned parents
                                          with all their partitions): its columns, and one md5 per
                                          row over those columns
  upgrade_snapshot.py compare URL FILE    the same tables and columns read again: every row of the
                                          snapshot must still be there (rows may be added; a row
                                          that changed counts as lost). Exit 1 naming each loss.
"""
from __future__ import annotations

import collections
import json
import sys

import psycopg
from psycopg import sql

SCHEMAS = ["base", "internal", "projects", "tasks", "analytics", "prompts", "events", "monitoring"]


def tables(conn):
    return conn.execute("""
        select n.nspname, c.relname,
               array(select a.attname from pg_attribute as a
                      where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum)
          from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
         where n.nspname = any(%s) and c.relkind in ('r', 'p') and not c.relispartition
         order by 1, 2""", [SCHEMAS]).fetchall()


def row_hashes(conn, schema, table, columns):
    query = sql.SQL("select md5(row({})::text) from {}.{}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(schema), sql.Identifier(table))
    return sorted(h for (h,) in conn.execute(query))


def snapshot(url, path):
    with psycopg.connect(url) as conn:
        data = {f"{s}.{t}": {"columns": cols, "rows": row_hashes(conn, s, t, cols)} for s, t, cols in tables(conn)}
    with open(path, "w") as f:
        json.dump(data, f)
    print(f"snapshot: {len(data)} tables, {sum(len(v['rows']) for v in data.values())} rows")


def compare(url, path):
    with open(path) as f:
        before = json.load(f)
    problems, checked, added = [], 0, 0
    with psycopg.connect(url) as conn:
        present = {f"{s}.{t}": cols for s, t, cols in tables(conn)}
        for name, snap in sorted(before.items()):
            if name not in present:
                if snap["rows"]:
                    problems.append(f"{name}: the table is gone with its {len(snap['rows'])} rows")
                continue
            missing_cols = [c for c in snap["columns"] if c not in present[name]]
            if missing_cols and snap["rows"]:
                problems.append(f"{name}: columns {missing_cols} are gone")
                continue
            schema, table = name.split(".", 1)
            now = collections.Counter(row_hashes(conn, schema, table, snap["columns"]))
            then = collections.Counter(snap["rows"])
            lost = then - now
            checked += sum(then.values())
            added += sum((now - then).values())
            if lost:
                problems.append(f"{name}: {sum(lost.values())} of {sum(then.values())} rows lost or changed")
    for p in problems:
        print(p)
    print(f"compare: {len(before)} tables, {checked} rows checked, {sum(1 for _ in problems)} tables with losses, "
          f"{added} rows added since the snapshot")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("snapshot", "compare"):
        sys.exit(__doc__)
    {"snapshot": snapshot, "compare": compare}[sys.argv[1]](sys.argv[2], sys.argv[3])
