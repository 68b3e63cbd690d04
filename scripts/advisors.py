#!/usr/bin/env python3
"""Supabase's Security and Performance Advisors over a deployed database.

    scripts/advisors.py URL [--schemas base,projects,...] [--fail-level WARN]

Runs Supabase's own linter (splinter, vendored in tests/vendor/splinter.sql) with the module
schemas exposed to the Data API, as the README's Supabase section tells users to expose them
(`pgrst.db_schemas`, set for this transaction only). Prints every finding, grouped by level, and
exits 1 when any finding is at WARN or ERROR (the Supabase dashboard shows those as warnings and
errors); INFO findings are printed and allowed.
"""
from __future__ import annotations

import argparse
import collections
import pathlib
import sys

import psycopg

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPLINTER = ROOT / "tests" / "vendor" / "splinter.sql"
# README, "On Supabase", step 3: every module schema may be exposed; internal and monitoring never.
EXPOSED = "base,projects,tasks,analytics,prompts,events"
LEVELS = ["ERROR", "WARN", "INFO"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--schemas", default=EXPOSED, help=f"schemas exposed to the Data API (default {EXPOSED})")
    ap.add_argument("--fail-level", default="WARN", choices=LEVELS[:2])
    args = ap.parse_args()

    text = SPLINTER.read_text()
    # The file is one `set local search_path = ''` and then one parenthesised query (a union of lints).
    preamble, query = text.split(";", 1)
    assert preamble.strip().startswith("set local search_path"), "unexpected splinter.sql layout"
    with psycopg.connect(args.url, autocommit=False) as conn:
        conn.execute("select set_config('pgrst.db_schemas', %s, true)", [args.schemas])
        conn.execute(preamble)
        rows = conn.execute(
            f"select level, name, detail from ({query.strip().rstrip(';')}) as lint order by 1, 2, 3"
        ).fetchall()
        conn.rollback()

    by_level = collections.defaultdict(list)
    for level, name, detail in rows:
        by_level[level].append((name, detail))
    failing = LEVELS[: LEVELS.index(args.fail_level) + 1]
    print(f"advisors (splinter, exposed schemas: {args.schemas}): "
          + ", ".join(f"{len(by_level[l])} {l}" for l in LEVELS))
    for level in LEVELS:
        counts = collections.Counter(name for name, _ in by_level[level])
        for name, n in sorted(counts.items()):
            print(f"  {level:5} {name}: {n}")
            if level in failing:
                for lint, detail in by_level[level]:
                    if lint == name:
                        print(f"          {detail}")
    bad = sum(len(by_level[l]) for l in failing)
    if bad:
        print(f"advisors: {bad} finding(s) at {args.fail_level} or above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
