-- analytics module, layer 3: row-level security from every role. Viewers read; members record
-- and triage; admins delete; derived tables (trends, history) and the weights are read-only for
-- users; nobody sees another organization, through the tables, the functions or the view.
begin;
select plan(39);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('ana-rls-a') \gset
select organization_id as org_b, member_id as outsider from tests.create_tenant('ana-rls-b') \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'rls/a', 'https://github.com/rls/a.git') returning id as repo \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org_b', 'github', 'rls/b', 'https://github.com/rls/b.git') returning id as repo_b \gset

create function pg_temp.report(p_fingerprint text) returns jsonb language sql as $$
  select jsonb_build_object(
    'commit_sha', repeat('e', 40), 'tools', '{"eslint": "9"}'::jsonb,
    'files', jsonb_build_array(jsonb_build_object('path', 'src/a.ts', 'lines_code', 500, 'complexity', 50, 'coverage_pct', 70,
               'elements', jsonb_build_array(jsonb_build_object('kind', 'class', 'name', 'A', 'start_line', 1, 'end_line', 9,
                             'children', jsonb_build_array(jsonb_build_object('kind', 'method', 'name', 'm', 'start_line', 2, 'end_line', 3)))))),
    'issues', jsonb_build_array(jsonb_build_object('fingerprint', p_fingerprint, 'rule', 'r', 'severity', 'major', 'type', 'bug', 'message', 'm')),
    'performance', jsonb_build_array(jsonb_build_object('name', 'GET /', 'p50_ms', 1)))
$$;
-- helpers are created by the owner, whose default privileges keep new functions from PUBLIC
grant execute on all functions in schema pg_temp to public;
select analytics.record_analysis_run(:'org', :'repo', pg_temp.report('fa')) as run_a \gset
select analytics.record_analysis_run(:'org_b', :'repo_b', pg_temp.report('fb')) as run_b \gset
select id as elem_a from analytics.code_element_analysis where run_id = :'run_a' and kind = 'class' \gset
select id as issue_a from analytics.issues where repository_id = :'repo' \gset

create function pg_temp.visible() returns text language sql as $$
  select format('runs=%s files=%s elements=%s issues=%s history=%s metrics=%s perf=%s trends=%s overview=%s weights=%s',
    (select count(*) from analytics.analysis_runs), (select count(*) from analytics.file_analysis),
    (select count(*) from analytics.code_element_analysis), (select count(*) from analytics.issues),
    (select count(*) from analytics.issue_status_history), (select count(*) from analytics.metrics),
    (select count(*) from analytics.performance_metrics), (select count(*) > 0 from analytics.metric_trends),
    (select string_agg(full_name, ',' order by full_name) from analytics.repository_quality_overview),
    (select count(*) from analytics.quality_score_weights) + (select count(*) from analytics.issue_severity_weights))
$$;
-- helpers are created by the owner, whose default privileges keep new functions from PUBLIC
grant execute on all functions in schema pg_temp to public;
grant execute on function pg_temp.visible() to authenticated, service_role;
select count(*) as metrics_per_run from analytics.metrics where run_id = :'run_a' \gset

-- What each role sees -----------------------------------------------------------------------
select tests.authenticate_as(:'viewer');
select is(pg_temp.visible(), format('runs=1 files=1 elements=2 issues=1 history=1 metrics=%s perf=1 trends=t overview=rls/a weights=9', :metrics_per_run),
          'a viewer reads everything of their organization, and the weights');
select is(analytics.calculate_quality_score(:'repo'), (select quality_score from analytics.analysis_runs where id = :'run_a'),
          'a viewer gets the score');
select tests.authenticate_as(:'member');
select is(pg_temp.visible(), format('runs=1 files=1 elements=2 issues=1 history=1 metrics=%s perf=1 trends=t overview=rls/a weights=9', :metrics_per_run),
          'a member reads the same');
select tests.authenticate_as(:'admin');
select is(pg_temp.visible(), format('runs=1 files=1 elements=2 issues=1 history=1 metrics=%s perf=1 trends=t overview=rls/a weights=9', :metrics_per_run),
          'an admin reads the same');
select tests.authenticate_as(:'outsider');
select is(pg_temp.visible(), format('runs=1 files=1 elements=2 issues=1 history=1 metrics=%s perf=1 trends=t overview=rls/b weights=9', :metrics_per_run),
          'a member of another organization sees only their own');
select is(analytics.calculate_quality_score(:'repo'), null, 'another organization''s repository scores NULL for an outsider');
select is((select count(*) from analytics.explain_quality_score(:'repo')), 0::bigint, 'and has nothing to explain');
select is((select count(*) from analytics.repository_quality_overview where repository_id = :'repo'), 0::bigint, 'nor an overview row');
select is((select count(*) from analytics.element_subtree(:'org', :'elem_a')), 0::bigint, 'nor code elements');
select tests.authenticate_as_service_role();
select ok(pg_temp.visible() like 'runs=2 files=2 elements=4 issues=2 %overview=rls/a,rls/b weights=9', 'service_role sees every organization');
select tests.authenticate_as_anon();
select throws_ok('select count(*) from analytics.analysis_runs', '42501', 'permission denied for schema analytics',
                 'anon cannot reach the analytics schema');

-- Viewers write nothing -------------------------------------------------------------------------
select tests.authenticate_as(:'viewer');
select throws_ok(
  format($$insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools) values (%L, %L, %L, '{"x": "1"}')$$, :'org', :'repo', repeat('a', 40)),
  '42501', 'new row violates row-level security policy for table "analysis_runs"', 'a viewer cannot start a run');
