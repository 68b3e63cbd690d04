"""Which module owns each database object: the module whose deploy/<module>/ script creates it.

Shared by scripts/docs.py (one docs page per module) and scripts/schemas.sh (one schemas/ file per
module). Ownership follows the code, not the PostgreSQL schema: `internal.tasks_finish` is created by
deploy/tasks/worker_api.sql, so it belongs to tasks.

The mapping is deterministic and read from the deploy scripts alone:
  - the changes of sqitch.plan are read in plan order; each change's deploy script (and the frozen
    `<change>@<tag>.sql` copies of a reworked change) is scanned, SQL comments removed, for static
    CREATE statements with schema-qualified names: schemas, tables, views, sequences, types and
    domains, functions and procedures, indexes, triggers and policies;
  - the FIRST change in plan order that creates an object owns it (a later `create or replace`
    elsewhere does not move it);
  - what no script creates statically belongs to the object it hangs on: an index, constraint,
    trigger, policy, default or row-security setting to its table (triggers the base helpers attach,
    such as the audit and append-only triggers, therefore belong to the audited table's module), a
    partition to its parent table, a column comment to its table.
Anything still unresolved is an error (resolve() raises), so a new kind of object cannot silently
land in the wrong module.

    python scripts/ownership.py URL            print "kind schema.name module" for every object
    python scripts/ownership.py split URL OUT  read `pg_dump --schema-only` on stdin, write OUT/NN_<module>.sql
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The modules in load order, with the number schemas/ and docs/ use for them.
MODULES = ["base", "projects", "tasks", "analytics", "prompts", "events", "monitoring"]
MODULE_FILE = {m: f"{i:02d}_{m}" for i, m in enumerate(MODULES)}
# Changes that act only on a Citus coordinator (citus/distribute): they re-create other modules'
# objects in a form Citus runs, and create nothing on plain PostgreSQL, where schemas/ and docs/
# are generated. They own nothing.
CITUS_ONLY_MODULES = {"citus"}
# The PostgreSQL schemas the package creates (the ones schemas/ and docs/ describe).
PACKAGE_SCHEMAS = ["base", "internal", "projects", "tasks", "analytics", "prompts", "events", "monitoring"]

IDENT = r"[a-z_][a-z0-9_$]*"
QNAME = rf"({IDENT})\.({IDENT})"
_PATTERNS = [
    ("schema", re.compile(rf"\bcreate\s+schema\s+(?:if\s+not\s+exists\s+)?({IDENT})\b")),
    ("rel", re.compile(rf"\bcreate\s+(?:or\s+replace\s+)?(?:unlogged\s+|temporary\s+)?"
                       rf"(?:table|view|materialized\s+view|sequence)\s+(?:if\s+not\s+exists\s+)?{QNAME}\b")),
    ("type", re.compile(rf"\bcreate\s+(?:type|domain)\s+{QNAME}\b")),
    ("func", re.compile(rf"\bcreate\s+(?:or\s+replace\s+)?(?:function|procedure|aggregate)\s+{QNAME}\s*\(")),
    ("index", re.compile(rf"\bcreate\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?"
                         rf"({IDENT})\s+on\s+(?:only\s+)?{QNAME}")),
    ("trigger", re.compile(rf"\bcreate\s+(?:or\s+replace\s+)?(?:constraint\s+)?trigger\s+({IDENT})\s+"
                           rf"(?:(?!;).)*?\bon\s+{QNAME}", re.S)),
    ("policy", re.compile(rf"\bcreate\s+policy\s+({IDENT})\s+on\s+{QNAME}")),
]


def _strip_comments(sql: str) -> str:
    # line comments only (block comments are not used by the deploy scripts); keeps string contents
    return re.sub(r"--[^\n]*", "", sql)


def plan_changes(root: Path = ROOT) -> list[str]:
    """Change names of sqitch.plan in plan order, each once (a reworked change keeps its first place)."""
    seen, out = set(), []
    for line in (root / "sqitch.plan").read_text().splitlines():
        line = line.strip()
        if not line or line[0] in "%@#":
            continue
        name = line.split()[0]
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def change_files(change: str, root: Path = ROOT) -> list[Path]:
    base = root / "deploy" / f"{change}.sql"
    frozen = sorted((root / "deploy").glob(f"{change}@*.sql"))
    return frozen + ([base] if base.exists() else [])


@dataclass
class Ownership:
    """Objects created statically by the deploy scripts, and the module that created each first."""
    created: dict[tuple, str] = field(default_factory=dict)
    where: dict[tuple, str] = field(default_factory=dict)
    creators: dict[tuple, set] = field(default_factory=dict)   # every module that creates it

    @classmethod
    def from_deploy(cls, root: Path = ROOT) -> "Ownership":
        own = cls()
        for change in plan_changes(root):
            module = change.split("/")[0]
            if module in CITUS_ONLY_MODULES:
                continue
            for path in change_files(change, root):
                sql = _strip_comments(path.read_text()).lower()
                for kind, rx in _PATTERNS:
                    for m in rx.finditer(sql):
                        g = m.groups()
                        if kind == "schema":
                            key = ("schema", g[0])
                        elif kind in ("rel", "type", "func"):
                            key = (kind, g[0], g[1])
                        elif kind == "index":          # index name, table schema, table
                            key = ("index", g[1], g[0])
                        else:                          # trigger/policy name on schema.table
                            key = (kind, g[1], g[2], g[0])
                        own.creators.setdefault(key, set()).add(module)
                        if key not in own.created:
                            own.created[key] = module
                            own.where[key] = str(path.relative_to(root))
        return own


class Catalog:
    """What ownership needs from a deployed database: index -> table, partition -> parent."""

    def __init__(self, conn):
        schemas = PACKAGE_SCHEMAS
        cur = conn.cursor()
        cur.execute("""
            select n.nspname, c.relname, tn.nspname, t.relname
              from pg_index i join pg_class c on c.oid = i.indexrelid
              join pg_namespace n on n.oid = c.relnamespace
              join pg_class t on t.oid = i.indrelid join pg_namespace tn on tn.oid = t.relnamespace
             where n.nspname = any(%s)""", (schemas,))
        self.index_table = {(r[0], r[1]): (r[2], r[3]) for r in cur.fetchall()}
        cur.execute("""
            select cn.nspname, c.relname, pn.nspname, p.relname
              from pg_inherits h join pg_class c on c.oid = h.inhrelid
              join pg_namespace cn on cn.oid = c.relnamespace
              join pg_class p on p.oid = h.inhparent join pg_namespace pn on pn.oid = p.relnamespace
             where cn.nspname = any(%s) and c.relkind in ('r', 'p', 'f')""", (schemas,))
        self.parent = {(r[0], r[1]): (r[2], r[3]) for r in cur.fetchall()}
        cur.execute("""
            select n.nspname, t.typname, tn.nspname, c.relname
              from pg_type t join pg_namespace n on n.oid = t.typnamespace
              left join pg_class c on c.oid = t.typrelid left join pg_namespace tn on tn.oid = c.relnamespace
             where n.nspname = any(%s)""", (schemas,))
        # a table's row type, or a relation's array type, goes with the relation
        self.type_rel = {(r[0], r[1]): (r[2], r[3]) for r in cur.fetchall() if r[3]}


class Unowned(LookupError):
    pass


class Resolver:
    def __init__(self, own: Ownership, cat: Catalog):
        self.own, self.cat = own, cat

    def schema(self, s: str) -> str:
        try:
            return self.own.created[("schema", s)]
        except KeyError:
            raise Unowned(f"schema {s}: no deploy script creates it") from None

    def relation(self, s: str, n: str) -> str:
        seen = set()
        while (s, n) in self.cat.parent and (s, n) not in seen:   # a partition goes with its root
            seen.add((s, n))
            if ("rel", s, n) in self.own.created:
                break
            s, n = self.cat.parent[(s, n)]
        if ("rel", s, n) in self.own.created:
            return self.own.created[("rel", s, n)]
        raise Unowned(f"relation {s}.{n}: no deploy script creates it")

    def function(self, s: str, n: str) -> str:
        try:
            return self.own.created[("func", s, n)]
        except KeyError:
            raise Unowned(f"function {s}.{n}: no deploy script creates it") from None

    def type(self, s: str, n: str) -> str:
        if ("type", s, n) in self.own.created:
            return self.own.created[("type", s, n)]
        if (s, n) in self.cat.type_rel:
            return self.relation(*self.cat.type_rel[(s, n)])
        raise Unowned(f"type {s}.{n}: no deploy script creates it")

    def index(self, s: str, n: str) -> str:
        if (s, n) not in self.cat.index_table:
            raise Unowned(f"index {s}.{n}: not in the catalog")
        ts, tn = self.cat.index_table[(s, n)]
        if ("index", ts, n) in self.own.created:
            return self.own.created[("index", ts, n)]
        # an index attached to a partition's parent index, or created with a constraint
        return self.relation(ts, tn)

    def sub(self, kind: str, s: str, table: str, name: str) -> str:
        """A trigger, policy, constraint, default... of a table: its creator, else the table's module."""
        key = (kind, s, table, name)
        if key in self.own.created:
            return self.own.created[key]
        if kind == "trigger" and (s, table) in self.cat.parent:
            # a partition's clone of its parent's trigger
            ps, pt = self.cat.parent[(s, table)]
            return self.sub(kind, ps, pt, name)
        return self.relation(s, table)


