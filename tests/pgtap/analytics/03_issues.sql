-- analytics module, layer 2: code issues across runs. Fingerprint carry-over (same issue, not a
-- duplicate), reopening, automatic resolution (only by successful runs of the issue's tool, never
-- over a person's false_positive / wont_fix), the resolution history and manual triage.
begin;
select plan(44);

select organization_id as org, member_id as member, viewer_id as viewer from tests.create_tenant('ana-issues-a') \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'ana/issues', 'https://github.com/ana/issues.git') returning id as repo \gset

-- A run as a tool adapter records it: tools, issues, status.
create function pg_temp.run(p_tools jsonb, p_issues jsonb, p_status text default 'succeeded') returns uuid
language sql as $$
  select analytics.record_analysis_run(r.organization_id, r.id,
           jsonb_build_object('commit_sha', repeat('c', 40), 'tools', p_tools, 'status', p_status,
                              'files', '[{"path": "src/app.ts", "lines_code": 1000}]'::jsonb,
                              'issues', (select coalesce(jsonb_agg(jsonb_build_object(
                                           'fingerprint', f, 'tool', split_part(f, ':', 1), 'rule', 'r-' || f,
                                           'severity', 'major', 'type', 'bug', 'file_path', 'src/app.ts',
                                           'line', 1, 'message', 'issue ' || f)), '[]')
                                           from jsonb_array_elements_text(p_issues) as f)))
    from projects.repositories as r where r.full_name = 'ana/issues'
$$;
-- helpers are created by the owner, whose default privileges keep new functions from PUBLIC
grant execute on all functions in schema pg_temp to public;
create function pg_temp.issue(p_fingerprint text) returns analytics.issues
language sql as $$ select * from analytics.issues where fingerprint = p_fingerprint $$;
-- helpers are created by the owner, whose default privileges keep new functions from PUBLIC
grant execute on all functions in schema pg_temp to public;
create function pg_temp.history(p_fingerprint text) returns text
language sql as $$
  select string_agg(coalesce(h.from_status, '-') || '>' || h.to_status || ':' || h.reason, ' ' order by h.changed_at, h.id)
    from analytics.issue_status_history as h join analytics.issues as i on i.id = h.issue_id
   where i.fingerprint = p_fingerprint
$$;
-- helpers are created by the owner, whose default privileges keep new functions from PUBLIC
grant execute on all functions in schema pg_temp to public;

-- Run 1: three issues appear -------------------------------------------------------------------
select pg_temp.run('{"eslint": "9", "semgrep": "1"}', '["eslint:A", "eslint:B", "semgrep:C"]') as run1 \gset
select is((select count(*) from analytics.issues where repository_id = :'repo'), 3::bigint, 'run 1 reports three issues');
select results_eq(format($$select issue_count, new_issue_count, resolved_issue_count from analytics.analysis_runs where id = %L$$, :'run1'),
                  $$values (3, 3, 0)$$, 'run 1: three seen, three new, none resolved');
select is(pg_temp.history('eslint:B'), '->open:detected', 'detection is the first history entry');
select is((select run_id from analytics.issue_status_history h join analytics.issues i on i.id = h.issue_id where i.fingerprint = 'eslint:A'),
          :'run1'::uuid, 'the history names the run that detected the issue');

-- Run 2: A and C seen again, B gone ---------------------------------------------------------------
select pg_temp.run('{"eslint": "9", "semgrep": "1"}', '["eslint:A", "semgrep:C"]') as run2 \gset
select is((select count(*) from analytics.issues where repository_id = :'repo'), 3::bigint,
          'the same fingerprint in a later run is the same issue, not a duplicate');
select results_eq($$select status, first_seen_run_id, last_seen_run_id from pg_temp.issue('eslint:A')$$,
                  format($$values ('open', %L::uuid, %L::uuid)$$, :'run1', :'run2'),
                  'A keeps its first run and moves its last-seen run forward');
select results_eq($$select status, resolved_run_id from pg_temp.issue('eslint:B')$$,
                  format($$values ('resolved', %L::uuid)$$, :'run2'),
                  'B, no longer seen by a successful run of its tool, is resolved automatically by that run');
select isnt((pg_temp.issue('eslint:B')).resolved_at, null, 'resolution is stamped');
select results_eq(format($$select issue_count, new_issue_count, resolved_issue_count from analytics.analysis_runs where id = %L$$, :'run2'),
                  $$values (2, 0, 1)$$, 'run 2: two seen, none new, one resolved');

