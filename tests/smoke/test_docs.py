"""docs/ and schemas/: generated from the catalog, split by the module that owns each object, and
checked for staleness. What scripts/test.sh's "docs/ is current" and "schemas/ is current" stages
rely on, proven to be able to fail; and the conventions the docs pages hold (every module has a page
that links its diagram, every table and function of a module is on its page)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import docs as docs_py  # noqa: E402
import ownership  # noqa: E402

pytestmark = pytest.mark.direct_only

BEGIN, END = docs_py.BEGIN, docs_py.END


def generate(url: str, into: Path) -> Path:
    """docs/ copied to `into`, its generated parts regenerated from the database at url."""
    target = into / "docs"
    shutil.copytree(ROOT / "docs", target)
    subprocess.run([sys.executable, str(ROOT / "scripts/docs.py"), "write", url, str(target)],
                   check=True, capture_output=True, text=True)
    return target


def test_docs_check_fails_on_a_changed_comment(deployed_db, tmp_path):
    """A COMMENT changed after the deploy changes the generated page of the module that owns the
    object (internal.tasks_finish lives in schema internal but is documented by tasks), and the
    real `scripts/docs.sh check` reports docs/ as stale."""
    url = deployed_db()
    before = generate(url, tmp_path / "a")
    marker = "Docs staleness probe: this comment is not in the committed docs."
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"comment on table tasks.tasks is '{marker}'")
        signature = conn.execute(
            "select p.oid::regprocedure::text from pg_proc p where p.oid = 'internal.tasks_finish'::regproc").fetchone()[0]
        conn.execute(f"comment on function {signature} is '{marker} (internal)'")
    after = generate(url, tmp_path / "b")
    changed = {p.name for p in before.glob("*.md") if p.read_text() != (after / p.name).read_text()}
    assert changed == {"tasks.md"}, changed
    text = (after / "tasks.md").read_text()
    assert marker in text and f"{marker} (internal)" in text
    assert f"{marker} (internal)" not in (after / "base.md").read_text()

    dbname = psycopg.conninfo.conninfo_to_dict(url)["dbname"]   # the URL may carry host=/socket/dir
    env = {**os.environ, "DATABASE_URL": os.environ["PLATFORM_TARGET_URL"]}
    result = subprocess.run(["scripts/docs.sh", "check", dbname], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "docs/ is stale" in result.stderr
    assert re.search(r"^Files docs/tasks\.md and docs/tasks\.md differ$", result.stdout, re.M), result.stdout


def test_generation_keeps_the_prose(deployed_db, tmp_path):
    """Only the marked region is rewritten: prose before and after it survives a regeneration."""
    url = deployed_db()
    target = tmp_path / "docs"
    target.mkdir()
    page = ROOT / "docs" / "events.md"
    head, rest = page.read_text().split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    (target / "events.md").write_text(f"{head}Hand-written line.\n{BEGIN}\nstale\n{END}{tail}More prose.\n")
    subprocess.run([sys.executable, str(ROOT / "scripts/docs.py"), "write", url, str(target)], check=True)
    text = (target / "events.md").read_text()
    assert text.startswith(head + "Hand-written line.\n" + BEGIN)
    assert text.endswith(tail + "More prose.\n")
    assert "\nstale\n" not in text and "## Tables" in text


def test_schemas_split_puts_every_object_in_exactly_one_module(deployed_db):
    """Every block of one pg_dump of the package schemas lands in exactly one module's part, and
    objects go by the deploy script that creates them, not by their schema."""
    url = deployed_db()
    args = []
    for s in ownership.PACKAGE_SCHEMAS:
        args += ["-n", s, "-T", f"{s}.*_p[0-9]*"]
    pg_dump = os.environ.get("PG_DUMP") or "pg_dump"
    dump = subprocess.run([pg_dump, "--schema-only", "--no-owner", *args, "-d", url],
                          check=True, capture_output=True, text=True).stdout
    with psycopg.connect(url, autocommit=True) as conn:
        res = ownership.resolver_for(conn)
    parts = ownership.split_dump(dump, res)
    headers = re.findall(r"^-- Name: .*$", dump, re.M)
    placed = [h for text in parts.values() for h in re.findall(r"^-- Name: .*$", text, re.M)]
    assert sorted(placed) == sorted(headers)
    assert len(placed) == len(headers) > 1000

    def part_of(header_start: str) -> set[str]:
        return {m for m, text in parts.items() if re.search(r"^-- Name: " + re.escape(header_start), text, re.M)}

    assert part_of("tasks_finish(") == {"tasks"}                       # internal, created by tasks
    assert part_of("organization_ids_for(") == {"base"}
    assert part_of("organizations _500_delete_task_history; Type: TRIGGER") == {"tasks"}
    assert part_of("projects _900_audit_insert; Type: TRIGGER") == {"projects"}   # attached by base.enable_audit


def test_no_object_is_created_by_two_modules():
    """Ownership is unambiguous: no object is created (statically) by deploy scripts of two modules."""
    own = ownership.Ownership.from_deploy()
    shared = {k: sorted(v) for k, v in own.creators.items() if len(v) > 1}
    assert not shared
    assert len(own.created) > 500


def test_every_module_has_a_page_that_links_its_diagram():
    for module in ownership.MODULES:
        page = ROOT / "docs" / f"{module}.md"
        assert page.exists(), f"docs/{module}.md is missing"
        text = page.read_text()
        assert text.count(BEGIN) == 1 and text.count(END) == 1, f"{page}: one generated region"
        assert f"(erd/{module}.svg)" in text, f"{page} does not link its diagram"
        assert (ROOT / "docs" / "erd" / f"{module}.svg").exists()
        head = text.split(BEGIN, 1)[0]
        assert "\n## Purpose\n" in head, f"{page}: Purpose before the generated part"
        assert "\n## Design notes\n" in text.split(END, 1)[1], f"{page}: Design notes after the generated part"


def test_every_table_and_function_is_on_its_owners_page(test_url):
    """Each package table, view and function appears, qualified, on the page of the module whose
    deploy script creates it, and on no other page as a section of its own."""
    pages = {m: (ROOT / "docs" / f"{m}.md").read_text() for m in ownership.MODULES}
    with psycopg.connect(test_url, autocommit=True) as conn:
        res = ownership.resolver_for(conn)
        rels = conn.execute("""
            select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm') and not c.relispartition""",
                            (ownership.PACKAGE_SCHEMAS,)).fetchall()
        funcs = conn.execute("""
            select distinct n.nspname, p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
             where n.nspname = any(%s)""", (ownership.PACKAGE_SCHEMAS,)).fetchall()
    missing = []
    for s, n in rels:
        owner = res.relation(s, n)
        heading = f"### `{s}.{n}`\n"
        if heading not in pages[owner]:
            missing.append(f"{s}.{n} not on {owner}.md")
    for s, n in funcs:
        owner = res.function(s, n)
        if f"#### `{s}.{n}(" not in pages[owner]:
            missing.append(f"{s}.{n}() not on {owner}.md")
        for other, text in pages.items():
            if other != owner and f"#### `{s}.{n}(" in text:
                missing.append(f"{s}.{n}() also on {other}.md")
    assert not missing, missing
    assert len(rels) > 80 and len(funcs) > 150


