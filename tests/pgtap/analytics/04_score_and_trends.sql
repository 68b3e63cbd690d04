-- analytics module, layer 2: the quality score on hand-made data with a known expected value,
-- its weights as data, the explanation, the overview, and the metric trends.
begin;
select plan(32);

select organization_id as org, member_id as member, viewer_id as viewer from tests.create_tenant('ana-score-a') \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'ana/score', 'https://github.com/ana/score.git') returning id as repo \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'ana/nocov', 'https://github.com/ana/nocov.git') returning id as repo_nocov \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'ana/trend', 'https://github.com/ana/trend.git') returning id as repo_trend \gset

-- No successful run, no score ----------------------------------------------------------------
select is(analytics.calculate_quality_score(:'repo'), null, 'a repository with no run scores NULL');
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status)
values (:'org', :'repo', repeat('0', 40), '{"sonar": "10"}', 'running') returning id as run_failed \gset
update analytics.analysis_runs set status = 'failed' where id = :'run_failed';
select is(analytics.calculate_quality_score(:'repo'), null, 'a failed run gives no score either');

-- Hand-made run ---------------------------------------------------------------------------------
--   f1: 800 code lines, complexity 120, duplication 10 %, coverage 50 %
--   f2: 200 code lines, complexity  30, duplication  0 %, no coverage data
--   open issues: 1 blocker (20), 2 major (3 each, one of them confirmed), 1 info (0);
--   plus a critical marked false positive, which does not count.
-- Components with the default weights:
--   issues      = (20 + 3 + 3 + 0) / 1 KLOC = 26 per KLOC        -> 100 x clamp((10-26)/10)   = 0
--   coverage    = 50 (f2 has no data, so only f1's lines count) -> 100 x clamp((0-50)/(0-80)) = 62.50
--   duplication = (10 x 800 + 0 x 200) / 1000 = 8               -> 100 x (25-8)/(25-3)        = 77.27
--   complexity  = 150 / 1000 lines x 100 = 15                   -> 100 x (40-15)/(40-10)      = 83.33
--   score = 0.40 x 0 + 0.25 x 62.50 + 0.15 x 77.27 + 0.20 x 83.33 = 43.88
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status)
values (:'org', :'repo', repeat('1', 40), '{"sonar": "10"}', 'running') returning id as run1 \gset
insert into analytics.file_analysis (organization_id, run_id, file_path, lines_code, complexity, duplication_pct, coverage_pct, maintainability_index)
values (:'org', :'run1', 'src/big.ts', 800, 120, 10, 50, 55), (:'org', :'run1', 'src/small.ts', 200, 30, 0, null, 90);
insert into analytics.issues (organization_id, repository_id, fingerprint, tool, rule_id, severity, type, message, status, first_seen_run_id, last_seen_run_id)
values (:'org', :'repo', 'blocker-1', 'sonar', 'S1', 'blocker', 'vulnerability', 'SQL injection', 'open', :'run1', :'run1'),
       (:'org', :'repo', 'major-1', 'sonar', 'S2', 'major', 'bug', 'null deref', 'open', :'run1', :'run1'),
       (:'org', :'repo', 'major-2', 'sonar', 'S3', 'major', 'bug', 'off by one', 'confirmed', :'run1', :'run1'),
       (:'org', :'repo', 'info-1', 'sonar', 'S4', 'info', 'code_smell', 'todo', 'open', :'run1', :'run1'),
       (:'org', :'repo', 'critical-fp', 'sonar', 'S5', 'critical', 'bug', 'not a bug', 'open', :'run1', :'run1');
update analytics.issues set status = 'false_positive' where fingerprint = 'critical-fp';
update analytics.analysis_runs set status = 'succeeded' where id = :'run1';

select results_eq(
  format($$select component, measured_value, component_score, weight, contribution from analytics.explain_quality_score(%L)$$, :'repo'),
  $$values ('complexity', 15.0000, 83.33, 0.20, 16.6660),
           ('coverage', 50.00, 62.50, 0.25, 15.6250),
           ('duplication', 8.00, 77.27, 0.15, 11.5905),
           ('issues', 26.0000, 0.00, 0.40, 0.0000)$$,
  'explain_quality_score() shows each component''s measure, score, weight and contribution');
select is(analytics.calculate_quality_score(:'repo'), 43.88, 'the score is 43.88 as computed by hand');
select is((select quality_score from analytics.analysis_runs where id = :'run1'), 43.88, 'the run stores its score snapshot');

-- The weights are data ----------------------------------------------------------------------
update analytics.quality_score_weights set weight = 0 where component = 'coverage';
select is(analytics.calculate_quality_score(:'repo'), 37.68,
          'with coverage weighted 0 the score is (0.15 x 77.27 + 0.20 x 83.33) / 0.75 = 37.68');