-- Run 3: eslint only; B is back ----------------------------------------------------------------
select pg_temp.run('{"eslint": "9"}', '["eslint:A", "eslint:B"]') as run3 \gset
select results_eq($$select status, resolved_at, resolved_run_id, last_seen_run_id from pg_temp.issue('eslint:B')$$,
                  format($$values ('open', null::timestamptz, null::uuid, %L::uuid)$$, :'run3'),
                  'B seen again while resolved is reopened (same row)');
select is(pg_temp.history('eslint:B'), '->open:detected open>resolved:auto_resolved resolved>open:reopened',
          'the history shows detection, automatic resolution and reopening');
select is((pg_temp.issue('semgrep:C')).status, 'open',
          'C (semgrep) stays open: a run without semgrep says nothing about semgrep issues');

-- Run 4: a failed run resolves nothing ---------------------------------------------------------
select pg_temp.run('{"eslint": "9"}', '[]', 'failed') as run4 \gset
select is((select count(*) from analytics.issues where repository_id = :'repo' and status = 'open'), 3::bigint,
          'a failed run that saw nothing resolves nothing');

-- Triage ---------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
select is((analytics.set_issue_status(:'org', (pg_temp.issue('semgrep:C')).id, 'false_positive', 'test fixture, not real code')).status,
          'false_positive', 'a member marks an issue as a false positive');
select results_eq(
  $$select reason, changed_by, note from analytics.issue_status_history h join analytics.issues i on i.id = h.issue_id
     where i.fingerprint = 'semgrep:C' and h.reason = 'manual'$$,
  format($$values ('manual', %L::uuid, 'test fixture, not real code')$$, :'member'),
  'manual triage is recorded with its author and note');
select is((analytics.set_issue_status(:'org', (pg_temp.issue('eslint:A')).id, 'confirmed')).status, 'confirmed', 'a member confirms an issue');
select tests.clear_authentication();

-- Run 5: C reported again (false positive), A and B gone ------------------------------------
select pg_temp.run('{"eslint": "9", "semgrep": "1"}', '["semgrep:C"]') as run5 \gset
select is((pg_temp.issue('semgrep:C')).status, 'false_positive', 'a false positive seen again stays a false positive');
select is((pg_temp.issue('semgrep:C')).last_seen_run_id, :'run5'::uuid, '... but its last sighting is still recorded');
select is((pg_temp.issue('eslint:A')).status, 'resolved', 'a confirmed issue no longer seen is resolved automatically too');
select is(pg_temp.history('eslint:B'),
          '->open:detected open>resolved:auto_resolved resolved>open:reopened open>resolved:auto_resolved',
          'B''s full history');
select is((select count(*) from analytics.issues where repository_id = :'repo'), 3::bigint, 'still three issues after five runs');

-- won't fix survives absence --------------------------------------------------------------------
select pg_temp.run('{"eslint": "9"}', '["eslint:D"]') as run6 \gset
select is((analytics.set_issue_status(:'org', (pg_temp.issue('eslint:D')).id, 'wont_fix')).status, 'wont_fix', 'setup: D is won''t fix');
select pg_temp.run('{"eslint": "9"}', '[]') as run7 \gset
select is((pg_temp.issue('eslint:D')).status, 'wont_fix', 'a won''t-fix issue is not auto-resolved when it disappears');

-- Invalid transitions ------------------------------------------------------------------------
select throws_ok(
  format($$select analytics.set_issue_status(%L, %L, 'wont_fix')$$, :'org', (pg_temp.issue('eslint:A')).id),
  '55000', 'invalid status transition for analytics.issues.status: "resolved" -> "wont_fix"',
  'resolved -> wont_fix is refused (reopen it first)');
select throws_ok(
  format($$update analytics.issues set status = 'resolved' where id = %L$$, (pg_temp.issue('semgrep:C')).id),
  '55000', 'invalid status transition for analytics.issues.status: "false_positive" -> "resolved"',
  'false_positive -> resolved is refused');
select throws_ok(
  format($$update analytics.issues set status = 'confirmed' where id = %L$$, (pg_temp.issue('eslint:D')).id),
  '55000', 'invalid status transition for analytics.issues.status: "wont_fix" -> "confirmed"',
  'wont_fix -> confirmed is refused');
select is((analytics.set_issue_status(:'org', (pg_temp.issue('eslint:A')).id, 'open', 'regressed')).status, 'open', 'resolved -> open by hand');
select is((analytics.set_issue_status(:'org', (pg_temp.issue('eslint:A')).id, 'resolved')).resolved_run_id, null,
          'a manual resolution names no run');
