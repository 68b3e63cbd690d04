-- Verify platform:monitoring/events_performance_analysis on pg

begin;

select category, check_name, object_name, severity, value, details, recommended_action
  from monitoring.events_performance_analysis
 where false;

select 1 / (count(*) = 7)::int from monitoring.events_performance_analysis;

rollback;
