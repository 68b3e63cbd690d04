"""docs/: one page per module, its reference parts generated from a deployed database's catalog.

    python scripts/docs.py write URL DOCS_DIR    regenerate the generated regions of DOCS_DIR/<module>.md
                                                 and DOCS_DIR/erd/<module>.svg from the database at URL

Each page is hand-written prose (Purpose, Design notes) around ONE generated region:

    <!-- BEGIN GENERATED: reference (make docs; do not edit by hand) -->
    ...
    <!-- END GENERATED: reference -->

Only the text between the markers is replaced; everything outside is kept byte for byte. A page that
does not exist yet is created with a Purpose taken from the module schema's COMMENT and an empty
Design notes section to fill in. Objects are documented on the page of the module whose deploy
script creates them (scripts/ownership.py), whatever PostgreSQL schema they live in.

Everything is ordered by name (COLLATE "C") and nothing time- or oid-dependent is printed, so two
fresh deploys give the same bytes: scripts/test.sh compares docs/ with a fresh deploy.
"""
from __future__ import annotations

import html
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ownership import MODULES, MODULE_FILE, PACKAGE_SCHEMAS, Unowned, connect, resolver_for  # noqa: E402

BEGIN = "<!-- BEGIN GENERATED: reference (make docs; do not edit by hand) -->"
END = "<!-- END GENERATED: reference -->"
API_ROLES = ("anon", "authenticated", "service_role", "platform_monitor")
ERRCODE = re.compile(r"""(?:errcode\s*:?=\s*|sqlstate\s+)'([0-9A-Za-z]{5})'""", re.I)
CALL = re.compile(r"\b(base|internal|projects|tasks|analytics|prompts|events|monitoring)\.([a-z_][a-z0-9_]*)\s*\(", re.I)


def q(conn, sql, *args):
    with conn.cursor() as cur:
        cur.execute(sql, args or None)
        return cur.fetchall()


def md(text) -> str:
    """A catalog value inside a markdown table cell or line."""
    if text is None:
        return ""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def code(text) -> str:
    text = md(text)
    if not text:
        return ""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


# ------------------------------------------------------------------------------------------ catalog