select is((select reason from analytics.issue_status_history h join analytics.issues i on i.id = h.issue_id
            where i.fingerprint = 'eslint:A' order by h.changed_at desc, h.id desc limit 1), 'manual', 'and is recorded as manual');
select throws_ok(
  format($$select analytics.set_issue_status(%L, %L, 'fixed')$$, :'org', (pg_temp.issue('eslint:A')).id),
  '22023', 'unknown issue status ''fixed''', 'an unknown status is refused with 22023');
select throws_ok(
  format($$select analytics.set_issue_status(%L, gen_random_uuid(), 'open')$$, :'org'),
  'P0002', null, 'an unknown issue is reported with P0002');
select throws_ok(
  format($$insert into analytics.issues (organization_id, repository_id, fingerprint, tool, rule_id, severity, type, message, status) values (%L, %L, 'x', 'eslint', 'r', 'minor', 'bug', 'm', 'resolved')$$, :'org', :'repo'),
  '55000', 'a new issue is open or confirmed, not resolved', 'an issue cannot be born resolved');
select throws_ok(
  format($$insert into analytics.issues (organization_id, repository_id, fingerprint, tool, rule_id, severity, type, message) values (%L, %L, 'x', 'eslint', 'r', 'fatal', 'bug', 'm')$$, :'org', :'repo'),
  '23514', 'new row for relation "issues" violates check constraint "issues_severity_check"', 'severity is info, minor, major, critical or blocker');
select throws_ok(
  format($$insert into analytics.issues (organization_id, repository_id, fingerprint, tool, rule_id, severity, type, message) values (%L, %L, 'x', 'eslint', 'r', 'minor', 'typo', 'm')$$, :'org', :'repo'),
  '23514', 'new row for relation "issues" violates check constraint "issues_type_check"', 'type is bug, vulnerability, code_smell or security_hotspot');
select throws_ok(
  format($$insert into analytics.issues (organization_id, repository_id, fingerprint, tool, rule_id, severity, type, message, line) values (%L, %L, 'x', 'eslint', 'r', 'minor', 'bug', 'm', 0)$$, :'org', :'repo'),
  '23514', 'new row for relation "issues" violates check constraint "issues_line_check"', 'lines are 1-based');

-- Reports: duplicates within a report, tools that did not run ------------------------------------
select lives_ok($$select pg_temp.run('{"eslint": "9"}', '["eslint:E", "eslint:E"]')$$, 'a report may list one fingerprint twice');
select is((select count(*) from analytics.issues where fingerprint = 'eslint:E'), 1::bigint, '... and it is one issue');
select throws_ok($$select pg_temp.run('{"eslint": "9"}', '["semgrep:Z"]')$$, '22023',
  'report.issues[0] must be an object with a "fingerprint" and a "tool" among the run''s tools (eslint)',
  'an issue of a tool that did not run is refused (auto-resolution is per tool)');

-- The history is read-only; issues are RLS-protected ----------------------------------------------
select tests.authenticate_as(:'viewer');
select throws_ok(
  format($$select analytics.set_issue_status(%L, %L, 'confirmed')$$, :'org', (pg_temp.issue('eslint:E')).id),
  '42501', format('only members of organization %s may triage its issues', :'org'), 'a viewer cannot triage');
select is((select count(*) from analytics.issue_status_history where organization_id = :'org') > 0, true, 'a viewer reads the history');
select throws_ok(
  format($$insert into analytics.issue_status_history (organization_id, issue_id, to_status, reason) values (%L, %L, 'open', 'manual')$$, :'org', (pg_temp.issue('eslint:E')).id),
  '42501', 'permission denied for table issue_status_history', 'nobody forges history');
select tests.authenticate_as(:'member');
with u as (update analytics.issues set severity = 'info' where fingerprint = 'eslint:E' returning 1)
select is(count(*), 1::bigint, 'a member may reclassify an issue') from u;
select throws_ok(
  format($$update analytics.issues set first_seen_run_id = null where fingerprint = 'eslint:E'$$),
  '42501', 'permission denied for table issues', 'but not rewrite where it was first seen');
select tests.clear_authentication();

-- A deleted run is forgotten by its issues, which stay ---------------------------------------
delete from analytics.analysis_runs where id = :'run1';
select results_eq($$select first_seen_run_id, status from pg_temp.issue('semgrep:C')$$,
                  $$values (null::uuid, 'false_positive')$$, 'deleting a run keeps its issues (first_seen_run_id is cleared)');

select * from finish();
rollback;