def test_every_raised_sqlstate_is_in_the_error_table(test_url):
    """A SQLSTATE that a package function's body names (`errcode = '…'`) is in docs/errors.md, the
    table tests/smoke/test_bad_input.py accepts: a new code cannot appear without being documented."""
    from test_bad_input import documented_sqlstates
    documented = documented_sqlstates()
    with psycopg.connect(test_url, autocommit=True) as conn:
        rows = conn.execute("""
            select n.nspname || '.' || p.proname, p.prosrc from pg_proc p join pg_namespace n on n.oid = p.pronamespace
             where n.nspname = any(%s)""", (ownership.PACKAGE_SCHEMAS,)).fetchall()
    raised = {}
    for name, src in rows:
        for code in docs_py.ERRCODE.findall(src or ""):
            raised.setdefault(code.upper(), set()).add(name)
    assert len(raised) >= 5
    missing = {code: sorted(names)[:3] for code, names in raised.items() if code not in documented}
    assert not missing, f"raised but not in docs/errors.md: {missing}"


def test_readme_is_a_front_door_and_every_link_resolves():
    """The README stays short, and every relative link in it and in docs/ names an existing file."""
    readme = ROOT / "README.md"
    assert len(readme.read_text().splitlines()) < 250
    broken = []
    for page in [readme, *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]:
        text = re.sub(r"``.*?``|`[^`\n]*`", "", page.read_text())   # code spans hold no links
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, broken
