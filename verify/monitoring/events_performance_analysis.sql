-- Verify platform:monitoring/events_performance_analysis on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.events_performance_analysis
 where false;

select 1 / (count(*) = 7)::int from monitoring.events_performance_analysis;

select 1 / count(*) from pg_catalog.pg_indexes
 where schemaname = 'events' and indexname = 'event_deliveries_completed_at_dead_letter_idx';

rollback;