update analytics.quality_score_weights set weight = 0.25 where component = 'coverage';
update analytics.issue_severity_weights set weight = 1 where severity = 'blocker';
select is(analytics.calculate_quality_score(:'repo'), 55.88,
          'with a blocker weighing 1 the issue density is 7 per KLOC (score 30): 43.88 + 0.40 x 30 = 55.88');
update analytics.issue_severity_weights set weight = 20 where severity = 'blocker';

-- People's decisions count: a false positive leaves the score -------------------------------
update analytics.issues set status = 'false_positive' where fingerprint = 'blocker-1';
select is(analytics.calculate_quality_score(:'repo'), 59.88,
          'marking the blocker a false positive: 6 per KLOC scores 40, so 43.88 + 0.40 x 40 = 59.88');
select is((select quality_score from analytics.analysis_runs where id = :'run1'), 43.88,
          'the run''s snapshot keeps the score it had when it finished');

-- A run without coverage data leaves the component out and renormalises ----------------------------
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status)
values (:'org', :'repo_nocov', repeat('2', 40), '{"lizard": "1"}', 'running') returning id as run2 \gset
insert into analytics.file_analysis (organization_id, run_id, file_path, lines_code, complexity, duplication_pct)
values (:'org', :'run2', 'main.c', 2000, 200, 3);
update analytics.analysis_runs set status = 'succeeded' where id = :'run2';
select set_eq(format($$select component from analytics.explain_quality_score(%L)$$, :'repo_nocov'),
              array['issues', 'complexity', 'duplication'], 'no coverage measured: no coverage component');
select is(analytics.calculate_quality_score(:'repo_nocov'), 100.00,
          'no issues, 3 % duplication, 10 complexity per 100 lines: every measured component is perfect');

-- The overview -------------------------------------------------------------------------------
select results_eq(
  format($$select quality_score, quality_score_at_run, files_analyzed, lines_of_code, coverage_pct, duplication_pct,
                  complexity_per_100_lines, open_issues, open_blocker, open_major, open_info
             from analytics.repository_quality_overview where repository_id = %L$$, :'repo'),
  $$values (59.88, 43.88::numeric(5,2), 2, 1000::bigint, 50.00::numeric(5,2), 8.00::numeric(5,2), 15.00, 3::bigint, 0::bigint, 2::bigint, 1::bigint)$$,
  'the overview: live score, run snapshot, the run''s measures and open issues by severity (false positives excluded)');
select is(
  (select jsonb_path_query_array(complexity_hot_spots, '$[*].file_path') from analytics.repository_quality_overview where repository_id = :'repo'),
  '["src/big.ts", "src/small.ts"]'::jsonb, 'hot spots list the most complex files first');
select is((select latest_run_id from analytics.repository_quality_overview where repository_id = :'repo'), :'run1'::uuid,
          'the latest run is the latest successful one (the failed run is ignored)');
select is((select count(*) from analytics.repository_quality_overview where organization_id = :'org'), 3::bigint,
          'every repository has an overview row, analysed or not');
select is((select quality_score from analytics.repository_quality_overview where repository_id = :'repo_trend'), null,
          'a repository without runs has a NULL score in the overview');

-- Second run: the previous score and the change -------------------------------------------------
insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status)
values (:'org', :'repo', repeat('3', 40), '{"sonar": "10"}', 'running') returning id as run3 \gset
insert into analytics.file_analysis (organization_id, run_id, file_path, lines_code, complexity, duplication_pct, coverage_pct)
values (:'org', :'run3', 'src/big.ts', 1000, 100, 3, 80);
update analytics.issues set last_seen_run_id = :'run3' where fingerprint in ('major-1', 'major-2', 'info-1');
update analytics.analysis_runs set status = 'succeeded', finished_at = now() + interval '1 second' where id = :'run3';
select results_eq(
  format($$select quality_score, previous_run_quality_score, score_change_since_previous_run, latest_run_id
             from analytics.repository_quality_overview where repository_id = %L$$, :'repo'),
  format($$values (76.00, 43.88::numeric(5,2), 32.12::numeric, %L::uuid)$$, :'run3'),
  'after a better run: 6 weighted issues per KLOC (40) and perfect measures elsewhere = 0.40 x 40 + 0.60 x 100 = 76.00, +32.12 on the previous run');

-- Trends -------------------------------------------------------------------------------------
-- ana/trend's quality_score: two values three weeks ago (50, 60), one two weeks ago (70).
select date_trunc('week', now(), 'UTC') - interval '3 weeks' as w1, date_trunc('week', now(), 'UTC') - interval '2 weeks' as w2,
       date_trunc('week', now(), 'UTC') - interval '1 week' as w3 \gset
