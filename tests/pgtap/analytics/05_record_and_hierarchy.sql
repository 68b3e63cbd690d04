-- analytics module, layer 2: recording a complete run in one call (shape validation, atomicity)
-- and the code-element hierarchy (subtree and ancestry, the rules of the tree).
begin;
select plan(41);

select organization_id as org, member_id as member, viewer_id as viewer from tests.create_tenant('ana-rec-a') \gset
select organization_id as org_b from tests.create_tenant('ana-rec-b') \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'ana/rec', 'https://github.com/ana/rec.git') returning id as repo \gset

-- Shape validation: 22023 naming what is wrong -------------------------------------------------
select throws_ok(format($$select analytics.record_analysis_run(%L, %L, %L)$$, :'org', :'repo', r), '22023', msg, format('refused: %s', msg))
  from (values (1, '[]', 'the analysis report must be a JSON object'),
               (2, '{"commit_sha": "' || repeat('a', 40) || '", "tools": {"x": "1"}, "file": []}', 'the analysis report has an unknown key "file"'),
               (3, '{"tools": {"x": "1"}}', 'the analysis report needs "commit_sha" (a string)'),
               (4, '{"commit_sha": "' || repeat('a', 40) || '", "tools": {}}', 'the analysis report needs "tools", an object of tool name -> version, e.g. {"eslint": "9.1.0"}'),
               (5, '{"commit_sha": "' || repeat('a', 40) || '", "tools": {"x": "1"}, "status": "running"}', 'the analysis report has status ''running'', expected succeeded, failed or cancelled'),
               (6, '{"commit_sha": "' || repeat('a', 40) || '", "tools": {"x": "1"}, "files": {}}', 'the analysis report''s "files" must be an array'),
               (7, '{"commit_sha": "' || repeat('a', 40) || '", "tools": {"x": "1"}, "files": [{"path": "a"}, {"lines_code": 3}]}', 'report.files[1] must be an object with a "path" string (and "elements" as an array)'))
       as v(n, r, msg)
 order by n;
select throws_ok(
  format($$select analytics.record_analysis_run(%L, gen_random_uuid(), '{"commit_sha": "%s", "tools": {"x": "1"}}')$$, :'org', repeat('a', 40)),
  'P0002', null, 'an unknown repository is reported with P0002');
select throws_ok(
  format($$select analytics.record_analysis_run(%L, %L, '{"commit_sha": "%s", "tools": {"x": "1"}}')$$, :'org_b', :'repo', repeat('a', 40)),
  'P0002', format('repository %s not found in organization %s', :'repo', :'org_b'), 'a repository is looked up within the given organization');
select throws_ok(
  format($$select analytics.record_analysis_run(%L, %L, '{"commit_sha": "%s", "tools": {"x": "1"}, "files": [{"path": "a.py", "coverage_pct": 120}]}')$$, :'org', :'repo', repeat('a', 40)),
  '23514', 'new row for relation "file_analysis" violates check constraint "file_analysis_coverage_pct_check"',
  'an out-of-range value refuses the whole report with 23514');
select is((select count(*) from analytics.analysis_runs where repository_id = :'repo'), 0::bigint, 'a refused report leaves nothing behind');
select tests.authenticate_as(:'viewer');
select throws_ok(
  format($$select analytics.record_analysis_run(%L, %L, '{"commit_sha": "%s", "tools": {"x": "1"}}')$$, :'org', :'repo', repeat('a', 40)),
  '42501', format('only members of organization %s may record analysis runs', :'org'), 'a viewer cannot record runs');
-- The body runs as the owner (internal.record_analysis_run) and checks the caller itself.
select tests.set_identity('authenticated', '{"role": "authenticated"}');
select throws_ok(
  format($$select analytics.record_analysis_run(%L, %L, '{"commit_sha": "%s", "tools": {"x": "1"}}')$$, :'org', :'repo', repeat('a', 40)),
  '42501', format('only members of organization %s may record analysis runs', :'org'), 'a token without a user cannot record runs');