with u as (update analytics.issues set status = 'confirmed' where id = :'issue_a' returning 1)
select is(count(*), 0::bigint, 'a viewer cannot triage through UPDATE either') from u;
select throws_ok(
  format($$insert into analytics.metrics (organization_id, repository_id, name, value) values (%L, %L, 'x', 1)$$, :'org', :'repo'),
  '42501', 'new row violates row-level security policy for table "metrics"', 'a viewer cannot record metrics');
with d as (delete from analytics.analysis_runs where id = :'run_a' returning 1)
select is(count(*), 0::bigint, 'a viewer cannot delete a run') from d;

-- Members record and triage, never delete ------------------------------------------------------
select tests.authenticate_as(:'member');
select lives_ok(format($$select analytics.record_analysis_run(%L, %L, pg_temp.report('fa'))$$, :'org', :'repo'),
                'a member records a run in one call');
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status)
values (:'org', :'repo', repeat('a', 40), '{"x": "1"}', 'running') returning id as run_m \gset
select lives_ok(format($$insert into analytics.file_analysis (organization_id, run_id, file_path, lines_code) values (%L, %L, 'x.py', 3)$$, :'org', :'run_m'),
                'a member reports file results');
with u as (update analytics.analysis_runs set status = 'succeeded' where id = :'run_m' returning 1)
select is(count(*), 1::bigint, 'a member finishes a run') from u;
select throws_ok(
  format($$update analytics.analysis_runs set quality_score = 100 where id = %L$$, :'run_m'),
  '42501', 'permission denied for table analysis_runs', 'a member cannot forge a run''s score');
select throws_ok(
  format($$update analytics.file_analysis set coverage_pct = 100 where run_id = %L$$, :'run_m'),
  '42501', 'permission denied for table file_analysis', 'results are immutable for users');
select throws_ok(
  format($$insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools) values (%L, %L, %L, '{"x": "1"}')$$, :'org_b', :'repo_b', repeat('a', 40)),
  '42501', 'new row violates row-level security policy for table "analysis_runs"', 'a member cannot start a run in another organization');
select throws_ok(
  format($$insert into analytics.file_analysis (organization_id, run_id, file_path) values (%L, %L, 'x.py')$$, :'org_b', :'run_b'),
  '42501', 'new row violates row-level security policy for table "file_analysis"', 'nor add results to another organization''s run');
select throws_ok(
  format($$select analytics.record_analysis_run(%L, %L, pg_temp.report('x'))$$, :'org_b', :'repo_b'),
  '42501', format('only members of organization %s may record analysis runs', :'org_b'), 'nor record a run there');
select is((analytics.set_issue_status(:'org', :'issue_a', 'confirmed', 'seen it')).status, 'confirmed', 'a member triages an issue');
with d as (delete from analytics.analysis_runs where id = :'run_a' returning 1)
select is(count(*), 0::bigint, 'a member cannot delete a run') from d;
with d as (delete from analytics.issues where id = :'issue_a' returning 1)
select is(count(*), 0::bigint, 'a member cannot delete an issue') from d;
select throws_ok(
  format($$insert into analytics.metric_trends (organization_id, repository_id, metric_name, period, period_start, sample_count, avg_value, min_value, max_value, last_value) values (%L, %L, 'x', 'day', now(), 1, 1, 1, 1, 1)$$, :'org', :'repo'),
  '42501', 'permission denied for table metric_trends', 'trends are written by refresh_metric_trends() only');
select throws_ok(
  $$update analytics.quality_score_weights set weight = 1 where component = 'issues'$$,
  '42501', 'permission denied for table quality_score_weights', 'users cannot retune the score');
select throws_ok(
  $$update analytics.issue_severity_weights set weight = 0 where severity = 'blocker'$$,
  '42501', 'permission denied for table issue_severity_weights', 'nor make blockers free');
select throws_ok(
  format($$update analytics.code_element_analysis set name = 'B' where id = %L$$, :'elem_a'),
  '42501', 'permission denied for table code_element_analysis', 'code elements are immutable for users');

-- Admins delete ---------------------------------------------------------------------------------
select tests.authenticate_as(:'admin');
with d as (delete from analytics.issues where id = :'issue_a' returning 1)
select is(count(*), 1::bigint, 'an admin deletes an issue') from d;
with d as (delete from analytics.analysis_runs where id = :'run_a' returning 1)
select is(count(*), 1::bigint, 'an admin deletes a run (its results go with it)') from d;
select is((select count(*) from analytics.file_analysis where run_id = :'run_a'), 0::bigint, 'the run''s file results are gone');
select is((select count(*) from analytics.code_element_analysis where run_id = :'run_a'), 0::bigint, 'the run''s code elements are gone');
with d as (delete from analytics.analysis_runs where id = :'run_b' returning 1)
select is(count(*), 0::bigint, 'an admin cannot delete another organization''s run') from d;
select tests.authenticate_as(:'owner');
with d as (delete from analytics.metrics where repository_id = :'repo' returning 1)
select ok(count(*) > 0, 'an owner deletes metrics') from d;

-- Services ------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
with u as (update analytics.quality_score_weights set weight = 0.5 where component = 'issues' returning 1)
select is(count(*), 1::bigint, 'service_role tunes the weights') from u;
select lives_ok(format($$select analytics.record_analysis_run(%L, %L, pg_temp.report('svc'))$$, :'org_b', :'repo_b'),
                'service_role records runs for any organization');
select ok(analytics.refresh_metric_trends() >= 0, 'service_role refreshes every organization''s trends');
select tests.clear_authentication();

select * from finish();
rollback;