class Model:
    def __init__(self, conn):
        self.conn = conn
        self.res = resolver_for(conn)
        S = PACKAGE_SCHEMAS
        rels = q(conn, """
            select c.oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class'),
                   c.relrowsecurity, c.relforcerowsecurity, pg_get_partkeydef(c.oid), c.reloptions
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition
             order by n.nspname collate "C", c.relname collate "C" """, S)
        self.rels = {}
        for oid, s, n, kind, comment, rls, force, partkey, opts in rels:
            self.rels[oid] = dict(oid=oid, schema=s, name=n, kind=kind, comment=comment, rls=rls,
                                  force=force, partkey=partkey, options=opts or [],
                                  module=self.res.relation(s, n))
        self.by_name = {(r["schema"], r["name"]): r for r in self.rels.values()}
        oids = list(self.rels)
        self.columns = defaultdict(list)
        for relid, name, typ, notnull, default, generated, comment, num in q(conn, """
            select a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), a.attgenerated, col_description(a.attrelid, a.attnum), a.attnum
              from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
             where a.attrelid = any(%s) and a.attnum > 0 and not a.attisdropped
             order by a.attrelid, a.attnum""", oids):
            self.columns[relid].append(dict(name=name, type=typ, notnull=notnull, default=default,
                                            generated=generated, comment=comment, num=num))
        self.constraints = defaultdict(list)
        self.fks = []
        for relid, name, ctype, definition, comment, confrelid, conkey, confkey in q(conn, """
            select c.conrelid, c.conname, c.contype, pg_get_constraintdef(c.oid), obj_description(c.oid, 'pg_constraint'),
                   c.confrelid, c.conkey, c.confkey
              from pg_constraint c
             where c.conrelid = any(%s) and c.conparentid = 0
             order by c.conrelid, c.contype, c.conname collate "C" """, oids):
            self.constraints[relid].append(dict(name=name, type=ctype, definition=definition, comment=comment))
            if ctype == "f":
                self.fks.append(dict(relid=relid, name=name, target=confrelid, conkey=conkey, confkey=confkey))
        self.indexes = defaultdict(list)
        for relid, s, name, definition, comment, is_constraint in q(conn, """
            select i.indrelid, n.nspname, c.relname, pg_get_indexdef(i.indexrelid), obj_description(c.oid, 'pg_class'),
                   exists (select from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid)
              from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
             where i.indrelid = any(%s)
             order by i.indrelid, c.relname collate "C" """, oids):
            using = definition.split(" USING ", 1)[1] if " USING " in definition else definition
            self.indexes[relid].append(dict(name=name, schema=s, definition=using, comment=comment,
                                            unique=definition.startswith("CREATE UNIQUE"),
                                            constraint=is_constraint, module=self.res.index(s, name)))
        self.triggers = defaultdict(list)
        for relid, name, definition, comment, enabled in q(conn, """
            select t.tgrelid, t.tgname, pg_get_triggerdef(t.oid), obj_description(t.oid, 'pg_trigger'), t.tgenabled
              from pg_trigger t
             where t.tgrelid = any(%s) and not t.tgisinternal
             order by t.tgrelid, t.tgname collate "C" """, oids):
            r = self.rels[relid]
            m = re.match(r"CREATE (?:CONSTRAINT )?TRIGGER \S+ (.*)$", definition)
            self.triggers[relid].append(dict(name=name, definition=m.group(1) if m else definition, comment=comment,
                                             enabled=enabled,
                                             module=self.res.sub("trigger", r["schema"], r["name"], name)))
        self.policies = defaultdict(list)
        for relid, name, cmd, permissive, roles, using, check, comment in q(conn, """
            select p.polrelid, p.polname,
                   case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE'
                                 when 'd' then 'DELETE' else 'ALL' end,
                   p.polpermissive,
                   array(select x from (select case when r = 0 then 'public' else pg_get_userbyid(r)::text end as x
                           from unnest(p.polroles) r) y order by x collate "C"),
                   pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
                   obj_description(p.oid, 'pg_policy')
              from pg_policy p where p.polrelid = any(%s)
             order by p.polrelid, p.polname collate "C" """, oids):
            r = self.rels[relid]
            self.policies[relid].append(dict(name=name, cmd=cmd, permissive=permissive, roles=roles, using=using,
                                             check=check, comment=comment,
                                             module=self.res.sub("policy", r["schema"], r["name"], name)))
        self.table_grants = defaultdict(lambda: defaultdict(list))
        for relid, grantee, priv in q(conn, """
            select c.oid, pg_get_userbyid(a.grantee), a.privilege_type
              from pg_class c, aclexplode(c.relacl) a
             where c.oid = any(%s) and a.grantee <> c.relowner
             order by 1, 2::text collate "C", 3::text collate "C" """, oids):
            self.table_grants[relid][grantee if grantee != "-" else "public"].append(priv)
        for relid, grantee, priv, cols in q(conn, """
            select a.attrelid, pg_get_userbyid(x.grantee), x.privilege_type,
                   string_agg(a.attname, ', ' order by a.attnum)
              from pg_attribute a join pg_class c on c.oid = a.attrelid, aclexplode(a.attacl) x
             where a.attrelid = any(%s) and x.grantee <> c.relowner
             group by 1, 2, 3 order by 1, 2::text collate "C", 3::text collate "C" """, oids):
            self.table_grants[relid][grantee].append(f"{priv} ({cols})")
        # functions
        self.functions = []
        rows = q(conn, """
            select p.oid, n.nspname, p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                   p.prosecdef, p.provolatile, l.lanname, obj_description(p.oid, 'pg_proc'), p.prosrc, p.prokind,
                   p.proconfig,
                   array(select g from (select distinct case when a.grantee = 0 then '-' else pg_get_userbyid(a.grantee)::text end as g
                           from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                          where a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner) e order by g collate "C"),
                   p.prorettype = 'trigger'::regtype, pg_get_function_identity_arguments(p.oid)
              from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
             where n.nspname = any(%s) and p.prokind in ('f', 'p')
             order by n.nspname collate "C", p.proname collate "C", pg_get_function_identity_arguments(p.oid) collate "C" """, S)
        for (oid, s, n, args, result, definer, vol, lang, comment, src, kind, config, execs, is_trigger,
             ident) in rows:
            self.functions.append(dict(oid=oid, schema=s, name=n, args=args, result=result, definer=definer,
                                       volatility={"i": "immutable", "s": "stable", "v": "volatile"}[vol],
                                       language=lang, comment=comment, src=src or "", kind=kind,
                                       config=config or [], execute=["PUBLIC" if e == "-" else e for e in execs],
                                       trigger=is_trigger, ident=ident, module=self.res.function(s, n)))
        self._sqlstates()
        self.types = []
        for s, n, kind, comment, labels, base, checks in q(conn, """
            select n.nspname, t.typname, t.typtype, obj_description(t.oid, 'pg_type'),
                   array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder),
                   case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end,
                   array(select pg_get_constraintdef(c.oid) from pg_constraint c where c.contypid = t.oid order by c.conname collate "C")
              from pg_type t join pg_namespace n on n.oid = t.typnamespace
             where n.nspname = any(%s) and t.typtype in ('e', 'd')
             order by n.nspname collate "C", t.typname collate "C" """, S):
            self.types.append(dict(schema=s, name=n, kind=kind, comment=comment, labels=labels, base=base,
                                   checks=checks, module=self.res.type(s, n)))
        self.jobs = []
        if ("monitoring", "maintenance_jobs") in self.by_name:
            for name, fn, args, interval, enabled, desc in q(conn, """
                select job_name, function_name, function_args, run_interval::text, is_enabled, description
                  from monitoring.maintenance_jobs order by job_name collate "C" """):
                fs, _, fname = fn.partition(".")
                try:
                    module = self.res.function(fs, fname)
                except Unowned:
                    module = fs if fs in MODULES else "monitoring"
                self.jobs.append(dict(name=name, function=fn, args=args, interval=interval, enabled=enabled,
                                      description=desc, module=module))
        self.partitions = []
        if ("base", "partition_config") in self.by_name:
            for table, gran, premake, retention, floor, past, future in q(conn, """
                select parent_table::text, granularity, premake, retention::text, retention_floor::text,
                       key_past_window::text, key_future_window::text
                  from base.partition_config order by parent_table::text collate "C" """):
                s, _, n = table.partition(".")
                self.partitions.append(dict(table=table, granularity=gran, premake=premake, retention=retention,
                                            floor=floor, past=past, future=future, module=self.res.relation(s, n)))

    def _sqlstates(self):
        by_name = defaultdict(list)
        for f in self.functions:
            by_name[(f["schema"], f["name"])].append(f)
        for f in self.functions:
            f["raises"] = {c.upper() for c in ERRCODE.findall(f["src"])}
            if re.search(r"\bbase\.refuse_oversized\s*\(", f["src"], re.I):
                f["raises"].add("22023")
            f["calls"] = sorted({(s.lower(), n.lower()) for s, n in CALL.findall(f["src"])} - {(f["schema"], f["name"])})
        # what the package functions it calls raise, to a fixed point
        for f in self.functions:
            f["via"] = set(f["raises"])
        changed = True
        while changed:
            changed = False
            for f in self.functions:
                for key in f["calls"]:
                    for g in by_name.get(key, []):
                        if not g["via"] <= f["via"]:
                            f["via"] |= g["via"]
                            changed = True
        for f in self.functions:
            f["via"] -= f["raises"]


