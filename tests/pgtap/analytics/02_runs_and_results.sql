-- analytics module, layer 2: the run lifecycle (every invalid transition), the run summary,
-- results accepted only while a run is open, range checks with their SQLSTATEs, partitions,
-- and last_analyzed_at.
begin;
select plan(63);

select organization_id as org from tests.create_tenant('ana-runs-a') \gset
select organization_id as org_b from tests.create_tenant('ana-runs-b') \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'ana/runs', 'https://github.com/ana/runs.git') returning id as repo \gset
select repeat('a', 40) as sha \gset

-- Creation -----------------------------------------------------------------------------------
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools)
values (:'org', :'repo', :'sha', '{"eslint": "9.1.0"}') returning id as r_queued \gset
select is((select status from analytics.analysis_runs where id = :'r_queued'), 'queued', 'a run is queued by default');
select throws_ok(
  format($$insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status, started_at, finished_at) values (%L, %L, %L, '{"eslint": "1"}', 'succeeded', now(), now())$$, :'org', :'repo', :'sha'),
  '55000', 'a new analysis run is queued or running, not succeeded', 'a run cannot be created already finished');
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status)
values (:'org', :'repo', :'sha', '{"eslint": "9.1.0"}', 'running') returning id as r_running \gset
select isnt((select started_at from analytics.analysis_runs where id = :'r_running'), null, 'a run created running is stamped started_at');
select lives_ok(
  format($$insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, task_id) values (%L, %L, %L, '{"eslint": "1"}', gen_random_uuid())$$, :'org', :'repo', :'sha'),
  'task_id is a soft reference: any uuid is accepted');
select throws_ok(
  format($$insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools) values (%L, %L, %L, '{"eslint": "1"}')$$, :'org_b', :'repo', :'sha'),
  '23503', 'insert or update on table "analysis_runs" violates foreign key constraint "analysis_runs_organization_id_repository_id_fkey"',
  'a run cannot analyse another organization''s repository');

select throws_ok(
  format($$insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools) values (%L, %L, %L, %L)$$, :'org', :'repo', sha, tools),
  '23514', format('new row for relation "analysis_runs" violates check constraint "%s"', con), why)
  from (values (1, repeat('a', 40), '{}', 'analysis_runs_tools_check', 'a run names at least one tool'),
               (2, repeat('a', 40), '{"ESLint": "9"}', 'analysis_runs_tools_check', 'tool names are lowercase identifiers'),
               (3, repeat('a', 40), '{"eslint": 9}', 'analysis_runs_tools_check', 'tool versions are strings'),
               (4, repeat('a', 40), '["eslint"]', 'analysis_runs_tools_check', 'tools is an object of name -> version'),
               (5, 'HEAD', '{"eslint": "9"}', 'analysis_runs_commit_sha_check', 'the commit is a hex SHA'))
       as v(n, sha, tools, con, why)
 order by n;

-- Every valid transition ------------------------------------------------------------------------
create temporary table runs (status text primary key, id uuid not null);
insert into runs values ('queued', :'r_queued'), ('running', :'r_running');
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools) values (:'org', :'repo', :'sha', '{"eslint": "1"}') returning id as q1 \gset
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools) values (:'org', :'repo', :'sha', '{"eslint": "1"}') returning id as q2 \gset
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools) values (:'org', :'repo', :'sha', '{"eslint": "1"}') returning id as q3 \gset
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status) values (:'org', :'repo', :'sha', '{"eslint": "1"}', 'running') returning id as g1 \gset
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status) values (:'org', :'repo', :'sha', '{"eslint": "1"}', 'running') returning id as g2 \gset

