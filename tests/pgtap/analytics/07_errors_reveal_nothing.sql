-- A refused write reveals nothing about rows the caller cannot read (hardening issue, item 8).
-- The hierarchy trigger of code_element_analysis is a BEFORE ROW trigger, which runs before the
-- row's RLS check: it runs as the caller, so another organization's parent element is "not found"
-- exactly like an id that exists nowhere, and no message quotes another tenant's data. (As a
-- definer it found the parent and answered 23514 quoting its qualified_name.)
begin;
select plan(5);

select organization_id as org, member_id as member from tests.create_tenant('ana-leak-a') \gset
select organization_id as org_b from tests.create_tenant('ana-leak-b') \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'leak/a', 'https://github.com/leak/a.git') returning id as repo \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org_b', 'github', 'leak/b', 'https://github.com/leak/b.git') returning id as repo_b \gset

create function pg_temp.report(p_class text) returns jsonb language sql as $$
  select jsonb_build_object(
    'commit_sha', repeat('e', 40), 'tools', '{"eslint": "9"}'::jsonb,
    'files', jsonb_build_array(jsonb_build_object('path', 'src/a.ts', 'lines_code', 500, 'complexity', 50,
               'elements', jsonb_build_array(jsonb_build_object('kind', 'class', 'name', p_class, 'start_line', 1, 'end_line', 9)))))
$$;
select analytics.record_analysis_run(:'org', :'repo', pg_temp.report('Mine')) as run_a \gset
select analytics.record_analysis_run(:'org_b', :'repo_b', pg_temp.report('SecretOfB')) as run_b \gset
select id as elem_b, qualified_name as secret from analytics.code_element_analysis where run_id = :'run_b' \gset
select gen_random_uuid() as nowhere \gset

select tests.authenticate_as(:'member');
-- The probe: a row of organization B, under B's element, in a run of A's (a different run).
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, parent_id, file_path, kind, name, qualified_name, start_line, end_line)
           values (%L, %L, %L, 'src/a.ts', 'function', 'f', 'probe.f', 1, 2)$$, :'org_b', :'run_a', :'elem_b'),
  '23503', format('parent element %s of probe.f not found', :'elem_b'),
  'a parent element of another organization is not found');
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, parent_id, file_path, kind, name, qualified_name, start_line, end_line)
           values (%L, %L, %L, 'src/a.ts', 'function', 'f', 'probe.f', 1, 2)$$, :'org_b', :'run_a', :'nowhere'),
  '23503', format('parent element %s of probe.f not found', :'nowhere'),
  'exactly as a parent that exists nowhere: same SQLSTATE, same message');
-- And with the other organization's own run: the kind rule must not answer for B's parent either.
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, parent_id, file_path, kind, name, qualified_name, start_line, end_line)
           values (%L, %L, %L, 'src/a.ts', 'method', 'm', 'probe.m', 1, 2)$$, :'org_b', :'run_b', :'elem_b'),
  '23503', format('parent element %s of probe.m not found', :'elem_b'),
  'nor is it found for a row in the other organization''s own run');
select tests.clear_authentication();

select is((select count(*)::int from analytics.code_element_analysis where qualified_name like 'probe.%'), 0,
          'no probe row was written');
select is((select p.prosecdef from pg_catalog.pg_proc as p
            where p.oid = 'internal.tg_code_element_analysis__set_path()'::regprocedure), false,
          'the BEFORE ROW hierarchy trigger runs as the caller (SECURITY INVOKER)');

select * from finish();
rollback;