# ------------------------------------------------------------------------------------------ pages

def render_reference(m: Model, module: str) -> str:
    out = []
    w = out.append
    rels = [r for r in m.rels.values() if r["module"] == module]
    tables = [r for r in rels if r["kind"] in ("r", "p", "f")]
    views = [r for r in rels if r["kind"] in ("v", "m")]
    funcs = [f for f in m.functions if f["module"] == module]
    types = [t for t in m.types if t["module"] == module]
    w(f"Generated from the catalog of a fresh deploy by `make docs`. Diagram: [erd/{module}.svg](erd/{module}.svg) "
      f"(tenant-owned tables in blue, global ones in yellow, other modules' tables as grey stubs). "
      f"DDL: [`schemas/{MODULE_FILE[module]}.sql`](../schemas/{MODULE_FILE[module]}.sql).\n")
    w(f"![{module} entity-relationship diagram](erd/{module}.svg)\n")
    def n(k, word):
        return f"{k} {word}{'' if k == 1 else 's'}"
    w(f"Objects: {n(len(tables), 'table')}, {n(len(views), 'view')}, {n(len(funcs), 'function')}, {n(len(types), 'type')}.\n")

    w("## Tables\n")
    if not tables:
        w("None.\n")
    for r in tables:
        cols = m.columns[r["oid"]]
        org = next((c for c in cols if c["name"] == "organization_id"), None)
        if org and org["notnull"]:
            facts = ["tenant-owned (`organization_id not null`)"]
        elif org:
            facts = ["global catalog with per-organization rows (`organization_id` nullable)"]
        else:
            facts = ["global (no `organization_id`)"]
        if r["kind"] == "p":
            facts.append(f"partitioned by {code(r['partkey'])}")
        facts.append("RLS enabled" + (" and forced" if r["force"] else "") if r["rls"] else "**RLS off**")
        w(f"### `{r['schema']}.{r['name']}`\n")
        w(f"{md(r['comment'])}\n")
        w(f"*{'; '.join(facts)}.*\n")
        w("| column | type | nullable | default | comment |\n|---|---|---|---|---|")
        for c in cols:
            default = c["default"]
            if c["generated"] == "s":
                default = f"generated: {default}"
            w(f"| `{c['name']}` | {code(c['type'])} | {'no' if c['notnull'] else 'yes'} | {code(default)} | {md(c['comment'])} |")
        w("")
        cons = m.constraints[r["oid"]]
        if cons:
            kinds = {"p": "primary key", "u": "unique", "f": "foreign key", "c": "check", "x": "exclusion", "t": "trigger"}
            w("| constraint | kind | definition |\n|---|---|---|")
            for c in cons:
                w(f"| `{c['name']}` | {kinds.get(c['type'], c['type'])} | {code(c['definition'])} |")
            w("")
        idx = m.indexes[r["oid"]]
        if idx:
            w("| index | definition |\n|---|---|")
            for i in idx:
                note = "" if i["module"] == module else f" *(created by {i['module']})*"
                w(f"| `{i['name']}`{note} | {code(('unique ' if i['unique'] else '') + i['definition'])} |")
            w("")
        trg = m.triggers[r["oid"]]
        if trg:
            w("| trigger | definition | comment |\n|---|---|---|")
            for t in trg:
                note = "" if t["module"] == module else f" *(created by {t['module']}: see [{t['module']}.md]({t['module']}.md))*"
                off = " *(disabled)*" if t["enabled"] == "D" else ""
                w(f"| `{t['name']}`{note}{off} | {code(t['definition'])} | {md(t['comment'])} |")
            w("")

    if views:
        w("## Views\n")
        for r in views:
            opts = ", ".join(o for o in r["options"])
            w(f"### `{r['schema']}.{r['name']}`\n")
            w(f"{md(r['comment'])}\n")
            if opts:
                w(f"*Options: {code(opts)}.*\n")
            w("| column | type | comment |\n|---|---|---|")
            for c in m.columns[r["oid"]]:
                w(f"| `{c['name']}` | {code(c['type'])} | {md(c['comment'])} |")
            w("")

    if types:
        w("## Types\n")
        w("| type | kind | definition | comment |\n|---|---|---|---|")
        for t in types:
            if t["kind"] == "e":
                d = ", ".join(t["labels"])
                kind = "enum"
            else:
                d = " ".join([t["base"]] + t["checks"])
                kind = "domain"
            w(f"| `{t['schema']}.{t['name']}` | {kind} | {code(d)} | {md(t['comment'])} |")
        w("")

    w("## API\n")
    w("Every function this module's deploy scripts create, whatever schema it lives in. *Raises* lists the "
      "SQLSTATEs its body names (`errcode = '…'`, and 22023 where it calls `base.refuse_oversized`); "
      "*through calls* adds those of the package functions it calls. See [errors.md](errors.md).\n")
    api = [f for f in funcs if not f["trigger"]]
    trig = [f for f in funcs if f["trigger"]]
    for title, group in (("Functions", api), ("Trigger functions", trig)):
        if not group:
            continue
        w(f"### {title}\n")
        for f in group:
            ret = "" if f["kind"] == "p" else f" → {code(f['result'])}"
            w(f"#### `{f['schema']}.{f['name']}({md(f['args'])})`{ret}\n")
            facts = ["**SECURITY DEFINER**" if f["definer"] else "SECURITY INVOKER", f["volatility"], f["language"]]
            sp = [c for c in f["config"] if c.startswith("search_path=")]
            if sp:
                facts.append(code(sp[0].replace("=", " = ", 1)))
            execs = [e for e in f["execute"]]
            facts.append("EXECUTE: " + (", ".join(f"`{e}`" for e in execs) if execs else "owner only"))
            if f["raises"]:
                facts.append("raises " + ", ".join(f"`{c}`" for c in sorted(f["raises"])))
            if f["via"]:
                facts.append("through calls " + ", ".join(f"`{c}`" for c in sorted(f["via"])))
            w(" · ".join(facts) + "\n")
            if f["comment"]:
                w(f"{f['comment'].strip()}\n")

    w("## Access\n")
    w("Row-level security policies and table privileges per role (the owner's own rights left out). "
      "`internal.organization_ids_for(role)` returns the organizations where the caller holds at least that role.\n")
    for r in tables + views:
        pols = m.policies[r["oid"]]
        grants = m.table_grants[r["oid"]]
        if not pols and not grants:
            continue
        w(f"### `{r['schema']}.{r['name']}`\n")
        if pols:
            w("| policy | command | roles | using | with check |\n|---|---|---|---|---|")
            for p in pols:
                name = f"`{p['name']}`" + ("" if p["permissive"] else " (restrictive)")
                if p["module"] != module:
                    name += f" *(created by {p['module']})*"
                w(f"| {name} | {p['cmd']} | {', '.join(p['roles'])} | {code(p['using'])} | {code(p['check'])} |")
            w("")
        if grants:
            w("| role | privileges |\n|---|---|")
            for role in sorted(grants):
                w(f"| `{role}` | {', '.join(grants[role])} |")
            w("")

    # objects this module creates on other modules' tables
    foreign = []
    for r in m.rels.values():
        if r["module"] == module:
            continue
        for t in m.triggers[r["oid"]]:
            if t["module"] == module:
                foreign.append(f"| trigger `{t['name']}` on `{r['schema']}.{r['name']}` | {code(t['definition'])} |")
        for p in m.policies[r["oid"]]:
            if p["module"] == module:
                foreign.append(f"| policy `{p['name']}` on `{r['schema']}.{r['name']}` | {p['cmd']} |")
        for i in m.indexes[r["oid"]]:
            if i["module"] == module:
                foreign.append(f"| index `{i['name']}` on `{r['schema']}.{r['name']}` | {code(i['definition'])} |")
    if foreign:
        w("### On other modules' tables\n")
        w("| object | definition |\n|---|---|")
        out.extend(foreign)
        w("")

    w("## Operations\n")
    jobs = [j for j in m.jobs if j["module"] == module]
    w("Maintenance jobs registered in `monitoring.maintenance_jobs` (run by `monitoring.run_maintenance()`, "
      "which `monitoring.schedule_with_pg_cron()` or an external cron calls every minute):\n")
    if jobs:
        w("| job | function | arguments | every | enabled | does |\n|---|---|---|---|---|---|")
        for j in jobs:
            w(f"| `{j['name']}` | `{j['function']}` | {code(j['args'])} | {j['interval']} | "
              f"{'yes' if j['enabled'] else 'no'} | {md(j['description'])} |")
    else:
        w("None registered by this module.")
    w("")
    parts = [p for p in m.partitions if p["module"] == module]
    w("Partitioned tables under `base.run_partition_maintenance()` (rows of `base.partition_config`):\n")
    if parts:
        w("| table | period | premake | retention | retention floor | key accepted from now() − | to now() + |\n"
          "|---|---|---|---|---|---|---|")
        for p in parts:
            w(f"| `{p['table']}` | {p['granularity']} | {p['premake']} | {p['retention'] or 'kept'} | "
              f"{p['floor'] or ''} | {p['past'] or 'no window'} | {p['future'] or ''} |")
    else:
        w("None.")
    w("")
    return "\n".join(out).rstrip("\n") + "\n"