select lives_ok(format($$update analytics.analysis_runs set status = 'running' where id = %L$$, :'q1'), 'queued -> running');
select isnt((select started_at from analytics.analysis_runs where id = :'q1'), null, 'starting stamps started_at');
select lives_ok(format($$update analytics.analysis_runs set status = 'cancelled' where id = %L$$, :'q2'), 'queued -> cancelled');
select lives_ok(format($$update analytics.analysis_runs set status = 'failed', error_message = 'runner lost' where id = %L$$, :'q3'), 'queued -> failed');
select lives_ok(format($$update analytics.analysis_runs set status = 'succeeded' where id = %L$$, :'g1'), 'running -> succeeded');
select isnt((select finished_at from analytics.analysis_runs where id = :'g1'), null, 'finishing stamps finished_at');
select lives_ok(format($$update analytics.analysis_runs set status = 'failed' where id = %L$$, :'g2'), 'running -> failed');
select lives_ok(format($$update analytics.analysis_runs set status = 'cancelled' where id = %L$$, :'q1'), 'running -> cancelled');
insert into runs values ('succeeded', :'g1'), ('failed', :'g2'), ('cancelled', :'q2');

-- Every invalid transition is refused with 55000 and the allowed next states -------------------
select throws_ok(
         format('update analytics.analysis_runs set status = %L where id = %L', t.to_status, s.id),
         '55000',
         format('invalid status transition for analytics.analysis_runs.status: "%s" -> "%s"', s.status, t.to_status),
         format('%s -> %s is refused (55000, names the allowed next states)', s.status, t.to_status))
  from runs as s
  join (values ('queued', 'running, cancelled, failed'), ('running', 'succeeded, failed, cancelled'),
               ('succeeded', 'none (succeeded is final)'), ('failed', 'none (failed is final)'),
               ('cancelled', 'none (cancelled is final)')) as a(status, allowed) on a.status = s.status
 cross join (values ('queued'), ('running'), ('succeeded'), ('failed'), ('cancelled')) as t(to_status)
 where t.to_status <> s.status
   and (s.status, t.to_status) not in (('queued', 'running'), ('queued', 'cancelled'), ('queued', 'failed'),
                                        ('running', 'succeeded'), ('running', 'failed'), ('running', 'cancelled'))
 order by s.status, t.to_status;

-- File results: ranges ----------------------------------------------------------------------
select throws_ok(
  format($$insert into analytics.file_analysis (organization_id, run_id, file_path, %s) values (%L, %L, 'src/x.ts', %s)$$, col, :'org', :'r_running', val),
  '23514', format('new row for relation "file_analysis" violates check constraint "file_analysis_%s_check"', col),
  format('file_analysis.%s = %s is refused with 23514', col, val))
  from (values (1, 'lines_code', '-1'), (2, 'lines_comment', '-1'), (3, 'lines_blank', '-5'), (4, 'complexity', '-1'),
               (5, 'duplication_pct', '100.01'), (6, 'duplication_pct', '-0.01'), (7, 'coverage_pct', '101'),
               (8, 'coverage_pct', '-1'), (9, 'maintainability_index', '100.5'))
       as v(n, col, val)
 order by n;
select throws_ok(
  format($$insert into analytics.file_analysis (organization_id, run_id, file_path) values (%L, %L, '/etc/passwd')$$, :'org', :'r_running'),
  '23514', 'new row for relation "file_analysis" violates check constraint "file_analysis_file_path_check"',
  'file paths are relative to the repository root');

-- The summary is computed when the run succeeds -------------------------------------------------
-- a.ts: 300 code lines, coverage 90, duplication 10, complexity 40, maintainability 60
-- b.ts: 100 code lines, coverage 50, duplication 2,  complexity 10, maintainability 80
-- c.md: 0 code lines, nothing measured
insert into analytics.file_analysis
  (organization_id, run_id, file_path, language, lines_code, lines_comment, lines_blank, complexity, duplication_pct, coverage_pct, maintainability_index)
values (:'org', :'r_running', 'src/a.ts', 'typescript', 300, 30, 10, 40, 10, 90, 60),
       (:'org', :'r_running', 'src/b.ts', 'typescript', 100, 5, 5, 10, 2, 50, 80),
       (:'org', :'r_running', 'README.md', null, 0, 0, 0, null, null, null, null);