select tests.authenticate_as(:'member');
select throws_ok(
  format($$select analytics.record_analysis_run(%L, %L, '{"commit_sha": "%s", "tools": {"x": "1"}}')$$, :'org_b', :'repo', repeat('a', 40)),
  '42501', format('only members of organization %s may record analysis runs', :'org_b'), 'nor a member into another organization');
select tests.clear_authentication();
select is(has_function_privilege('anon', 'internal.record_analysis_run(uuid, uuid, jsonb)', 'execute'), false,
          'anon cannot call the owner''s body');
select is(count(*), 0::bigint, 'the refused calls left nothing behind')
  from analytics.analysis_runs where repository_id = :'repo';
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org_b', 'github', 'ana/worker', 'https://github.com/ana/worker.git') returning id as repo_b \gset
select tests.authenticate_as_service_role();
select analytics.record_analysis_run(:'org_b', :'repo_b', format('{"commit_sha": "%s", "tools": {"x": "1"}}', repeat('c', 40))::jsonb) as run_b \gset
select is((select status from analytics.analysis_runs where id = :'run_b'), 'succeeded',
          'service_role records runs for any organization');
select tests.clear_authentication();

-- A complete report, recorded by a member in one call -------------------------------------------
select tests.authenticate_as(:'member');
select analytics.record_analysis_run(:'org', :'repo', $r${
  "commit_sha": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "branch": "feature/x", "task_id": "01900000-0000-7000-8000-000000000001",
  "tools": {"pylint": "3.2"},
  "started_at": "2026-01-05 10:00+00", "finished_at": "2026-01-05 10:05+00",
  "files": [
    {"path": "billing/invoice.py", "language": "python", "lines_code": 400, "complexity": 60, "coverage_pct": 75,
     "elements": [
       {"kind": "module", "name": "invoice", "qualified_name": "billing.invoice", "start_line": 1, "end_line": 400,
        "children": [
          {"kind": "class", "name": "Invoice", "qualified_name": "billing.invoice.Invoice", "start_line": 10, "end_line": 300,
           "children": [
             {"kind": "method", "name": "total", "qualified_name": "billing.invoice.Invoice.total", "start_line": 20, "end_line": 60,
              "cyclomatic_complexity": 8, "cognitive_complexity": 11, "parameters": [{"name": "self"}, {"name": "currency", "type": "str"}],
              "children": [{"kind": "closure", "name": "<lambda>", "qualified_name": "billing.invoice.Invoice.total.<lambda>", "start_line": 30, "end_line": 30}]},
             {"kind": "method", "name": "pay", "qualified_name": "billing.invoice.Invoice.pay", "start_line": 70, "end_line": 120, "cyclomatic_complexity": 3}]},
          {"kind": "function", "name": "parse", "qualified_name": "billing.invoice.parse", "start_line": 310, "end_line": 390, "cyclomatic_complexity": 14}]}]},
    {"path": "billing/__init__.py", "lines_code": 2}],
  "issues": [{"fingerprint": "p1", "rule": "C0301", "severity": "minor", "type": "code_smell", "file_path": "billing/invoice.py", "line": 12, "message": "Line too long"}],
  "metrics": [{"name": "test_count", "value": 412, "unit": "count"},
              {"name": "loc", "value": 400, "unit": "lines", "scope": "file", "scope_ref": "billing/invoice.py"}],
  "performance": [{"name": "invoice_total", "environment": "ci", "p50_ms": 1.2, "p95_ms": 2.5, "p99_ms": 4.0, "sample_count": 500}]
}$r$::jsonb) as run \gset
select results_eq(
  format($$select status, branch, task_id, started_at, finished_at, files_analyzed, lines_of_code, coverage_pct from analytics.analysis_runs where id = %L$$, :'run'),
  $$values ('succeeded', 'feature/x', '01900000-0000-7000-8000-000000000001'::uuid, '2026-01-05 10:00+00'::timestamptz, '2026-01-05 10:05+00'::timestamptz, 2, 402::bigint, 75.00::numeric(5,2))$$,
  'the run is recorded succeeded, with its times, task link and summary');
