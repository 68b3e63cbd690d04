-- Deploy platform:monitoring/tasks_performance_analysis to pg
-- The task queue as a DBA sees it: ready work and its oldest wait, throughput and failures of the
-- last hour, leases the recovery job is not keeping up with, and the day's dead letters. The
-- hot table is read through its partial indexes (pending, running); finished work through the
-- current partitions of task_history, found by a BRIN index on finished_at (added here, tiny:
-- history is appended in finished_at order).

begin;

create index task_history_finished_at_brin on tasks.task_history using brin (finished_at);

insert into monitoring.alert_thresholds
  (check_name, direction, info_threshold, warning_threshold, critical_threshold, minimum_sample, unit, description)
values
  ('task_queue_depth', 'above', null, 1000, 10000, null, 'tasks', 'Tasks ready to run now (status pending, due).'),
  ('task_oldest_ready_age', 'above', null, 300, 1800, null, 'seconds', 'Wait of the oldest ready task since it became due.'),
  ('task_throughput', 'above', null, null, null, null, 'tasks/min', 'Tasks finished per minute over the last hour (a metric, no alert).'),
  ('task_failure_rate', 'above', 0.01, 0.05, 0.20, 20, 'ratio', 'Failed tasks among those finished (succeeded or failed) in the last hour.'),
  ('task_stuck_leases', 'above', null, 1, 10, null, 'tasks', 'Running tasks whose lease expired over a minute ago: lease recovery is not running.'),
  ('task_dead_letters', 'above', 1, 10, 100, null, 'tasks', 'Tasks that ended failed (attempts exhausted or not retryable) in the last 24 hours.')
on conflict (check_name) do nothing;

create view monitoring.tasks_performance_analysis as
with hot as (
  select count(*) filter (where t.status = 'pending' and t.scheduled_at <= now()) as ready,
         extract(epoch from now() - min(t.scheduled_at) filter (where t.status = 'pending' and t.scheduled_at <= now())) as oldest_s,
         count(*) filter (where t.status = 'running' and t.locked_until < now() - interval '1 minute') as stuck
    from tasks.tasks as t
   where t.status in ('pending', 'running')
), finished as (
  -- One read of the last 24 hours of history (the partition's BRIN on finished_at) for both windows.
  select count(*) filter (where h.status = 'succeeded' and h.finished_at > now() - interval '1 hour') as succeeded,
         count(*) filter (where h.status = 'failed' and h.finished_at > now() - interval '1 hour') as failed,
         count(*) filter (where h.finished_at > now() - interval '1 hour') as finished,
         count(*) filter (where h.status = 'failed') as failed_24h
    from tasks.task_history as h
   where h.finished_at > now() - interval '24 hours'
), hour as (
  select f.succeeded, f.failed, f.finished from finished as f
), day as (
  select f.failed_24h as failed from finished as f
), checks (check_name, value, sample, details, action) as (
  select 'task_queue_depth', hot.ready::numeric, null::numeric,
         format('%s task(s) ready to run now', hot.ready),
         'Add workers for the busiest queues: select queue_name, count(*) from tasks.tasks where status = ''pending'' and scheduled_at <= now() group by 1 order by 2 desc;'
    from hot
  union all
  select 'task_oldest_ready_age', round(coalesce(hot.oldest_s, 0)::numeric, 1), null,
         case when hot.oldest_s is null then 'no task is waiting' else format('the oldest ready task has waited %s s', round(hot.oldest_s::numeric)) end,
         'Workers are not claiming: check that they run, poll the right queue_names and listen on channel tasks_ready.'
    from hot
  union all
  select 'task_throughput', round(hour.finished / 60.0, 2), null,
         format('%s task(s) finished in the last hour (%s succeeded, %s failed)', hour.finished, hour.succeeded, hour.failed),
         'A metric: no action.'
    from hour
  union all
  select 'task_failure_rate',
         round(case when hour.succeeded + hour.failed = 0 then 0 else hour.failed::numeric / (hour.succeeded + hour.failed) end, 4),
         (hour.succeeded + hour.failed)::numeric,
         format('%s of %s task(s) finished in the last hour failed', hour.failed, hour.succeeded + hour.failed),
         'Read last_error of the failed tasks: select definition_id, left(last_error, 120), count(*) from tasks.task_history where status = ''failed'' and finished_at > now() - interval ''1 hour'' group by 1, 2;'
    from hour
  union all
  select 'task_stuck_leases', hot.stuck::numeric, null,
         format('%s running task(s) whose lease expired over a minute ago', hot.stuck),
         'Run lease recovery (select tasks.recover_expired_leases();) and schedule it: select * from monitoring.run_maintenance(''tasks.recover_expired_leases'');'
    from hot
  union all
  select 'task_dead_letters', day.failed::numeric, null,
         format('%s task(s) ended failed in the last 24 h', day.failed),
         'Inspect and re-enqueue what should run again: select * from tasks.task_history where status = ''failed'' and finished_at > now() - interval ''1 day'';'
    from day
)
select 'queues'::text as category, c.check_name, 'tasks'::text as object_name,
       monitoring.classify(c.check_name, c.value, c.sample) as severity, c.value, c.details,
       case when monitoring.classify(c.check_name, c.value, c.sample) = 'ok' then 'No action needed.' else c.action end
         as recommended_action
  from checks as c;

comment on view monitoring.tasks_performance_analysis is
  'The task queue: ready tasks and the oldest wait, throughput and failure rate of the last hour, stuck leases, dead letters of the last day; classified with monitoring.alert_thresholds.';

grant select on monitoring.tasks_performance_analysis to platform_monitor, service_role;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.tasks_performance_analysis', 'performance', 'Task queue depth and age, throughput, failure rate, stuck leases, dead letters.');

insert into monitoring.maintenance_jobs (job_name, function_name, function_args, run_interval, description)
values ('tasks.recover_expired_leases', 'tasks.recover_expired_leases', '', interval '1 minute',
        'Returns tasks whose lease expired to the queue (a crashed worker''s task runs again within a minute).')
on conflict (job_name) do nothing;

commit;