select throws_ok(
  format($$insert into analytics.file_analysis (organization_id, run_id, file_path) values (%L, %L, 'src/a.ts')$$, :'org', :'r_running'),
  '23505', 'duplicate key value violates unique constraint "file_analysis_organization_id_run_id_file_path_key"',
  'a file is reported once per run');
select is((select last_analyzed_at from projects.repositories where id = :'repo'),
          (select finished_at from analytics.analysis_runs where id = :'g1'),
          'setup: the earlier successful run set last_analyzed_at');
update analytics.analysis_runs set status = 'succeeded', finished_at = now() + interval '1 minute' where id = :'r_running';
select results_eq(
  format($$select files_analyzed, lines_of_code, comment_lines, coverage_pct, duplication_pct, complexity_total, maintainability_avg
             from analytics.analysis_runs where id = %L$$, :'r_running'),
  $$values (3, 400::bigint, 35::bigint, 80.00::numeric(5,2), 8.00::numeric(5,2), 50::bigint, 65.00::numeric(5,2))$$,
  'the summary: counts and sums, line-weighted coverage (80), duplication (8) and maintainability (65)');
select is((select last_analyzed_at from projects.repositories where id = :'repo'), now() + interval '1 minute',
          'a successful run moves repositories.last_analyzed_at to its finish time');
select throws_ok(
  format($$insert into analytics.file_analysis (organization_id, run_id, file_path) values (%L, %L, 'src/late.ts')$$, :'org', :'r_running'),
  '55000', format('analysis run %s is succeeded: results are accepted only while a run is queued or running', :'r_running'),
  'results are refused once the run has finished (its summary stays true)');
select throws_ok(
  format($$insert into analytics.code_element_analysis (organization_id, run_id, file_path, kind, name, qualified_name, start_line, end_line) values (%L, %L, 'src/a.ts', 'function', 'f', 'f', 1, 2)$$, :'org', :'r_running'),
  '55000', format('analysis run %s is succeeded: results are accepted only while a run is queued or running', :'r_running'),
  'code elements too');

-- last_analyzed_at: failures and older runs do not move it ----------------------------------
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status)
values (:'org', :'repo', :'sha', '{"eslint": "9.1.0"}', 'running') returning id as r_fail \gset
update analytics.analysis_runs set status = 'failed', finished_at = now() + interval '1 hour' where id = :'r_fail';
select is((select last_analyzed_at from projects.repositories where id = :'repo'), now() + interval '1 minute',
          'a failed run does not count as an analysis');
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status, started_at)
values (:'org', :'repo', :'sha', '{"eslint": "9.1.0"}', 'running', now() - interval '2 days') returning id as r_old \gset
update analytics.analysis_runs set status = 'succeeded', finished_at = now() - interval '1 day' where id = :'r_old';
select is((select last_analyzed_at from projects.repositories where id = :'repo'), now() + interval '1 minute',
          'a run that finished earlier does not move last_analyzed_at backwards');
select throws_ok(
  format($$update analytics.analysis_runs set finished_at = started_at - interval '1 second' where id = %L$$, :'r_old'),
  '23514', 'new row for relation "analysis_runs" violates check constraint "analysis_runs_finished_at_check"',
  'a run cannot finish before it started');

