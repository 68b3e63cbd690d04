-- monitoring.analytics_performance_analysis flags a stalled analysis queue, a run stuck in
-- progress and a high failure rate, each at the severity its thresholds say, and clears.
begin;
select plan(8);

select organization_id as org from tests.create_tenant('mon-analytics') \gset
insert into projects.repositories (organization_id, provider, full_name, clone_url)
values (:'org', 'github', 'mon/queue', 'https://github.com/mon/queue.git') returning id as repo \gset

-- Only this test's rows count: hide whatever else the database holds in this transaction.
update analytics.analysis_runs set status = 'cancelled', finished_at = now() - interval '2 days'
 where status in ('queued', 'running') and organization_id <> :'org';

select is((select severity from monitoring.analytics_performance_analysis where check_name = 'analysis_oldest_queued_age'),
  'ok', 'an empty queue is ok');

insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, created_at)
values (:'org', :'repo', repeat('a', 40), '{"eslint": "9"}', now() - interval '2 hours') returning id as queued \gset
select is((select severity from monitoring.analytics_performance_analysis where check_name = 'analysis_oldest_queued_age'),
  'critical', 'a run queued for two hours is critical (threshold 3600 s)');
select is((select value from monitoring.analytics_performance_analysis where check_name = 'analysis_queue_depth'),
  1::numeric, 'the queue depth counts it');

insert into analytics.analysis_runs (organization_id, repository_id, commit_sha, tools, status, started_at)
values (:'org', :'repo', repeat('b', 40), '{"eslint": "9"}', 'running', now() - interval '90 minutes') returning id as stuck \gset
select is((select severity from monitoring.analytics_performance_analysis where check_name = 'analysis_running_too_long'),
  'warning', 'a run in progress for 90 minutes is a warning');
select ok(exists (select from monitoring.critical_alerts where check_name = 'analysis_oldest_queued_age'),
  'critical_alerts carries the stalled queue');

update analytics.analysis_runs set status = 'running', started_at = now() where id = :'queued';
update analytics.analysis_runs set status = 'failed', finished_at = now(), error_message = 'worker died' where id in (:'queued', :'stuck');
select is((select severity from monitoring.analytics_performance_analysis where check_name = 'analysis_oldest_queued_age'),
  'ok', 'the queue alert clears once the run starts');
select is((select severity from monitoring.analytics_performance_analysis where check_name = 'analysis_running_too_long'),
  'ok', 'the stuck-run alert clears once the run ends');

update monitoring.alert_thresholds set minimum_sample = 1 where check_name = 'analysis_failure_rate';
select is((select severity from monitoring.analytics_performance_analysis where check_name = 'analysis_failure_rate'),
  'critical', 'two failures out of two finished runs is critical');

select * from finish();
rollback;