def skeleton(m: Model, module: str) -> str:
    comment = [c for (c,) in q(m.conn, "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = %s", module)]
    purpose = comment[0] if comment and comment[0] else "(to write)"
    return (f"# {module}\n\n## Purpose\n\n{purpose}\n\n{BEGIN}\n{END}\n\n## Design notes\n\n(to write)\n")


def write_page(m: Model, module: str, docs: Path):
    path = docs / f"{module}.md"
    text = path.read_text() if path.exists() else skeleton(m, module)
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit(f"{path}: needs exactly one {BEGIN} ... {END} region")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{render_reference(m, module)}{END}{tail}")


# ------------------------------------------------------------------------------------------ ERDs

def dot_source(m: Model, module: str) -> str:
    own = [r for r in m.rels.values() if r["module"] == module and r["kind"] in ("r", "p", "f")]
    own_oids = {r["oid"] for r in own}
    colname = {(relid, c["num"]): c["name"] for relid, cols in m.columns.items() for c in cols}
    org = m.by_name.get(("base", "organizations"))
    edges, stubs = [], {}
    implicit_org = 0
    for fk in sorted(m.fks, key=lambda f: (m.rels[f["relid"]]["schema"], m.rels[f["relid"]]["name"], f["name"])):
        if fk["relid"] not in own_oids or fk["target"] not in m.rels:
            continue
        cols = [colname[(fk["relid"], k)] for k in fk["conkey"]]
        if module != "base" and org and fk["target"] == org["oid"] and cols == ["organization_id"]:
            implicit_org += 1   # every tenant table has it: drawn as a note, not as edges
            continue
        if fk["target"] not in own_oids:
            stubs[fk["target"]] = m.rels[fk["target"]]
        edges.append((fk["relid"], fk["target"], cols))

    def node_id(r):
        return f"{r['schema']}.{r['name']}"

    def label(r):
        cols = m.columns[r["oid"]]
        pk = next((c for c in m.constraints[r["oid"]] if c["type"] == "p"), None)
        pkcols = re.findall(r"[a-z_0-9]+", pk["definition"].split("(", 1)[1]) if pk else []
        fkcols = {colname[(f["relid"], k)] for f in m.fks if f["relid"] == r["oid"] for k in f["conkey"]}
        shown = [c for c in cols if c["name"] in pkcols or c["name"] in fkcols]
        name = r["name"] if r["schema"] == module else f"{r['schema']}.{r['name']}"
        if r["kind"] == "p":
            name += " (partitioned)"
        if (r["schema"], r["name"]) == ("base", "organizations"):
            name += " (tenant root)"
        rows = [f'<tr><td align="left"><b>{html.escape(name)}</b></td></tr>']
        for c in shown:
            mark = "PK " if c["name"] in pkcols else "FK "
            if c["name"] in pkcols and c["name"] in fkcols:
                mark = "PK FK "
            rows.append(f'<tr><td align="left"><font point-size="9">{mark}{html.escape(c["name"])}</font></td></tr>')
        more = len(cols) - len(shown)
        if more > 0:
            rows.append(f'<tr><td align="left"><font point-size="9" color="#555555">+{more} columns</font></td></tr>')
        return "<<table border=\"0\" cellborder=\"0\" cellspacing=\"0\" cellpadding=\"1\">" + "".join(rows) + "</table>>"

    lines = [f'digraph "{module}" {{',
             '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.6, '
             'splines=true, concentrate=false, pad=0.2];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, margin="0.08,0.04"];',
             '  edge [fontname="Helvetica", fontsize=8, color="#444444", arrowsize=0.6];']
    tenant = [r for r in own if any(c["name"] == "organization_id" and c["notnull"] for c in m.columns[r["oid"]])]
    glob = [r for r in own if r not in tenant]
    for cid, title, group, fill in (("tenant", "tenant-owned (organization_id)", tenant, "#dbe9f7"),
                                    ("global", "global", glob, "#fff2c6")):
        if not group:
            continue
        lines.append(f'  subgraph "cluster_{cid}" {{ label="{title}"; style="rounded,dashed"; color="#888888";')
        for r in group:
            lines.append(f'    "{node_id(r)}" [label={label(r)}, fillcolor="{fill}"];')
        lines.append("  }")
    for oid in sorted(stubs, key=lambda o: node_id(m.rels[o])):
        r = stubs[oid]
        lines.append(f'  "{node_id(r)}" [label="{node_id(r)}\\n({r["module"]})", fillcolor="#eeeeee", '
                     f'fontsize=9, color="#999999", fontcolor="#444444"];')
    for src, dst, cols in edges:
        lab = ", ".join(cols)
        if len(cols) > 1:
            lab = f"({lab})"
        lines.append(f'  "{node_id(m.rels[src])}" -> "{node_id(m.rels[dst])}" [label="{lab}"];')
    legend = [f"{module}: foreign keys (child -> parent, labelled with the referencing columns).",
              "Blue: tenant-owned (organization_id not null); yellow: global; grey: another module's table."]
    if implicit_org:
        legend.append(f"Not drawn: the (organization_id) -> base.organizations key of {implicit_org} tenant tables.")
    legend.append("Partitions are not drawn: a partitioned table is one box.")
    lines.append('  labelloc="t"; labeljust="l"; label="' + "\\l".join(legend) + '\\l";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_erd(m: Model, module: str, docs: Path):
    erd = docs / "erd"
    erd.mkdir(parents=True, exist_ok=True)
    src = dot_source(m, module)
    svg = subprocess.run(["dot", "-Tsvg"], input=src, capture_output=True, text=True, check=True).stdout
    (erd / f"{module}.svg").write_text(svg)


def main(argv):
    if len(argv) != 3 or argv[0] not in ("write", "dot"):
        print(__doc__, file=sys.stderr)
        return 2
    url, docs = argv[1], Path(argv[2])
    with connect(url) as conn:
        m = Model(conn)
        present = [mod for mod in MODULES
                   if q(conn, "select 1 from pg_namespace where nspname = %s", mod)]
        docs.mkdir(parents=True, exist_ok=True)
        for module in present:
            if argv[0] == "dot":
                (docs / f"{module}.dot").write_text(dot_source(m, module))
                continue
            write_page(m, module, docs)
            write_erd(m, module, docs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