select is((select count(*) from analytics.code_element_analysis where run_id = :'run'), 6::bigint, 'all six elements of the tree are recorded');
select is((select tool from analytics.issues where repository_id = :'repo'), 'pylint', 'an issue''s tool defaults to the run''s only tool');
select is((select count(*) from analytics.metrics where run_id = :'run' and name in ('test_count', 'loc')), 2::bigint, 'the report''s metrics are recorded');
select is((select count(*) from analytics.metrics where run_id = :'run' and name = 'quality_score'), 1::bigint, 'the run''s headline metrics are recorded on success');
select is((select p95_ms from analytics.performance_metrics where run_id = :'run'), 2.5::float8, 'performance measurements are recorded');
select is((select last_analyzed_at from projects.repositories where id = :'repo'), '2026-01-05 10:05+00'::timestamptz,
          'the repository''s last_analyzed_at is the run''s finish time');
select tests.clear_authentication();

-- The hierarchy ---------------------------------------------------------------------------------
select id as e_module from analytics.code_element_analysis where qualified_name = 'billing.invoice' \gset
select id as e_class from analytics.code_element_analysis where qualified_name = 'billing.invoice.Invoice' \gset
select id as e_lambda from analytics.code_element_analysis where qualified_name like '%<lambda>' \gset
select results_eq(
  $$select qualified_name, cardinality(path) - 1, parameter_count from analytics.code_element_analysis order by cardinality(path), start_line$$,
  $$values ('billing.invoice', 0, 0), ('billing.invoice.Invoice', 1, 0), ('billing.invoice.parse', 1, 0),
           ('billing.invoice.Invoice.total', 2, 2), ('billing.invoice.Invoice.pay', 2, 0), ('billing.invoice.Invoice.total.<lambda>', 3, 0)$$,
  'each element knows its depth (from its path) and parameter count');
select results_eq(
  format($$select qualified_name from analytics.element_subtree(%L, %L)$$, :'org', :'e_class'),
  $$values ('billing.invoice.Invoice'), ('billing.invoice.Invoice.total'), ('billing.invoice.Invoice.pay'), ('billing.invoice.Invoice.total.<lambda>')$$,
  'element_subtree() returns the class and everything in it, parents first');
select results_eq(
  format($$select qualified_name from analytics.element_ancestors(%L, %L)$$, :'org', :'e_lambda'),
  $$values ('billing.invoice'), ('billing.invoice.Invoice'), ('billing.invoice.Invoice.total')$$,
  'element_ancestors() returns the enclosing elements from the root down');
select is((select count(*) from analytics.element_subtree(:'org', :'e_lambda')), 1::bigint, 'a leaf''s subtree is itself');
select is((select count(*) from analytics.element_ancestors(:'org', :'e_module')), 0::bigint, 'a root has no ancestors');
select is((select count(*) from analytics.element_subtree(:'org_b', :'e_class')), 0::bigint, 'the subtree is looked up within the organization');

create function pg_temp.explain_lines(p_sql text) returns setof text language plpgsql as $$
begin
  return query execute 'explain (costs off) ' || p_sql;
end
$$;
-- helpers are created by the owner, whose default privileges keep new functions from PUBLIC
grant execute on all functions in schema pg_temp to public;
set local enable_seqscan = off;
-- (With a handful of rows any plan is cheap; with ~20k elements and fresh statistics the planner
-- picks this index for element_subtree() on its own. Here: the index serves the predicate.)
select ok(
  (select string_agg(l, E'\n') from pg_temp.explain_lines(format($$select * from analytics.code_element_analysis where path @> array[%L::uuid]$$, :'e_class')) as l)
    like '%Bitmap Index Scan on code_element_analysis_path_idx%',
  'a subtree is one probe of the GIN index on path');
