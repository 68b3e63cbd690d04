-- Deploy platform:monitoring/analytics_performance_analysis to pg
-- The analysis pipeline seen as a queue: runs waiting, how long the oldest has waited, runs stuck
-- in progress, and the failure rate of the last day. Reads the in-progress rows through their
-- partial index (analysis_runs_open_idx) and the last day's finished runs only.

begin;

insert into monitoring.alert_thresholds
  (check_name, direction, info_threshold, warning_threshold, critical_threshold, minimum_sample, unit, description)
values
  ('analysis_queue_depth', 'above', null, 100, 1000, null, 'runs', 'Analysis runs queued and not started.'),
  ('analysis_oldest_queued_age', 'above', null, 600, 3600, null, 'seconds', 'Wait of the oldest queued analysis run.'),
  ('analysis_running_too_long', 'above', null, 1, 5, null, 'runs', 'Analysis runs in progress for more than an hour.'),
  ('analysis_failure_rate', 'above', 0.01, 0.10, 0.30, 10, 'ratio', 'Failed runs among the runs finished in the last 24 hours.')
on conflict (check_name) do nothing;

create view monitoring.analytics_performance_analysis as
with open_runs as (
  select count(*) filter (where r.status = 'queued') as queued,
         extract(epoch from now() - min(r.created_at) filter (where r.status = 'queued')) as oldest_queued_s,
         count(*) filter (where r.status = 'running' and r.started_at < now() - interval '1 hour') as running_long
    from analytics.analysis_runs as r
   where r.status in ('queued', 'running')
), finished as (
  select count(*) filter (where r.status = 'failed') as failed, count(*) as total
    from analytics.analysis_runs as r
   where r.status in ('succeeded', 'failed', 'cancelled') and r.finished_at > now() - interval '24 hours'
)
select 'queues'::text as category, 'analysis_queue_depth'::text as check_name, 'analytics.analysis_runs'::text as object_name,
       monitoring.classify('analysis_queue_depth', o.queued) as severity, o.queued::numeric as value,
       format('%s analysis run(s) queued', o.queued) as details,
       case when monitoring.classify('analysis_queue_depth', o.queued) = 'ok' then 'No action needed.'
            else 'Add analysis workers, or look for a repository flooding the queue: select repository_id, count(*) from analytics.analysis_runs where status = ''queued'' group by 1 order by 2 desc;' end
         as recommended_action
  from open_runs as o
union all
select 'queues', 'analysis_oldest_queued_age', 'analytics.analysis_runs',
       monitoring.classify('analysis_oldest_queued_age', coalesce(o.oldest_queued_s, 0)),
       round(coalesce(o.oldest_queued_s, 0)::numeric, 1),
       case when o.oldest_queued_s is null then 'no run is waiting'
            else format('the oldest queued run has waited %s s', round(o.oldest_queued_s::numeric)) end,
       case when monitoring.classify('analysis_oldest_queued_age', coalesce(o.oldest_queued_s, 0)) = 'ok' then 'No action needed.'
            else 'Workers are not picking up runs: check that the analysis workers are alive and claiming.' end
  from open_runs as o
union all
select 'queues', 'analysis_running_too_long', 'analytics.analysis_runs',
       monitoring.classify('analysis_running_too_long', o.running_long), o.running_long::numeric,
       format('%s run(s) in progress for more than an hour', o.running_long),
       case when monitoring.classify('analysis_running_too_long', o.running_long) = 'ok' then 'No action needed.'
            else 'A worker probably died mid-run: mark those runs failed (update analytics.analysis_runs set status = ''failed'', finished_at = now(), error_message = ''abandoned'' where ...) and re-queue them.' end
  from open_runs as o
union all
select 'queues', 'analysis_failure_rate', 'analytics.analysis_runs',
       monitoring.classify('analysis_failure_rate', case when f.total = 0 then 0 else f.failed::numeric / f.total end, f.total),
       round(case when f.total = 0 then 0 else f.failed::numeric / f.total end, 4),
       format('%s of %s run(s) finished in the last 24 h failed', f.failed, f.total),
       case when monitoring.classify('analysis_failure_rate', case when f.total = 0 then 0 else f.failed::numeric / f.total end, f.total) = 'ok'
            then 'No action needed.'
            else 'Read error_message of the failed runs: select tools, error_message, count(*) from analytics.analysis_runs where status = ''failed'' and finished_at > now() - interval ''1 day'' group by 1, 2;' end
  from finished as f;

comment on view monitoring.analytics_performance_analysis is
  'The analysis pipeline as a queue: queued runs, the oldest wait, runs in progress for over an hour, and the failure rate of the last 24 hours, each classified with monitoring.alert_thresholds.';

grant select on monitoring.analytics_performance_analysis to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.analytics_performance_analysis', 'performance', 'Analysis queue depth and age, runs stuck in progress, failure rate.');

commit;
