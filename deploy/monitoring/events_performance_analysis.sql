-- Deploy platform:monitoring/events_performance_analysis to pg
-- The event pipeline as a DBA sees it: events waiting to be routed and the oldest wait, routing
-- throughput and failures of the last hour (from the processing log), deliveries due, leases the
-- recovery is not keeping up with, and the day's dead letters. Hot rows are read through the
-- partial indexes of the module; the log's last hour through a BRIN index on logged_at (added
-- here, tiny: the log is appended in time order); the day's dead letters through a partial index
-- on completed_at (added here, tiny: dead letters are rare).
-- Each count reads one partial index with its own literal status: a single scan of
-- "status in ('pending', 'leased')" matches neither partial index, and on 14.5M deliveries it
-- was a sequential scan of every partition (2.0 s; now milliseconds).

begin;

create index event_processing_logs_logged_at_brin on events.event_processing_logs using brin (logged_at);
-- The organization-first dead-letter index serves a tenant's list; this one serves "the last day,
-- every tenant" without reading the whole dead-letter index of every partition.
create index event_deliveries_completed_at_dead_letter_idx on events.event_deliveries (completed_at)
  where status = 'dead_letter';

insert into monitoring.alert_thresholds
  (check_name, direction, info_threshold, warning_threshold, critical_threshold, minimum_sample, unit, description)
values
  ('event_backlog', 'above', null, 1000, 10000, null, 'events', 'Events waiting to be routed to their subscriptions.'),
  ('event_oldest_pending_age', 'above', null, 300, 1800, null, 'seconds', 'Wait of the oldest event not yet routed.'),
  ('event_throughput', 'above', null, null, null, null, 'events/min', 'Events routed per minute over the last hour (a metric, no alert).'),
  ('event_processing_failure_rate', 'above', 0.01, 0.05, 0.20, 20, 'ratio', 'Routing failures among routing attempts in the last hour.'),
  ('delivery_backlog', 'above', null, 1000, 10000, null, 'deliveries', 'Deliveries due now (pending, next attempt reached).'),
  ('delivery_stuck_leases', 'above', null, 1, 10, null, 'deliveries', 'Leased deliveries whose lease expired over a minute ago.'),
  ('delivery_dead_letters', 'above', 1, 10, 100, null, 'deliveries', 'Deliveries dead-lettered in the last 24 hours.')
on conflict (check_name) do nothing;

create view monitoring.events_performance_analysis as
with pending as (
  select count(*) as n, extract(epoch from now() - min(e.received_at)) as oldest_s
    from events.events as e
   where e.status = 'pending'
), routed as (
  select count(*) filter (where l.step = 'routed') as routed,
         count(*) filter (where l.step = 'routing_failed') as failed
    from events.event_processing_logs as l
   where l.logged_at > now() - interval '1 hour' and l.step in ('routed', 'routing_failed')
), deliveries as (
  select (select count(*) from events.event_deliveries as d
           where d.status = 'pending' and d.next_attempt_at <= now()) as due,
         (select count(*) from events.event_deliveries as d
           where d.status = 'leased' and d.locked_until < now() - interval '1 minute') as stuck
), dead as (
  select count(*) as n
    from events.event_deliveries as d
   where d.status = 'dead_letter' and d.completed_at > now() - interval '24 hours'
), checks (check_name, value, sample, details, action) as (
  select 'event_backlog', pending.n::numeric, null::numeric, format('%s event(s) waiting to be routed', pending.n),
         'Run the router more often or with larger batches: select events.process_pending_events(1000); (job events.process_pending_events).'
    from pending
  union all
  select 'event_oldest_pending_age', round(coalesce(pending.oldest_s, 0)::numeric, 1), null,
         case when pending.oldest_s is null then 'no event is waiting' else format('the oldest pending event has waited %s s', round(pending.oldest_s::numeric)) end,
         'The router is not running: select * from monitoring.run_maintenance(''events.process_pending_events''); and check its schedule.'
    from pending
  union all
  select 'event_throughput', round(routed.routed / 60.0, 2), null,
         format('%s event(s) routed in the last hour, %s routing failure(s)', routed.routed, routed.failed), 'A metric: no action.'
    from routed
  union all
  select 'event_processing_failure_rate',
         round(case when routed.routed + routed.failed = 0 then 0 else routed.failed::numeric / (routed.routed + routed.failed) end, 4),
         (routed.routed + routed.failed)::numeric,
         format('%s of %s routing attempt(s) in the last hour failed', routed.failed, routed.routed + routed.failed),
         'Read the failures: select message, count(*) from events.event_processing_logs where step = ''routing_failed'' and logged_at > now() - interval ''1 hour'' group by 1;'
    from routed
  union all
  select 'delivery_backlog', deliveries.due::numeric, null, format('%s deliver(ies) due now', deliveries.due),
         'Add delivery workers for the busiest target kinds: select target_kind, count(*) from events.event_deliveries where status = ''pending'' and next_attempt_at <= now() group by 1;'
    from deliveries
  union all
  select 'delivery_stuck_leases', deliveries.stuck::numeric, null,
         format('%s leased deliver(ies) whose lease expired over a minute ago', deliveries.stuck),
         'Run lease recovery for deliveries (events.recover_expired_deliveries()) and schedule it.'
    from deliveries
  union all
  select 'delivery_dead_letters', dead.n::numeric, null, format('%s deliver(ies) dead-lettered in the last 24 h', dead.n),
         'Inspect last_error, fix the target, then replay: select events.replay_event(...);'
    from dead
)
select 'queues'::text as category, c.check_name, 'events'::text as object_name,
       monitoring.classify(c.check_name, c.value, c.sample) as severity, c.value, c.details,
       case when monitoring.classify(c.check_name, c.value, c.sample) = 'ok' then 'No action needed.' else c.action end
         as recommended_action
  from checks as c;

comment on view monitoring.events_performance_analysis is
  'The event pipeline: routing backlog and oldest wait, routing throughput and failure rate of the last hour, deliveries due, stuck delivery leases, dead letters of the last day; classified with monitoring.alert_thresholds.';

grant select on monitoring.events_performance_analysis to platform_monitor, service_role;

-- The module's routines, run by the maintenance entry point (monitoring.run_maintenance).
insert into monitoring.maintenance_jobs (job_name, function_name, function_args, run_interval, description) values
  ('events.process_pending_events', 'events.process_pending_events', '1000', interval '1 minute',
   'Routes pending events to every matching active subscription (one delivery each).'),
  ('events.recover_expired_deliveries', 'events.recover_expired_deliveries', '', interval '1 minute',
   'Returns deliveries whose lease expired to the queue.'),
  ('events.cleanup_old_events', 'events.cleanup_old_events', '', interval '1 day',
   'Enforces each event type''s retention: whole months detached and dropped, shorter retentions in bounded batches.')
on conflict (job_name) do nothing;

insert into monitoring.finding_sources (source_view, area, description) values
  ('monitoring.events_performance_analysis', 'performance', 'Event routing backlog and age, throughput, failure rate, delivery backlog, stuck leases, dead letters.');

commit;