reset enable_seqscan;

-- The rules of the tree ---------------------------------------------------------------------
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status)
values (:'org', :'repo', repeat('c', 40), '{"pylint": "3"}', 'running') returning id as run2 \gset
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status)
values (:'org', :'repo', repeat('d', 40), '{"pylint": "3"}', 'running') returning id as run3 \gset
insert into analytics.code_element_analysis (organization_id, run_id, file_path, kind, name, qualified_name, start_line, end_line)
values (:'org', :'run2', 'a.py', 'function', 'f', 'a.f', 1, 10) returning id as e_fn \gset
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, parent_id, file_path, kind, name, qualified_name, start_line, end_line) values (%L, %L, %L, 'a.py', 'method', 'm', 'a.f.m', 2, 3)$$, :'org', :'run2', :'e_fn'),
  '23514', 'a method (a.f.m) must belong to a class, interface, struct, enum or trait, not to a function',
  'a method needs a type for parent');
select lives_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, parent_id, file_path, kind, name, qualified_name, start_line, end_line) values (%L, %L, %L, 'a.py', 'closure', 'c', 'a.f.c', 2, 3)$$, :'org', :'run2', :'e_fn'),
  'a function may contain a closure');
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, parent_id, file_path, kind, name, qualified_name, start_line, end_line) values (%L, %L, %L, 'a.py', 'closure', 'c', 'a.f.c', 2, 3)$$, :'org', :'run3', :'e_fn'),
  '23514', 'code element a.f.c and its parent a.f belong to different runs', 'a parent belongs to the same run');
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, parent_id, file_path, kind, name, qualified_name, start_line, end_line) values (%L, %L, gen_random_uuid(), 'a.py', 'closure', 'c', 'a.c', 2, 3)$$, :'org', :'run2'),
  '23503', null, 'a missing parent is a foreign-key violation');
select throws_ok(
  format($$update analytics.code_element_analysis set parent_id = null where id = %L$$, :'e_lambda'),
  '55000', format('the hierarchy of code element %s is immutable', :'e_lambda'), 'the tree never moves once recorded');
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, file_path, kind, name, qualified_name, start_line, end_line) values (%L, %L, 'a.py', 'function', 'g', 'a.g', 10, 9)$$, :'org', :'run2'),
  '23514', 'new row for relation "code_element_analysis" violates check constraint "code_element_analysis_end_line_check"', 'an element ends after it starts');
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, file_path, kind, name, qualified_name, start_line, end_line, cyclomatic_complexity) values (%L, %L, 'a.py', 'function', 'g', 'a.g', 1, 9, 0)$$, :'org', :'run2'),
  '23514', 'new row for relation "code_element_analysis" violates check constraint "code_element_analysis_cyclomatic_complexity_check"', 'cyclomatic complexity is at least 1');
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, file_path, kind, name, qualified_name, start_line, end_line) values (%L, %L, 'a.py', 'macro', 'g', 'a.g', 1, 9)$$, :'org', :'run2'),
  '23514', 'new row for relation "code_element_analysis" violates check constraint "code_element_analysis_kind_check"', 'kinds are a fixed list');
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, file_path, kind, name, qualified_name, start_line, end_line, parameters) values (%L, %L, 'a.py', 'function', 'g', 'a.g', 1, 9, '{"a": 1}')$$, :'org', :'run2'),
  '22023', null, 'parameters must be a JSON array');

-- Deleting a parent takes its subtree ---------------------------------------------------------
delete from analytics.code_element_analysis where id = :'e_class';
select is((select count(*) from analytics.code_element_analysis where run_id = :'run'), 2::bigint,
          'deleting the class removes its methods and their closures (module and parse remain)');

select * from finish();
rollback;