insert into analytics.metrics (organization_id, repository_id, name, value, unit, recorded_at)
values (:'org', :'repo_trend', 'quality_score', 50, 'score', :'w1'::timestamptz + interval '1 day'),
       (:'org', :'repo_trend', 'quality_score', 60, 'score', :'w1'::timestamptz + interval '2 days'),
       (:'org', :'repo_trend', 'quality_score', 70, 'score', :'w2'::timestamptz + interval '1 day'),
       (:'org', :'repo_trend', 'file_loc', 10, 'lines', :'w2'::timestamptz + interval '1 day');
update analytics.metrics set scope = 'file', scope_ref = 'a.ts' where name = 'file_loc';
select ok(analytics.refresh_metric_trends(:'org', :'repo_trend', :'w1') > 0, 'refresh_metric_trends() rolls the series up');
select results_eq(
  format($$select period_start, sample_count, avg_value, min_value, max_value, last_value, previous_avg, change_abs, direction
             from analytics.metric_trends where repository_id = %L and metric_name = 'quality_score' and period = 'week' order by period_start$$, :'repo_trend'),
  format($$values (%L::timestamptz, 2, 55::float8, 50::float8, 60::float8, 60::float8, null::float8, null::float8, null::text),
                  (%L::timestamptz, 1, 70::float8, 70::float8, 70::float8, 70::float8, 55::float8, 15::float8, 'up')$$, :'w1', :'w2'),
  'weekly roll-ups with count, average, extremes, last value and the change against the previous week');
select is((select count(*) from analytics.metric_trends where repository_id = :'repo_trend' and period = 'day' and metric_name = 'quality_score'),
          3::bigint, 'daily roll-ups too');
select is((select count(*) from analytics.metric_trends where repository_id = :'repo_trend' and metric_name = 'file_loc'),
          0::bigint, 'only repository-scope metrics are rolled up');
select is((select trend_direction from analytics.repository_quality_overview where repository_id = :'repo_trend'), 'improving',
          'the overview reads the trend: +15 points week on week is improving');

-- Incremental: a later week only ------------------------------------------------------------
insert into analytics.metrics (organization_id, repository_id, name, value, unit, recorded_at)
values (:'org', :'repo_trend', 'quality_score', 65, 'score', :'w3'::timestamptz + interval '1 day'),
       (:'org', :'repo_trend', 'quality_score', 10, 'score', :'w1'::timestamptz + interval '3 days');
select is(analytics.refresh_metric_trends(:'org', :'repo_trend'), 4,
          'without since only the latest rolled-up periods onwards are recomputed (2 days + 2 weeks)');
select results_eq(
  format($$select avg_value, previous_avg, change_abs, direction from analytics.metric_trends
            where repository_id = %L and metric_name = 'quality_score' and period = 'week' order by period_start$$, :'repo_trend'),
  $$values (55::float8, null::float8, null::float8, null::text), (70::float8, 55::float8, 15::float8, 'up'), (65::float8, 70::float8, -5::float8, 'down')$$,
  'the new week compares with the previous one; the late value for an old week waits for an explicit since');
select results_eq(
  format($$select trend_direction, weekly_score_change from analytics.repository_quality_overview where repository_id = %L$$, :'repo_trend'),
  $$values ('declining', -5.00)$$, 'the overview now says declining (-5 points)');
select ok(analytics.refresh_metric_trends(:'org', :'repo_trend', :'w1') > 0, 'an explicit since recomputes older periods');
select is((select avg_value from analytics.metric_trends where repository_id = :'repo_trend' and metric_name = 'quality_score'
            and period = 'week' and period_start = :'w1'), 40::float8, 'the late value is now in its week ((50 + 60 + 10) / 3)');

-- Who may refresh ---------------------------------------------------------------------------
select tests.authenticate_as(:'viewer');
select throws_ok(format($$select analytics.refresh_metric_trends(%L)$$, :'org'), '42501',
                 format('only members of organization %s may refresh its trends', :'org'), 'a viewer cannot refresh trends');
select tests.authenticate_as(:'member');
select throws_ok($$select analytics.refresh_metric_trends()$$, '22023', 'p_organization_id is required when a user refreshes trends',
                 'a user must name the organization');
select lives_ok(format($$select analytics.refresh_metric_trends(%L)$$, :'org'), 'a member refreshes their organization''s trends');
-- A service is the service_role database role, not a JWT without a subject (nor one claiming
-- service_role): authenticated so is refused like any non-member.
select tests.set_identity('authenticated', '{"role": "service_role"}');
select throws_ok($$select analytics.refresh_metric_trends()$$, '22023', 'p_organization_id is required when a user refreshes trends',
                 'authenticated without a JWT subject cannot refresh every organization');
select throws_ok(format($$select analytics.refresh_metric_trends(%L)$$, :'org'), '42501',
                 format('only members of organization %s may refresh its trends', :'org'),
                 'nor one organization it is not a member of');
select tests.clear_authentication();

select * from finish();
rollback;