-- Metrics and performance metrics: ranges and partitions (rows are routed first, so the
-- message names the month's partition) -----------------------------------------------------------
select throws_ok(
  format($$insert into analytics.performance_metrics (organization_id, repository_id, name, p50_ms, p95_ms, p99_ms) values (%L, %L, 'GET /', 20, 10, 30)$$, :'org', :'repo'),
  '23514', 'new row for relation "performance_metrics_p' || to_char(now() at time zone 'UTC', 'YYYYMM') || '" violates check constraint "performance_metrics_p95_ms_check"',
  'p95 cannot be below p50');
select throws_ok(
  format($$insert into analytics.performance_metrics (organization_id, repository_id, name, p50_ms, p95_ms, p99_ms) values (%L, %L, 'GET /', 10, 20, 15)$$, :'org', :'repo'),
  '23514', 'new row for relation "performance_metrics_p' || to_char(now() at time zone 'UTC', 'YYYYMM') || '" violates check constraint "performance_metrics_p99_ms_check"',
  'p99 cannot be below p95');
select throws_ok(
  format($$insert into analytics.performance_metrics (organization_id, repository_id, name) values (%L, %L, 'GET /')$$, :'org', :'repo'),
  '23514', 'new row for relation "performance_metrics_p' || to_char(now() at time zone 'UTC', 'YYYYMM') || '" violates check constraint "performance_metrics_measures_check"',
  'a measurement measures something');
select throws_ok(
  format($$insert into analytics.performance_metrics (organization_id, repository_id, name, throughput_per_s) values (%L, %L, 'GET /', -1)$$, :'org', :'repo'),
  '23514', 'new row for relation "performance_metrics_p' || to_char(now() at time zone 'UTC', 'YYYYMM') || '" violates check constraint "performance_metrics_throughput_per_s_check"',
  'throughput cannot be negative');
select lives_ok(
  format($$insert into analytics.performance_metrics (organization_id, repository_id, name, environment, p50_ms, p95_ms, p99_ms, throughput_per_s, memory_bytes, sample_count) values (%L, %L, 'GET /', 'ci', 10, 20, 30, 500, 1048576, 1000)$$, :'org', :'repo'),
  'a complete measurement is accepted');
select throws_ok(
  format($$insert into analytics.metrics (organization_id, repository_id, scope, name, value) values (%L, %L, 'file', 'loc', 1)$$, :'org', :'repo'),
  '23514', 'new row for relation "metrics_p' || to_char(now() at time zone 'UTC', 'YYYYMM') || '" violates check constraint "metrics_scope_ref_check"',
  'a file metric names its file');
select throws_ok(
  format($$insert into analytics.metrics (organization_id, repository_id, name, value) values (%L, %L, 'Bad Name', 1)$$, :'org', :'repo'),
  '23514', 'new row for relation "metrics_p' || to_char(now() at time zone 'UTC', 'YYYYMM') || '" violates check constraint "metrics_name_check"',
  'metric names are lowercase identifiers');
select throws_ok(
  format($$insert into analytics.metrics (organization_id, repository_id, name, value) values (%L, %L, 'x', 'NaN')$$, :'org', :'repo'),
  '23514', 'new row for relation "metrics_p' || to_char(now() at time zone 'UTC', 'YYYYMM') || '" violates check constraint "metrics_value_check"',
  'NaN is not a measurement');
select throws_ok(
  format($$insert into analytics.metrics (organization_id, repository_id, name, value, recorded_at) values (%L, %L, 'ancient', 1, '2001-01-01')$$, :'org', :'repo'),
  '22008', null, 'a value dated before the partition key window (13 months) is refused, not parked in the DEFAULT partition');
insert into analytics.metrics (organization_id, repository_id, name, value, recorded_at)
values (:'org', :'repo', 'current', 1, now());
select is((select tableoid::regclass::text from analytics.metrics where name = 'current' and repository_id = :'repo'),
          'analytics.metrics_p' || to_char(now() at time zone 'UTC', 'YYYYMM'), 'a current value lands in this month''s partition');

-- Deleting a repository takes its analysis with it -----------------------------------------
delete from projects.repositories where id = :'repo';
select is((select count(*) from analytics.analysis_runs where repository_id = :'repo'), 0::bigint, 'runs go with their repository');
select is((select count(*) from analytics.metrics where repository_id = :'repo'), 0::bigint, 'metrics go with their repository');

select * from finish();
rollback;