def connect(url: str):
    import psycopg
    return psycopg.connect(url, autocommit=True)


def resolver_for(conn, root: Path = ROOT) -> Resolver:
    return Resolver(Ownership.from_deploy(root), Catalog(conn))


# ---------------------------------------------------------------------------------------------
# schemas/: a plain `pg_dump --schema-only` cut into blocks at its "-- Name: …; Type: …" headers.

_HEADER = re.compile(r"^-- Name: (?P<name>.*); Type: (?P<type>[A-Z ]+); Schema: (?P<schema>[^;]+); Owner: .*$")
_SIGNATURE = re.compile(r"^(?P<name>[^(]+)\(")


def _strip_quotes(ident: str) -> str:
    return ident[1:-1].replace('""', '"') if ident.startswith('"') and ident.endswith('"') else ident


def block_module(res: Resolver, typ: str, schema: str, name: str) -> str:
    """The module of one dump block, from its header's type, schema and name."""
    if typ == "SCHEMA":
        return res.schema(name)
    if typ in ("COMMENT", "ACL", "SECURITY LABEL"):
        obj_kind, _, rest = name.partition(" ")
        if obj_kind == "SCHEMA":
            return res.schema(rest)
        if obj_kind == "COLUMN":
            return res.relation(schema, rest.split(".")[0])
        if obj_kind in ("TABLE", "VIEW", "SEQUENCE", "MATERIALIZED"):
            return res.relation(schema, rest.split(" ")[-1] if obj_kind == "MATERIALIZED" else rest)
        if obj_kind in ("FUNCTION", "PROCEDURE", "AGGREGATE"):
            return res.function(schema, _SIGNATURE.match(rest).group("name"))
        if obj_kind in ("TYPE", "DOMAIN"):
            return res.type(schema, rest)
        if obj_kind == "INDEX":
            return res.index(schema, rest)
        if obj_kind in ("TRIGGER", "POLICY", "CONSTRAINT", "RULE"):
            sub, _, table = rest.partition(" ON ")
            return res.sub(obj_kind.lower(), schema, table, sub)
        raise Unowned(f"{typ} {name} in {schema}: unknown object kind")
    if typ in ("TABLE", "VIEW", "SEQUENCE", "MATERIALIZED VIEW", "ROW SECURITY", "TABLE ATTACH"):
        return res.relation(schema, name)
    if typ in ("SEQUENCE OWNED BY", "SEQUENCE SET"):
        return res.relation(schema, name)
    if typ in ("FUNCTION", "PROCEDURE", "AGGREGATE"):
        return res.function(schema, _SIGNATURE.match(name).group("name"))
    if typ in ("TYPE", "DOMAIN"):
        return res.type(schema, name)
    if typ in ("INDEX", "INDEX ATTACH"):
        return res.index(schema, name)
    if typ in ("TRIGGER", "POLICY", "CONSTRAINT", "FK CONSTRAINT", "CHECK CONSTRAINT", "DEFAULT", "RULE"):
        table, _, sub = name.partition(" ")
        kind = {"FK CONSTRAINT": "constraint", "CHECK CONSTRAINT": "constraint"}.get(typ, typ.lower())
        return res.sub(kind, schema, table, sub)
    raise Unowned(f"{typ} {name} in {schema}: unknown dump entry type")


