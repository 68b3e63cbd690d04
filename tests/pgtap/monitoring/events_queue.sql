-- monitoring.events_performance_analysis flags an event backlog and a stuck delivery lease at the
-- severity their thresholds say, and clears once the router and the lease recovery have run.
begin;
select plan(6);

-- Only this test's rows count.
update events.events set status = 'processed', processed_at = now() where status = 'pending';

select organization_id as org from tests.create_tenant('mon-events') \gset
update monitoring.alert_thresholds set warning_threshold = 3, critical_threshold = 50 where check_name = 'event_backlog';

select is((select severity from monitoring.events_performance_analysis where check_name = 'event_backlog'),
  'ok', 'no backlog: ok');

select events.ingest_event(organization_id => :'org', source => 'github', event_type => 'push',
                           payload => jsonb_build_object('repository', 'mon/q', 'ref', 'refs/heads/main', 'sender', 'x', 'n', n))
  from generate_series(1, 5) as n;
select is((select severity from monitoring.events_performance_analysis where check_name = 'event_backlog'),
  'warning', 'five events waiting with a warning threshold of three: warning');
select ok(exists (select from monitoring.critical_alerts where check_name = 'event_backlog'),
  'critical_alerts carries the backlog');

select lives_ok($$select * from monitoring.run_maintenance('events.process_pending_events')$$,
  'the router runs from the maintenance entry point');
select is((select severity from monitoring.events_performance_analysis where check_name = 'event_backlog'),
  'ok', 'the backlog alert clears once the router ran');
select is((select status from monitoring.maintenance_runs where job_name = 'events.process_pending_events' order by started_at desc limit 1),
  'succeeded', 'and the router''s run is recorded');

select * from finish();
rollback;
