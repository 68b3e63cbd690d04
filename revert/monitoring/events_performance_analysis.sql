-- Revert platform:monitoring/events_performance_analysis from pg

begin;

delete from monitoring.maintenance_jobs
 where job_name in ('events.process_pending_events', 'events.recover_expired_deliveries', 'events.cleanup_old_events');

delete from monitoring.finding_sources where source_view = 'monitoring.events_performance_analysis';
drop view monitoring.events_performance_analysis;
delete from monitoring.alert_thresholds
 where check_name in ('event_backlog', 'event_oldest_pending_age', 'event_throughput', 'event_processing_failure_rate',
                      'delivery_backlog', 'delivery_stuck_leases', 'delivery_dead_letters');
drop index events.event_deliveries_completed_at_dead_letter_idx;
drop index events.event_processing_logs_logged_at_brin;

commit;