def split_dump(dump: str, res: Resolver) -> dict[str, str]:
    """Module -> its part of the dump: the preamble, then its blocks in pg_dump's own order."""
    lines = dump.splitlines(keepends=True)
    starts = [i for i in range(len(lines))
              if lines[i].startswith("-- Name: ") and i > 0 and lines[i - 1].rstrip("\n") == "--"]
    first = starts[0] - 1 if starts else len(lines)
    preamble = "".join(lines[:first])
    parts: dict[str, list[str]] = {m: [] for m in MODULES}
    for k, i in enumerate(starts):
        end = starts[k + 1] - 1 if k + 1 < len(starts) else len(lines)
        block = "".join(lines[i - 1:end])
        m = _HEADER.match(lines[i].rstrip("\n"))
        if not m:
            raise Unowned(f"unparsed dump header: {lines[i]!r}")
        typ, schema, name = m.group("type"), m.group("schema"), m.group("name")
        module = block_module(res, typ, schema, name)
        parts[module].append(block)
    return {m: preamble + "".join(b) for m, b in parts.items() if b}


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "split":
        url, out = argv[1], Path(argv[2])
        with connect(url) as conn:
            res = resolver_for(conn)
        parts = split_dump(sys.stdin.read(), res)
        out.mkdir(parents=True, exist_ok=True)
        for m, text in parts.items():
            (out / f"{MODULE_FILE[m]}.sql").write_text(text)
        return 0
    if len(argv) == 1:
        own = Ownership.from_deploy()
        for key, module in sorted(own.created.items(), key=lambda kv: (kv[1], kv[0])):
            print(module, " ".join(key), own.where[key])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
